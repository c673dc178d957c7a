// What LoadChart and BacklogChart share around the plot: a title, the plot's lines kept as
// asciichart coloured them, or a fixed-height placeholder before the first sample so the screen
// does not jump when the chart appears, and the legend under it.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

export interface ChartFrameProps {
  title: string;
  /** The plot's lines, or undefined while there is no sample. */
  lines: readonly string[] | undefined;
  /** Lines the plot takes (for the placeholder). */
  plotHeight: number;
  legend: ReactNode;
  /** Columns the chart may take (the legend wraps inside them). */
  width: number;
}

export function ChartFrame({ title, lines, plotHeight, legend, width }: ChartFrameProps) {
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{title}</Text>
      {lines === undefined ? (
        <Box height={plotHeight} alignItems="center">
          <Text dimColor>waiting for the first sample …</Text>
        </Box>
      ) : (
        lines.map((line, index) => (
          // A plot's rows are positions, top to bottom.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Text key={index} wrap="truncate-end">
            {line}
          </Text>
        ))
      )}
      <Box flexWrap="wrap" columnGap={2}>
        {legend}
      </Box>
    </Box>
  );
}
