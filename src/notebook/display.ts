// What the notebook helpers show through: the part of tslab's display API they use
// (`import * as tslab from 'tslab'` in a notebook; `tslab.display` is passed in), so the helpers
// never load tslab themselves and a test can hand them a recorder instead.

export interface Display {
  html(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  text(s: string): void;
}

/** Text made safe inside HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A plain HTML table: a header row and body rows of text (escaped here). */
export function htmlTable(
  caption: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const cells = (tag: string, row: readonly string[]) =>
    `<tr>${row.map((c) => `<${tag} style="text-align:left;padding:2px 10px">${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return [
    '<table>',
    `<caption style="text-align:left;font-weight:bold">${escapeHtml(caption)}</caption>`,
    `<thead>${cells('th', header)}</thead>`,
    `<tbody>${rows.map((r) => cells('td', r)).join('')}</tbody>`,
    '</table>',
  ].join('');
}
