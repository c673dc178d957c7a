// Minimal presentational pieces for the app until the components of tutor/components/ are merged
// (they are built beside this, with richer props): a check line, a load chart (asciichart), the
// before/after table, the step's code (cli-highlight) and the key bar. Pure props, no cloud.
import * as asciichart from 'asciichart';
import { highlight } from 'cli-highlight';
import { Box, Text } from 'ink';
import type { CheckResult, FigureRow } from '../engine/events.ts';
import { KEYS } from '../hooks/use-keys.ts';
import { figureTable } from '../plain.ts';

export function CheckLine({ check, showHint }: { check: CheckResult; showHint: boolean }) {
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={check.ok ? 'green' : 'red'}>{check.ok ? '✓' : '✗'}</Text> {check.label}
        <Text dimColor> — {check.saw}</Text>
      </Text>
      {!check.ok && showHint ? <Text color="yellow"> hint: {check.hint}</Text> : null}
    </Box>
  );
}

export function LoadChart({
  title,
  series,
  height,
}: {
  title: string;
  series: readonly number[];
  height: number;
}) {
  if (series.length < 2) return <Text dimColor>{title}: waiting for readings…</Text>;
  return (
    <Box flexDirection="column">
      <Text>
        {title} (now {series.at(-1)!.toFixed(2)})
      </Text>
      <Text>{asciichart.plot([...series], { height, format: (x: number) => x.toFixed(1).padStart(5) })}</Text>
    </Box>
  );
}

export function FigureTable({ rows }: { rows: readonly FigureRow[] }) {
  return <Text>{figureTable(rows).join('\n')}</Text>;
}

export function CodeView({ source, from, lines }: { source: string; from: number; lines: number }) {
  const shown = highlight(source, { language: 'typescript', ignoreIllegals: true })
    .split('\n')
    .slice(from, from + lines);
  return <Text>{shown.join('\n')}</Text>;
}

export function KeyBar({ help }: { help: boolean }) {
  return (
    <Box flexDirection="column">
      {help ? (
        <Text dimColor>
          n/Enter next · 1–4 answer a question · r retry a failed chapter · c show the step's code (↑↓ scroll)
          · h hint · s skip · q quit (progress is saved)
        </Text>
      ) : null}
      <Text inverse>{KEYS.map((k) => ` ${k.key} ${k.does} `).join('│')}</Text>
    </Box>
  );
}
