// The batch's repeatable draws (src/lab/seeded-random.ts): one seed, one sequence, so the bench's
// "same batch on one worker and on three" posts the same fractals; and through faafo's own task
// drawing, the same tasks but for their fresh uuids.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RANGES, randomTask } from '../../src/faafo/cli/random-task.ts';
import { seededRandom } from '../../src/lab/seeded-random.ts';

const draws = (seed: number, n: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => random());
};

describe('seededRandom', () => {
  it('gives the same numbers in [0, 1) for the same seed, others for another', () => {
    const a = draws(11, 1000);
    expect(draws(11, 1000)).toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(draws(12, 1000)).not.toEqual(a);
    // Spread over the interval, not stuck: each tenth gets a fair share of 1000 draws.
    const tenths = Array.from({ length: 10 }, (_, i) => a.filter((x) => Math.floor(x * 10) === i).length);
    expect(Math.min(...tenths)).toBeGreaterThan(60);
    expect(new Set(a).size).toBe(1000);
  });

  it('draws the same tasks as faafo create would, but for their uuids', () => {
    const batch = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 5 }, () => randomTask(DEFAULT_RANGES, random));
    };
    const first = batch(7);
    const second = batch(7);
    const strip = (tasks: typeof first) => tasks.map(({ uuid: _uuid, ...rest }) => rest);
    expect(strip(second)).toEqual(strip(first));
    expect(second.map((t) => t.uuid)).not.toEqual(first.map((t) => t.uuid));
    expect(strip(batch(8))).not.toEqual(strip(first));
  });

  it('refuses a seed that is not a whole number', () => {
    expect(() => seededRandom(1.5)).toThrow(/A seed must be a whole number; 1.5 was given/);
  });
});
