// The one presentational piece the app still draws itself: the before/after table of every
// measured figure (batch, flood and create loop, with each role's peak load), as the plain printer
// prints it. Pure props, no cloud. (tutor/components/before-after-table.tsx shows one pair of runs.)
import { Text } from 'ink';
import type { FigureRow } from '../engine/events.ts';
import { figureTable } from '../plain.ts';

export function FigureTable({ rows }: { rows: readonly FigureRow[] }) {
  return <Text>{figureTable(rows).join('\n')}</Text>;
}
