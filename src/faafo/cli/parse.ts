// Option-value parsers for commander. A value that does not parse becomes commander's one-line
// "option '--width <n>' argument 'abc' is invalid. …" with our sentence saying what to type.
// Only the form is checked here; how large a value may be is limits.ts's (and how small, the API's
// and the renderer's, so the CLI never disagrees with them).
import { InvalidArgumentError } from 'commander';
import type { Complex } from '../render/params.ts';

export type { Complex };

const INTEGER = /^[+-]?\d+$/;
// Decimal notation only, as Python's float() minus inf/nan (a fractal window must be finite).
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseInteger(value: string): number {
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (!INTEGER.test(trimmed) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('It must be a whole number, like 512.');
  }
  return n;
}

export function parsePositiveInteger(value: string): number {
  const n = parseInteger(value);
  if (n < 1) throw new InvalidArgumentError('It must be a whole number of at least 1.');
  return n;
}

export function parseFloatValue(value: string): number {
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (!FLOAT.test(trimmed) || !Number.isFinite(n)) {
    throw new InvalidArgumentError('It must be a number, like -2.5.');
  }
  return n;
}

/** A TCP port for --bind-port. */
export function parsePort(value: string): number {
  const n = parseInteger(value);
  if (n < 0 || n > 65535) throw new InvalidArgumentError('It must be a port number from 0 to 65535.');
  return n;
}

/** `--c RE,IM`: the Julia constant, e.g. `--c -0.8,0.156`. */
export function parseComplex(value: string): Complex {
  const parts = value.split(',');
  const fail = () =>
    new InvalidArgumentError('It must be two numbers separated by a comma, like -0.8,0.156.');
  if (parts.length !== 2) throw fail();
  const [re, im] = parts.map((part) => {
    try {
      return parseFloatValue(part);
    } catch {
      throw fail();
    }
  });
  return { re: re!, im: im! };
}
