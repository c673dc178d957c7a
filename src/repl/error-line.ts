// What the prompt prints when an input fails: one line, never a stack. The lesson's own errors
// (UserError: an unknown server, a refused quota, a cloud that does not answer) are sentences already
// and print as they are; a mistake in what was typed (TypeError, ReferenceError, a syntax error) prints
// with its kind, plus, when one is near, the name that was probably meant; anything thrown that is not
// an Error (a rejected promise with a string, say) prints as that value.
import { inspect } from 'node:util';
import { UserError } from '../shared/user-error.ts';
import { propertyNames } from './property-names.ts';

const MAX_LENGTH = 400;

const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_LENGTH ? `${flat.slice(0, MAX_LENGTH - 1)}…` : flat;
};

/** Errors from the prompt's own context are of another realm: tell them by shape, not instanceof. */
const errorLike = (value: unknown): value is { name: string; message: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { message?: unknown }).message === 'string' &&
  typeof (value as { name?: unknown }).name === 'string';

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

function nearest(name: string, candidates: readonly string[]): string | undefined {
  const scored = candidates
    .map((c) => ({ c, d: distance(name.toLowerCase(), c.toLowerCase()) }))
    .filter(({ d }) => d <= Math.max(1, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d);
  return scored[0]?.c;
}

/** A hint for `conn.listNode is not a function` or `con is not defined`, from what the prompt holds. */
function didYouMean(message: string, context: Record<string, unknown>): string {
  const member = /^(\w+)\.(\w+) is not a function/.exec(message);
  if (member) {
    const guess = nearest(member[2]!, propertyNames(context[member[1]!]));
    return guess ? ` (did you mean ${member[1]}.${guess}?)` : '';
  }
  const unknown = /^(\w+) is not defined/.exec(message);
  if (unknown) {
    const guess = nearest(unknown[1]!, Object.keys(context));
    return guess ? ` (did you mean ${guess}?)` : ' (.help lists what the prompt holds)';
  }
  return '';
}

export function errorLine(error: unknown, context: Record<string, unknown> = {}): string {
  if (error instanceof UserError) return `error: ${oneLine(error.message)}`;
  if (errorLike(error)) {
    const message = oneLine(error.message);
    return `${error.name || 'Error'}: ${message}${didYouMean(message, context)}`;
  }
  return `error: the input was rejected with ${oneLine(inspect(error, { depth: 2, breakLength: Number.POSITIVE_INFINITY }))}`;
}
