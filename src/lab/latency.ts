// Request latency p50/p99 and error counts over a sliding window: the load generator records each
// request's outcome here as it completes, and `latencyMeter` yields the window's figures every
// interval. The window holds at most `capacity` outcomes (oldest dropped first), so a long run keeps
// a fixed amount of memory; `percentile` is shared with the load generator's final summary.
import { type MeterOptions, poll, type Sample } from './poll.ts';

/** How one request ended: its time and HTTP status, or no status when no answer came. */
export interface RequestOutcome {
  /** When it completed (ms since the epoch). */
  at: number;
  latencyMs: number;
  status?: number;
}

/** An answer that is not 2xx, or no answer at all (timeout, refused, reset). */
export const isError = (outcome: { status?: number }) =>
  outcome.status === undefined || outcome.status < 200 || outcome.status > 299;

/**
 * The nearest-rank percentile (p in 0…100) of `values`, which need not be sorted; NaN when empty.
 * Nearest rank means the value is one that was measured, never an interpolation between two.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export interface LatencyFigures {
  requests: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** p50/p99 over every outcome (errors included: a timeout is a slow answer too) and the error count. */
export function latencyFigures(outcomes: readonly RequestOutcome[]): LatencyFigures {
  const latencies = outcomes.map((o) => o.latencyMs);
  const p = (q: number) => (latencies.length === 0 ? null : percentile(latencies, q));
  return { requests: outcomes.length, errors: outcomes.filter(isError).length, p50Ms: p(50), p99Ms: p(99) };
}

export class LatencyWindow {
  readonly windowMs: number;
  readonly capacity: number;
  #outcomes: RequestOutcome[] = [];

  constructor(options: { windowMs?: number; capacity?: number } = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.capacity = options.capacity ?? 100_000;
    if (!(this.windowMs > 0) || !Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new RangeError('A latency window needs a positive length and a capacity of at least 1 outcome.');
    }
  }

  record(outcome: RequestOutcome): void {
    this.#outcomes.push(outcome);
    if (this.#outcomes.length > this.capacity)
      this.#outcomes.splice(0, this.#outcomes.length - this.capacity);
  }

  /** The figures of the outcomes that completed within the window before `now`. */
  figures(now = Date.now()): LatencyFigures {
    const since = now - this.windowMs;
    this.#outcomes = this.#outcomes.filter((o) => o.at > since);
    return latencyFigures(this.#outcomes);
  }
}

export type LatencySample = Sample<LatencyFigures>;

/** Samples `{ at, requests, errors, p50Ms, p99Ms }` of the window, every interval. */
export function latencyMeter(
  window: LatencyWindow,
  options: MeterOptions = {},
): AsyncGenerator<LatencySample, void, undefined> {
  return poll(async () => window.figures(), options);
}
