// Reading what an Ink component drew in a test: the frame without colours, as lines, and a pause
// long enough for React to commit the state a keystroke changed (Ink reads stdin asynchronously).
import { stripVTControlCharacters } from 'node:util';

export const plain = (frame: string | undefined) => stripVTControlCharacters(frame ?? '');

export const frameLines = (frame: string | undefined) => plain(frame).split('\n');

/** The widest line in cells (the tutor's glyphs are all one cell wide). */
export const widest = (frame: string | undefined) =>
  Math.max(...frameLines(frame).map((line) => [...line].length));

export const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** Types keys one at a time, letting each be handled before the next. */
export async function type(stdin: { write(data: string): void }, ...keys: string[]) {
  for (const key of keys) {
    stdin.write(key);
    await settle();
  }
}

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  pageDown: '\u001b[6~',
  pageUp: '\u001b[5~',
  enter: '\r',
  escape: '\u001b',
  backspace: '\u007f',
};
