// A plain text table: a header, a rule under it, one line per row, columns padded to their widest
// cell. When the table is wider than the terminal, the widest column is cut (with …) until it fits,
// so a list of servers stays readable in an 80-column window instead of wrapping.

const MIN_COLUMN = 6;

const length = (text: string) => [...text].length;

function cut(text: string, width: number): string {
  return length(text) <= width ? text : `${[...text].slice(0, Math.max(0, width - 1)).join('')}…`;
}

export function renderTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  width = 80,
): string {
  const widths = headers.map((h, c) => Math.max(length(h), ...rows.map((r) => length(r[c] ?? ''))));
  const gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= MIN_COLUMN) break;
    widths[widest]! -= 1;
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => cut(cell, widths[c]!).padEnd(widths[c]!))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}
