// Fractals finished per minute, as a meter: it lists every fractal through the faafo API (the CLI's
// client, the same GET /v1/fractal pages `faafo list` reads) and counts them by state. The rate is
// the change in finished fractals (done or failed: both left the queue) between two readings, scaled
// to a minute; the first sample has no rate yet. An API that does not answer becomes a sample with
// `unavailable: reason` — during the guide's overloads that is itself a finding.
import { FaafoClient } from '../faafo/cli/client.ts';
import { type MeterOptions, poll, reasonOf, type Sample } from './poll.ts';

export type FractalsReading =
  | {
      total: number;
      pending: number;
      done: number;
      failed: number;
      /** (done + failed) gained since the previous reading, per minute; null on the first. */
      finishedPerMinute: number | null;
      unavailable?: undefined;
    }
  | { unavailable: string };
export type FractalsSample = Sample<FractalsReading>;

export interface FractalsMeterOptions extends MeterOptions {
  /** The faafo API, e.g. http://127.0.0.1:8080 */
  endpoint: string;
  /** Per request; default 10 s. */
  requestTimeoutMs?: number;
}

export function fractalsMeter(
  options: FractalsMeterOptions,
): AsyncGenerator<FractalsSample, void, undefined> {
  const client = new FaafoClient(options.endpoint, { timeoutMs: options.requestTimeoutMs ?? 10_000 });
  // The last reading that had counts, so a gap of unavailable readings does not break the rate.
  let last: { at: number; finished: number } | undefined;
  return poll<FractalsReading>(async () => {
    const at = Date.now();
    try {
      const fractals = await client.listAll();
      const count = (state: string) => fractals.filter((f) => f.state === state).length;
      const done = count('done');
      const failed = count('failed');
      const finished = done + failed;
      const minutes = last ? (at - last.at) / 60_000 : 0;
      const finishedPerMinute = last && minutes > 0 ? (finished - last.finished) / minutes : null;
      last = { at, finished };
      return { total: fractals.length, pending: count('pending'), done, failed, finishedPerMinute };
    } catch (error) {
      return { unavailable: reasonOf(error) };
    }
  }, options);
}
