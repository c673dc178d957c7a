// The prompt without a terminal (`faafo-tutor repl < lesson.ts`, a test's pipe): Node's REPL would
// start every line at once and close at the end of the input while they still run. This hands it the
// lines one at a time instead: the next line only when the prompt is shown again, i.e. when the one
// before has finished (or asked for more, mid-statement), and the end only after the last. Each line is
// echoed after the prompt, so the output reads as a transcript.

import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';

export interface LineFeeder {
  /** What the REPL reads from. */
  input: PassThrough;
  /** The prompt is shown: give the REPL the next line (or the end, after the last). */
  next(): void;
}

export function lineFeeder(source: Readable, echo: (line: string) => void): LineFeeder {
  const input = new PassThrough();
  const queue: string[] = [];
  let ended = false;
  let waiting = false;
  const give = () => {
    const line = queue.shift();
    if (line !== undefined) {
      waiting = false;
      echo(line);
      input.write(`${line}\n`);
    } else if (ended) {
      input.end();
    } else {
      waiting = true;
    }
  };
  const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    queue.push(line);
    if (waiting) give();
  });
  lines.on('close', () => {
    ended = true;
    if (waiting) give();
  });
  return { input, next: give };
}
