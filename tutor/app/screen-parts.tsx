// Presentational pieces the app still draws itself, until it uses the richer ones of
// tutor/components/: the before/after table of every measured figure, the step's code
// (cli-highlight) and the key bar. Pure props, no cloud.
import { highlight } from 'cli-highlight';
import { Box, Text } from 'ink';
import type { FigureRow } from '../engine/events.ts';
import { KEYS } from '../hooks/use-keys.ts';
import { figureTable } from '../plain.ts';

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
