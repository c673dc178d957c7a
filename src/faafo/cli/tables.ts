// Plain-text tables laid out exactly like PrettyTable 0.7 (what the original faafo printed):
// `+---+` frame, one space of padding, a rule under the header, and cells justified per column
// (centred by default, with str.center()'s way of placing the odd extra space).

export type Align = 'l' | 'c' | 'r';

export interface TableSpec {
  fields: readonly string[];
  rows: readonly (readonly string[])[];
  /** One entry per field; missing entries are centred, PrettyTable's default. */
  align?: readonly Align[];
}

/** Justifies like PrettyTable's `_justify` (which copies Python's str.center for 'c'). */
export function justify(text: string, width: number, align: Align): string {
  const excess = width - text.length;
  if (excess <= 0) return text;
  if (align === 'l') return text + ' '.repeat(excess);
  if (align === 'r') return ' '.repeat(excess) + text;
  const half = Math.floor(excess / 2);
  if (excess % 2 === 0) return ' '.repeat(half) + text + ' '.repeat(half);
  // Odd excess: the extra space goes right for odd-length text, left for even-length text.
  return text.length % 2 === 1
    ? ' '.repeat(half) + text + ' '.repeat(half + 1)
    : ' '.repeat(half + 1) + text + ' '.repeat(half);
}

/** Each column's width: its header or its longest cell, whichever is longer. */
export function columnWidths(fields: readonly string[], rows: Iterable<readonly string[]>): number[] {
  // A loop, not Math.max(...rows): a spread of thousands of rows can overflow the call stack.
  const widths = fields.map((field) => field.length);
  for (const row of rows) {
    widths.forEach((w, i) => {
      widths[i] = Math.max(w, (row[i] ?? '').length);
    });
  }
  return widths;
}

/** A table's frame for known column widths, so that rows can also be printed one at a time. */
export interface TableLayout {
  /** The top rule, the header line and the rule under it. */
  head: string;
  row(cells: readonly string[]): string;
  /** The bottom rule. */
  foot: string;
}

export function tableLayout(
  fields: readonly string[],
  widths: readonly number[],
  align: readonly Align[] = [],
): TableLayout {
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const row = (cells: readonly string[]) =>
    `|${widths.map((w, i) => ` ${justify(cells[i] ?? '', w, align[i] ?? 'c')} `).join('|')}|`;
  return { head: [rule, row(fields), rule].join('\n'), row, foot: rule };
}

/**
 * Renders the table without a trailing newline. Like PrettyTable, an empty table still prints its
 * header, followed by the bottom rule (so the rule appears twice).
 */
export function renderTable({ fields, rows, align = [] }: TableSpec): string {
  const layout = tableLayout(fields, columnWidths(fields, rows), align);
  return [layout.head, ...rows.map(layout.row), layout.foot].join('\n');
}
