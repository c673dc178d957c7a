// What a check saw, made fit to leave the student's machine: URL passwords masked (the same rule as
// every log line, src/shared/redact.ts), one line, and cut to what the board keeps. The tutor's and
// the notebooks' mappings both pass every free text through here.
import { redactText } from '../../shared/redact.ts';

/** The board keeps at most this many characters of a check's `saw` and `hint`. */
export const SHAREABLE_MAX = 300;

export function shareable(text: string, max = SHAREABLE_MAX): string {
  const line = redactText(text).replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** A label or title cut to `max` characters (they come from the lesson's own manifest). */
export const cut = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
