// A lab run's samples summed up for its record (src/lab/run-meters.ts): a node's diagnostics as
// flat figures (1-minute load, CPU use, RSS in MiB), unavailable readings skipped, and the summary
// per node, queue, fractals and host — the queue and fractals only when they were metered.
import { describe, expect, it } from 'vitest';
import type { NodeSample } from '../../src/lab/node-meter.ts';
import { nodeFigures, type RunSamples, summarizeRun } from '../../src/lab/run-meters.ts';

const reading = (at: number, load1: number, cpuUse: number | null): NodeSample => ({
  at,
  node: 'app-worker-1',
  cpuUse,
  vcpus: 1,
  cpuTimeNs: 1,
  memoryKiB: 524_288,
  memoryRssKiB: 102_400,
  loadavg: [load1, 0.5, 0.1],
  hostCores: 0.333,
});

describe('summarizeRun', () => {
  it('flattens a node’s diagnostics and skips what it could not read', () => {
    expect(nodeFigures(reading(1, 0.93, 0.33))).toEqual({ load1: 0.93, cpuUse: 0.33, rssMiB: 100 });
    expect(nodeFigures(reading(1, 0.2, null))).toEqual({ load1: 0.2, rssMiB: 100 });
    expect(nodeFigures({ at: 1, node: 'x', unavailable: 'no diagnostics' })).toEqual({});
  });

  it('summarizes each meter per field', () => {
    const samples: RunSamples = {
      nodes: {
        'app-worker-1': [
          reading(1, 0.1, null),
          { at: 2, node: 'app-worker-1', unavailable: 'gone' },
          reading(3, 0.9, 0.33),
        ],
      },
      queue: [
        { at: 1, queue: 'normal', depth: 5, consumers: 1 },
        { at: 2, queue: 'normal', depth: 1, consumers: 1 },
      ],
      fractals: [],
      host: [
        { at: 1, cores: 2, busyCores: null },
        { at: 2, cores: 2, busyCores: 0.5 },
      ],
    };
    const summary = summarizeRun(samples);
    expect(Object.keys(summary).sort()).toEqual(['app-worker-1', 'host', 'queue']);
    expect(summary['app-worker-1']!.load1).toEqual({ count: 2, min: 0.1, max: 0.9, mean: 0.5, last: 0.9 });
    expect(summary['app-worker-1']!.cpuUse).toMatchObject({ count: 1, last: 0.33 });
    expect(summary.queue!.depth).toMatchObject({ max: 5, last: 1 });
    expect(summary.host!.busyCores).toMatchObject({ count: 1, last: 0.5 });
  });
});
