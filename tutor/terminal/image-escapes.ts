// The escape sequences that put a PNG on screen, written from each protocol's documentation.
//
// kitty graphics protocol (sw.kovidgoyal.net/kitty/graphics-protocol): APC `ESC _ G <keys> ; <base64>
// ESC \`. a=T transmits and displays at the cursor, f=100 says the data is PNG, t=d that it is in the
// sequence itself, c/r scale it to that many cells, and q=2 silences the terminal's replies (they
// would arrive on stdin, where Ink would read them as keystrokes). The payload goes in chunks of at
// most 4096 base64 characters, m=1 on every chunk but the last; chunks after the first carry only
// m (and q).
//
// iTerm2 inline images (iterm2.com/documentation-images.html): OSC `ESC ] 1337 ; File=<args> :
// <base64> BEL` with inline=1 to display rather than download, size in bytes, and width/height in
// cells; preserveAspectRatio=1 keeps the fractal square inside them.
import type { ImageProtocol } from './image-protocol.ts';

export interface ImageCells {
  /** Cells across. */
  columns: number;
  /** Cells down. */
  rows: number;
}

const ESC = '\u001b';
const KITTY_CHUNK = 4096;

export function kittyImage(png: Buffer, cells: ImageCells): string {
  const data = png.toString('base64');
  const chunks: string[] = [];
  for (let at = 0; at < data.length; at += KITTY_CHUNK) chunks.push(data.slice(at, at + KITTY_CHUNK));
  return chunks
    .map((chunk, index) => {
      const more = index < chunks.length - 1 ? 1 : 0;
      const keys =
        index === 0 ? `a=T,f=100,t=d,q=2,c=${cells.columns},r=${cells.rows},m=${more}` : `m=${more},q=2`;
      return `${ESC}_G${keys};${chunk}${ESC}\\`;
    })
    .join('');
}

export function iterm2Image(png: Buffer, cells: ImageCells): string {
  const args = `inline=1;size=${png.length};width=${cells.columns};height=${cells.rows};preserveAspectRatio=1`;
  return `${ESC}]1337;File=${args}:${png.toString('base64')}\u0007`;
}

/** The image in the given protocol, ending on a new line so what follows starts under it. */
export function imageSequence(protocol: ImageProtocol, png: Buffer, cells: ImageCells): string {
  return `${protocol === 'kitty' ? kittyImage(png, cells) : iterm2Image(png, cells)}\n`;
}
