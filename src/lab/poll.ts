// What every meter of the lab is: an async iterable of timestamped samples, read every `intervalMs`,
// that ends when its AbortSignal fires or after `maxSamples` (so a forgotten meter cannot run or
// grow forever). A consumer writes `for await (const s of meter) …`: the tutor draws it, a notebook
// tabulates it, a test asserts on it, the bench summarises it; none of them needs a timer of its own.
import { setTimeout as sleep } from 'node:timers/promises';

/** One reading: when it was taken (ms since the epoch) and what was read. */
export type Sample<T extends object> = { at: number } & T;

export interface MeterOptions {
  /** Between the start of one reading and the start of the next. Default 1 s, at least 50 ms. */
  intervalMs?: number;
  /** The most samples yielded. Default 10 000, at most 1 000 000. */
  maxSamples?: number;
  /** Ends the meter; a reading in progress finishes first. */
  signal?: AbortSignal;
}

export const DEFAULT_INTERVAL_MS = 1000;
export const MIN_INTERVAL_MS = 50;
export const DEFAULT_MAX_SAMPLES = 10_000;
export const MAX_SAMPLES_CEILING = 1_000_000;

/** The options checked, with defaults; a meter's options fail at creation, not at the first sample. */
export function meterSettings(options: MeterOptions): Required<Omit<MeterOptions, 'signal'>> {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  if (!Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
    throw new RangeError(
      `A meter's interval must be at least ${MIN_INTERVAL_MS} ms; ${intervalMs} was given.`,
    );
  }
  if (!Number.isInteger(maxSamples) || maxSamples < 1 || maxSamples > MAX_SAMPLES_CEILING) {
    throw new RangeError(
      `A meter's sample count must be a whole number from 1 to ${MAX_SAMPLES_CEILING}; ${maxSamples} was given.`,
    );
  }
  return { intervalMs, maxSamples };
}

/**
 * Calls `read` every interval and yields its result stamped with the time the reading started.
 * `read` receives the previous sample (for rates); it should turn expected failures into fields of
 * the sample (`unavailable: reason`) — an exception it throws ends the meter with that error.
 */
export async function* poll<T extends object>(
  read: (previous: Sample<T> | undefined) => Promise<T>,
  options: MeterOptions = {},
): AsyncGenerator<Sample<T>, void, undefined> {
  const { intervalMs, maxSamples } = meterSettings(options);
  const { signal } = options;
  let previous: Sample<T> | undefined;
  for (let n = 0; n < maxSamples && !signal?.aborted; n++) {
    const at = Date.now();
    const current: Sample<T> = { ...(await read(previous)), at };
    previous = current;
    yield current;
    if (n + 1 >= maxSamples) return;
    const wait = Math.max(0, at + intervalMs - Date.now());
    try {
      await sleep(wait, undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
  }
}

/** One line for an error a meter reports in a sample rather than throws. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim() || 'unknown error';
}
