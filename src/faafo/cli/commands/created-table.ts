// The table `faafo create` prints of what it created (UUID | Dimensions | Iterations), in two
// forms: a small batch's table fitted to its rows at the end, as the original's PrettyTable was, and
// a large batch's printed row by row while it runs, so that a large batch is never held in memory.
import type { Fractal } from '../../model.ts';
import type { Output } from '../context.ts';
import { formatDimensions } from '../format.ts';
import type { Progress } from '../progress.ts';
import type { Range, TaskRanges } from '../random-task.ts';
import { columnWidths, renderTable, tableLayout } from '../tables.ts';

export const CREATED_FIELDS = ['UUID', 'Dimensions', 'Iterations'] as const;

/**
 * Up to this many fractals, the table of what was created is laid out to fit its rows, exactly as
 * the original's PrettyTable did (so those rows are kept until the end). A larger batch is printed
 * row by row as it is created, its columns sized beforehand from the ranges it is drawn from.
 */
export const FITTED_TABLE_ROWS = 1000;

/** Where the created fractals' rows go. */
export interface CreatedTable {
  add(fractal: Fractal): void;
  /** Closes the table (nothing is printed if no fractal was created). */
  end(): void;
}

const createdRow = (f: Fractal) => [f.uuid, formatDimensions(f), String(f.iterations)];

export function fittedTable(out: Output): CreatedTable {
  const rows: string[][] = [];
  return {
    add: (fractal) => rows.push(createdRow(fractal)),
    end() {
      if (rows.length > 0) out.write(`${renderTable({ fields: CREATED_FIELDS, rows })}\n`);
    },
  };
}

/** The value of a range with the longest text: one of its ends (or the fixed value). */
function widest(range: Range): number {
  if (range.fixed !== undefined) return range.fixed;
  return String(range.min).length >= String(range.max).length ? range.min : range.max;
}

/** Columns sized from the ranges; the live progress line steps aside for each row. */
export function streamedTable(out: Output, ranges: TaskRanges, progress: Progress): CreatedTable {
  const widestRow = [
    // Every uuid is as long as this one.
    '00000000-0000-0000-0000-000000000000',
    formatDimensions({ width: widest(ranges.width), height: widest(ranges.height) }),
    String(widest(ranges.iterations)),
  ];
  const layout = tableLayout(CREATED_FIELDS, columnWidths(CREATED_FIELDS, [widestRow]));
  let started = false;
  return {
    add(fractal) {
      progress.interrupt();
      if (!started) out.write(`${layout.head}\n`);
      started = true;
      out.write(`${layout.row(createdRow(fractal))}\n`);
    },
    end() {
      if (started) out.write(`${layout.foot}\n`);
    },
  };
}
