// The live charts: asciichart's plot from timestamped samples, sized to the terminal, with the
// dashed 1.0 line, the x-axis in seconds and a legend (tutor/components/load-chart.tsx,
// backlog-chart.tsx, chart-plot.ts).
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { BacklogChart } from '../../tutor/components/backlog-chart.tsx';
import { plotLines } from '../../tutor/components/chart-plot.ts';
import { LoadChart } from '../../tutor/components/load-chart.tsx';
import { frameLines, plain, widest } from '../helpers/ink-frame.ts';

const T0 = 1_700_000_000_000;
const every = (seconds: number, values: number[]) =>
  values.map((value, i) => ({ at: T0 + i * seconds * 1000, value }));

// app-worker-1 climbing to past capacity over a minute, app-api-1 idle.
const worker = every(5, [0, 0.12, 0.3, 0.45, 0.6, 0.71, 0.8, 0.88, 0.93, 0.97, 1.02, 1.1, 1.23]);
const api = every(5, [0.05, 0.04, 0.06, 0.05, 0.05, 0.07, 0.06, 0.05, 0.04, 0.05, 0.06, 0.05, 0.05]);

describe('LoadChart', () => {
  it('draws one line per node with the extremes on the axis, a dashed 1.0 line and seconds under it', () => {
    const { lastFrame } = render(
      <LoadChart
        width={80}
        series={[
          { node: 'app-worker-1', samples: worker },
          { node: 'app-api-1', samples: api },
        ]}
      />,
    );
    const lines = frameLines(lastFrame());
    expect(lines[0]).toBe('load average (1 min) per node');
    // The axis runs from the floor (0) to the highest load measured; both are labels.
    expect(lines[1]).toMatch(/^1\.23 ┤/);
    expect(lines.some((line) => /^0\.00 ┤/.test(line))).toBe(true);
    // The reference: a row of dashes at 1.0, explained in the legend.
    const reference = lines.find((line) => line.includes('╌╌╌╌'));
    expect(reference).toBeDefined();
    expect(lines.at(-1)).toContain('╌╌ 1.0 = at capacity');
    expect(lines.at(-1)).toContain('app-worker-1 1.23');
    expect(lines.at(-1)).toContain('app-api-1 0.05');
    // 60 s of samples: the labels under the axis are seconds from the first sample.
    const axisLabels = lines.find((line) => /^\s+0s\s/.test(line));
    expect(axisLabels).toMatch(/0s .*30s .*60s/);
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it('keeps its height from the first sample on, and fits six nodes in 80 columns', () => {
    const nodes = ['app-worker-1', 'app-worker-2', 'app-worker-3', 'app-api-1', 'app-api-2', 'app-services'];
    const { lastFrame, rerender } = render(<LoadChart width={80} height={6} series={[]} />);
    expect(plain(lastFrame())).toContain('waiting for the first sample');
    const before = frameLines(lastFrame()).length;
    rerender(<LoadChart width={80} height={6} series={nodes.map((node) => ({ node, samples: worker }))} />);
    const lines = frameLines(lastFrame());
    // Title, 7 plot rows, axis, labels, and the legend wrapped onto two lines.
    expect(lines).toHaveLength(12);
    expect(before).toBe(11);
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
    for (const node of nodes) expect(plain(lastFrame())).toContain(`${node} 1.23`);
  });

  it('fills from the left when the run is longer than the samples so far', () => {
    const firstTen = worker.slice(0, 3); // 10 s of a 120 s run
    const { lastFrame } = render(
      <LoadChart width={80} spanMs={120_000} series={[{ node: 'app-worker-1', samples: firstTen }]} />,
    );
    const lines = frameLines(lastFrame());
    expect(lines.find((line) => /^\s+0s\s/.test(line))).toMatch(/0s .*60s .*120s$/);
    // The worker's line stops after about a twelfth of the width; the dashed reference goes on.
    const bottom = lines.find((line) => line.startsWith('0.00 ┤'))!;
    expect(bottom.trimEnd().length).toBeLessThan(20);
    expect(lines.find((line) => line.includes('╌'))!.trimEnd().length).toBe(79);
  });
});

describe('BacklogChart', () => {
  it("shows the queue's depth with whole-number labels from 0 to its peak", () => {
    const depth = every(2, [0, 5, 12, 20, 28, 37, 37, 31, 22, 10, 2, 0]);
    const { lastFrame } = render(<BacklogChart width={80} queue="faafo's tasks" samples={depth} />);
    const lines = frameLines(lastFrame());
    expect(lines[0]).toBe("backlog: tasks waiting in faafo's tasks");
    expect(lines[1]).toMatch(/^37 ┤/);
    expect(lines.some((line) => /^ 0 ┤/.test(line))).toBe(true);
    expect(lines.some((line) => line.includes('╌'))).toBe(false);
    expect(lines.at(-1)).toContain('waiting now 0');
    expect(lines.find((line) => /^\s+0s\s/.test(line))).toMatch(/20s/);
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it('draws a flat or single-sample series without failing', () => {
    const { lastFrame, rerender } = render(<BacklogChart width={80} samples={[{ at: T0, value: 4 }]} />);
    expect(frameLines(lastFrame())[1]).toMatch(/^4 ┤/);
    expect(frameLines(lastFrame())[7]).toMatch(/^0 ┤/);
    rerender(<BacklogChart width={80} samples={every(1, [4, 4, 4, 4])} />);
    expect(plain(lastFrame())).toContain('waiting now 4');
  });
});

describe('plotLines', () => {
  it('is exactly height + 3 lines wide as the width asked, whatever the values', () => {
    for (const values of [
      [0.01, 0.02],
      [3, 900, 12],
      [0.5, 0.5, 0.5],
    ]) {
      const lines = plotLines([{ samples: every(1, values) }], {
        width: 60,
        height: 5,
        decimals: 2,
        reference: 1,
      })!;
      expect(lines).toHaveLength(8);
      for (const line of lines.slice(0, 6)) expect(plain(line)).toHaveLength(60);
    }
    // A failed reading (NaN) is left out rather than drawn as a value; a series of only those is no series.
    const gappy = plotLines([{ samples: every(1, [0.2, Number.NaN, 0.6]) }], {
      width: 60,
      height: 5,
      decimals: 2,
    })!;
    expect(plain(gappy[0]!)).toMatch(/^0\.60 ┤/);
    expect(plain(gappy[5]!)).toMatch(/^0\.20 ┤/);
    expect(
      plotLines([{ samples: every(1, [Number.NaN]) }], { width: 60, height: 5, decimals: 2 }),
    ).toBeUndefined();
    // A flat series with nothing else to span still gets its rows: from its value to one above.
    const flat = plotLines([{ samples: every(1, [0.5, 0.5]) }], { width: 60, height: 5, decimals: 2 })!;
    expect(flat.map(plain)).toEqual(expect.arrayContaining([expect.stringMatching(/^1\.50 ┤/)]));
    expect(flat).toHaveLength(8);
  });
});
