// How a notebook cell fails: with the one line the steps give (what happened, what to do) and no
// stack. tslab prints a failed cell's error with console.error, which shows an Error's stack; this
// error prints as its message alone, so the cell shows exactly that line.
import { inspect } from 'node:util';
import { lineOf } from '../lesson/run-step.ts';

export class CellFailure extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CellFailure';
    this.stack = reason;
  }

  /** What console.error (tslab's report of a failed cell) prints: the line, nothing more. */
  [inspect.custom](): string {
    return this.message;
  }
}

/** Runs `work`; any error comes out as a CellFailure with the steps' one-line reason. */
export async function oneLine<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CellFailure) throw error;
    throw new CellFailure(lineOf(error));
  }
}
