// The queue's backlog, live: how many fractal tasks wait in RabbitMQ's queue over time, the x-axis
// in seconds since the first sample. A backlog that only grows is a worker at capacity; after the
// scale-out the same batch drains, and the chart shows how fast.
//
// Props: samples: { at (ms), value (messages waiting) }[]; queue? (the name in the title, default
// "the queue"); width? (default: the terminal's); height? (plot rows, default 6); spanMs?.
import * as asciichart from 'asciichart';
import { Text } from 'ink';
import { ChartFrame } from './chart-frame.tsx';
import { plotLines, type Sample } from './chart-plot.ts';
import { formatNumber } from './format.ts';
import { useTerminalSize } from './use-terminal-size.ts';

export interface BacklogChartProps {
  samples: readonly Sample[];
  queue?: string;
  width?: number;
  height?: number;
  spanMs?: number;
}

export function BacklogChart({ samples, queue = 'the queue', width, height = 6, spanMs }: BacklogChartProps) {
  const { columns } = useTerminalSize({ width });
  const lines = plotLines([{ samples, color: asciichart.yellow }], {
    width: columns,
    height,
    decimals: 0,
    floor: 0,
    spanMs,
  });
  return (
    <ChartFrame
      title={`backlog: tasks waiting in ${queue}`}
      lines={lines}
      plotHeight={height + 3}
      width={columns}
      legend={
        <Text>
          <Text color="yellow">──</Text> waiting now {formatNumber(samples.at(-1)?.value)}
        </Text>
      }
    />
  );
}
