// Reading a meter in the background (src/lab/collect.ts): samples pile up while the caller does
// something else, stop() ends the meter through its signal and gives them all; a meter that throws
// makes stop() reject rather than an unhandled rejection.
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/lab/collect.ts';
import { poll } from '../../src/lab/poll.ts';

describe('collect', () => {
  it('gathers samples until stopped', async () => {
    const controller = new AbortController();
    let n = 0;
    const c = collect(
      poll(async () => ({ n: n++ }), { intervalMs: 50, signal: controller.signal }),
      controller,
    );
    await new Promise((r) => setTimeout(r, 280));
    const samples = await c.stop();
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.map((s) => s.n)).toEqual(samples.map((_, i) => i));
    expect(c.samples).toBe(samples);
    const count = samples.length;
    await new Promise((r) => setTimeout(r, 120));
    expect(c.samples).toHaveLength(count); // nothing after stop
    expect(await c.stop()).toHaveLength(count);
  });

  it('rejects on stop when the meter threw', async () => {
    const controller = new AbortController();
    const c = collect(
      poll(
        async () => {
          throw new Error('the broker went away');
        },
        { intervalMs: 50, signal: controller.signal },
      ),
      controller,
    );
    await new Promise((r) => setTimeout(r, 60));
    await expect(c.stop()).rejects.toThrow('the broker went away');
  });
});
