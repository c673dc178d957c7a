// The load average of each node while the lesson loads it, live: one coloured line per node, a
// dashed line at 1.0 (one CPU's worth of work waiting or running: at capacity), the x-axis in
// seconds since the first sample, and a legend with each node's latest load. It is how chapter 3
// shows app-worker-1 climbing to 1 and chapter 6 shows the same load spread over three workers.
//
// Props: series: { node, samples: { at (ms), value (load) }[] }[]; width? (default: the terminal's);
// height? (plot rows, default 6: the chart is height + 5 lines with title and legend, one more
// when the legend of four or more nodes wraps at 80 columns); spanMs? (the x-axis' length when the
// run's duration is known, so the chart fills from the left).
import * as asciichart from 'asciichart';
import { Text } from 'ink';
import { ChartFrame } from './chart-frame.tsx';
import { plotLines, type Sample } from './chart-plot.ts';
import { formatLoad } from './format.ts';
import { useTerminalSize } from './use-terminal-size.ts';

export interface NodeLoad {
  node: string;
  samples: readonly Sample[];
}

export interface LoadChartProps {
  series: readonly NodeLoad[];
  width?: number;
  height?: number;
  spanMs?: number;
}

/** A load of 1.0 per CPU is a CPU always busy; the lesson's nodes have one vCPU. */
export const AT_CAPACITY = 1;

/** The same colour twice: as asciichart writes it in the plot and as Ink names it in the legend. */
const PALETTE = [
  { plot: asciichart.cyan, ink: 'cyan' },
  { plot: asciichart.magenta, ink: 'magenta' },
  { plot: asciichart.yellow, ink: 'yellow' },
  { plot: asciichart.green, ink: 'green' },
  { plot: asciichart.blue, ink: 'blue' },
  { plot: asciichart.red, ink: 'red' },
] as const;

const colorOf = (index: number) => PALETTE[index % PALETTE.length]!;

export function LoadChart({ series, width, height = 6, spanMs }: LoadChartProps) {
  const { columns } = useTerminalSize({ width });
  const lines = plotLines(
    series.map((s, index) => ({ samples: s.samples, color: colorOf(index).plot })),
    { width: columns, height, decimals: 2, reference: AT_CAPACITY, floor: 0, spanMs },
  );
  return (
    <ChartFrame
      title="load average (1 min) per node"
      lines={lines}
      plotHeight={height + 3}
      width={columns}
      legend={[
        ...series.map((s, index) => (
          <Text key={s.node}>
            <Text color={colorOf(index).ink}>──</Text> {s.node} {formatLoad(s.samples.at(-1)?.value)}
          </Text>
        )),
        <Text key="reference" dimColor>
          ╌╌ {AT_CAPACITY.toFixed(1)} = at capacity
        </Text>,
      ]}
    />
  );
}
