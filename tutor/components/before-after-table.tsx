// The lesson's point as a table: the same two loads measured before the scale-out (one worker, one
// API node) and after it, side by side, with after ÷ before, so "three workers drain the backlog
// about three times as fast" is a figure on screen, not a claim. A node that exists on one side
// only (app-worker-2 after) shows – on the other.
//
// Props: before, after: { throughputPerMinute?, drainMs?, p50Ms?, p99Ms?, errors?, loadPerNode? }
// (the lab's figures: src/lab/figures.ts, plus each node's peak load); beforeLabel?, afterLabel?.
import { Box, Text } from 'ink';
import { formatDuration, formatLoad, formatNumber, formatRatio } from './format.ts';

export interface MeasuredFigures {
  /** Fractals finished per minute. */
  throughputPerMinute?: number;
  /** From the first task posted until the last finished. */
  drainMs?: number;
  p50Ms?: number | null;
  p99Ms?: number | null;
  errors?: number;
  /** Each node's load average (its peak over the run). */
  loadPerNode?: Readonly<Record<string, number>>;
}

export interface BeforeAfterTableProps {
  before: MeasuredFigures;
  after: MeasuredFigures;
  beforeLabel?: string;
  afterLabel?: string;
}

interface Row {
  label: string;
  before: number | null | undefined;
  after: number | null | undefined;
  format: (n: number | null | undefined) => string;
}

/** Label, before, after, ratio: 74 columns, inside 80; each cell keeps two blank columns before the next. */
const COLUMNS = [
  { name: 'label', width: 22 },
  { name: 'before', width: 19 },
  { name: 'after', width: 19 },
  { name: 'ratio', width: 14 },
] as const;

/** The table's rows, figures first, then one per node in the order the nodes first appear. */
export function comparisonRows(before: MeasuredFigures, after: MeasuredFigures): Row[] {
  const nodes = [
    ...new Set([...Object.keys(before.loadPerNode ?? {}), ...Object.keys(after.loadPerNode ?? {})]),
  ];
  return [
    {
      label: 'fractals / min',
      before: before.throughputPerMinute,
      after: after.throughputPerMinute,
      format: formatNumber,
    },
    { label: 'time to drain', before: before.drainMs, after: after.drainMs, format: formatDuration },
    { label: 'latency p50', before: before.p50Ms, after: after.p50Ms, format: formatDuration },
    { label: 'latency p99', before: before.p99Ms, after: after.p99Ms, format: formatDuration },
    { label: 'errors', before: before.errors, after: after.errors, format: formatNumber },
    ...nodes.map((node) => ({
      label: `load ${node}`,
      before: before.loadPerNode?.[node],
      after: after.loadPerNode?.[node],
      format: formatLoad,
    })),
  ];
}

function Cells({ cells, bold = false }: { cells: readonly string[]; bold?: boolean }) {
  return (
    <Box>
      {COLUMNS.map((column, index) => (
        <Box
          key={column.name}
          width={column.width}
          flexShrink={0}
          paddingRight={column.name === 'ratio' ? 0 : 2}
        >
          <Text bold={bold} wrap="truncate-end">
            {cells[index]}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

export function BeforeAfterTable({
  before,
  after,
  beforeLabel = 'before',
  afterLabel = 'after',
}: BeforeAfterTableProps) {
  return (
    <Box flexDirection="column">
      <Cells cells={['', beforeLabel, afterLabel, 'after ÷ before']} bold />
      {comparisonRows(before, after).map((row) => (
        <Cells
          key={row.label}
          cells={[
            row.label,
            row.format(row.before),
            row.format(row.after),
            formatRatio(row.before, row.after),
          ]}
        />
      ))}
    </Box>
  );
}
