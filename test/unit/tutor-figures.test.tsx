// The measured figures on screen: the flood's latency panel and the before/after table with its
// ratio column (tutor/components/latency-panel.tsx, before-after-table.tsx, format.ts).
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { BeforeAfterTable, comparisonRows } from '../../tutor/components/before-after-table.tsx';
import { formatDuration, formatRatio } from '../../tutor/components/format.ts';
import { LatencyPanel } from '../../tutor/components/latency-panel.tsx';
import { frameLines, widest } from '../helpers/ink-frame.ts';

describe('LatencyPanel', () => {
  it('shows progress, p50/p99, errors and an overloaded API node in 80 columns', () => {
    const { lastFrame } = render(
      <LatencyPanel
        done={312}
        total={500}
        p50Ms={184}
        p99Ms={2350}
        errors={7}
        apiNode="app-api-1"
        apiLoad={1.37}
        width={80}
      />,
    );
    const lines = frameLines(lastFrame());
    expect(lines[0]).toMatch(/^requests {2}312 \/ 500 █+░+ 62%$/);
    expect(lines[1]).toBe('latency   p50 184 ms · p99 2.4 s');
    expect(lines[2]).toBe('errors    7 (2.2 %)');
    expect(lines[3]).toBe('API node  app-api-1 load 1.37 · above 1.0: more work than its CPU can do');
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it('says nothing it has not measured yet', () => {
    const { lastFrame } = render(
      <LatencyPanel done={0} total={500} p50Ms={null} p99Ms={null} errors={0} width={80} />,
    );
    const lines = frameLines(lastFrame());
    expect(lines[0]).toMatch(/^requests {2}0 \/ 500 ░+ 0%$/);
    expect(lines[1]).toBe('latency   p50 – · p99 –');
    expect(lines[2]).toBe('errors    0');
    expect(lines).toHaveLength(3);
  });
});

const before = {
  throughputPerMinute: 4.2,
  drainMs: 143_000,
  p50Ms: 220,
  p99Ms: 4100,
  errors: 12,
  loadPerNode: { 'app-worker-1': 1.04, 'app-api-1': 1.62 },
};
const after = {
  throughputPerMinute: 11.9,
  drainMs: 51_000,
  p50Ms: 95,
  p99Ms: 880,
  errors: 0,
  loadPerNode: {
    'app-worker-1': 0.98,
    'app-worker-2': 0.97,
    'app-worker-3': 0.99,
    'app-api-1': 0.71,
    'app-api-2': 0.69,
  },
};

describe('BeforeAfterTable', () => {
  it('puts the figures side by side with after ÷ before, a node on one side only showing –', () => {
    const { lastFrame } = render(
      <BeforeAfterTable
        before={before}
        after={after}
        beforeLabel="1 worker, 1 API"
        afterLabel="3 workers, 2 API"
      />,
    );
    const rows = frameLines(lastFrame()).map((line) => line.split(/\s{2,}/).filter(Boolean));
    expect(rows).toEqual([
      ['1 worker, 1 API', '3 workers, 2 API', 'after ÷ before'],
      ['fractals / min', '4.2', '11.9', '×2.83'],
      ['time to drain', '2 min 23 s', '51.0 s', '×0.36'],
      ['latency p50', '220 ms', '95 ms', '×0.43'],
      ['latency p99', '4.1 s', '880 ms', '×0.21'],
      ['errors', '12', '0', '×0.00'],
      ['load app-worker-1', '1.04', '0.98', '×0.94'],
      ['load app-api-1', '1.62', '0.71', '×0.44'],
      ['load app-worker-2', '–', '0.97', '–'],
      ['load app-worker-3', '–', '0.99', '–'],
      ['load app-api-2', '–', '0.69', '–'],
    ]);
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it('builds a row for every figure even when a side has not measured it', () => {
    const rows = comparisonRows({ drainMs: 1000 }, {});
    expect(rows.map((row) => [row.label, row.format(row.before), row.format(row.after)])).toEqual([
      ['fractals / min', '–', '–'],
      ['time to drain', '1.0 s', '–'],
      ['latency p50', '–', '–'],
      ['latency p99', '–', '–'],
      ['errors', '–', '–'],
    ]);
  });
});

describe('format', () => {
  it('writes durations and ratios the way the table and panel show them', () => {
    expect([
      formatDuration(999.6),
      formatDuration(1000),
      formatDuration(59_949),
      formatDuration(60_000),
    ]).toEqual(['1000 ms', '1.0 s', '59.9 s', '1 min 00 s']);
    expect([formatRatio(4, 12), formatRatio(1, 25), formatRatio(0, 3), formatRatio(null, 3)]).toEqual([
      '×3.00',
      '×25',
      '–',
      '–',
    ]);
  });
});
