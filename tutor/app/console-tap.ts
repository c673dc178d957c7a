// The steps print the guide's lines with console.log (step 7's `faafo list` and `show` among them).
// Printed into the terminal while Ink owns the screen they tear its frame, so for that time
// console.log and console.info are replaced by a tap: its lines reach the app, which shows the
// running step's last few (the step-output event), and nothing is written to the terminal.
import { format, stripVTControlCharacters } from 'node:util';

export interface ConsoleTap {
  /** The one listener; lines printed before it listened are handed over first. */
  listen(listener: (line: string) => void): void;
  /** console.log and console.info as they were. */
  restore(): void;
}

/** Lines kept while nobody listens yet (the app's first render comes after the tap). */
const KEPT_BEFORE_LISTENING = 50;

export function tapConsole(): ConsoleTap {
  const { log, info } = console;
  let listener: ((line: string) => void) | undefined;
  const kept: string[] = [];
  const take = (...args: unknown[]) => {
    for (const raw of format(...args).split('\n')) {
      // Colour and cursor sequences would be drawn as text by Ink.
      const line = stripVTControlCharacters(raw).trimEnd();
      if (line === '') continue;
      if (listener) listener(line);
      else kept.push(line) > KEPT_BEFORE_LISTENING && kept.shift();
    }
  };
  console.log = take;
  console.info = take;
  return {
    listen(next) {
      listener = next;
      for (const line of kept.splice(0)) next(line);
    },
    restore() {
      console.log = log;
      console.info = info;
    },
  };
}
