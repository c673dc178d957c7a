// From a generator's result to a run record's figures, so every caller (tutor, notebook, bench)
// fills a record the same way: the flood's latency, errors and answers per minute, and how many of
// its 201s were found again; the batch's drain time and fractals finished per minute; and the
// summary of a meter's samples, field by field.
import type { Finished } from './batch.ts';
import type { FloodResult } from './flood.ts';
import type { NodeLoopResult } from './node-loop.ts';
import { type Figures, type SampleSummary, summarize } from './run-record.ts';

type FiguresInput = Omit<Figures, 'samples'>;

/** A flood's figures; `found` is how many of its created uuids the API listed afterwards. */
export function floodFigures(result: FloodResult, found?: number): FiguresInput {
  return {
    requests: result.requests,
    errors: result.errors,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    throughputPerMinute: result.throughputPerS * 60,
    created: result.created.length,
    ...(found === undefined ? {} : { found }),
  };
}

/** The guide's loop on the API nodes: latency per `faafo create`, errors, and how many were accepted. */
export function nodeLoopFigures(result: NodeLoopResult): FiguresInput {
  const seconds = result.durationMs / 1000;
  return {
    requests: result.requests,
    errors: result.errors,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    throughputPerMinute: seconds > 0 ? (result.requests / seconds) * 60 : 0,
    created: result.accepted,
  };
}

/** A drained batch's figures: its drain time and finished fractals per minute over it. */
export function batchFigures(finished: Finished): FiguresInput {
  const minutes = finished.drainMs / 60_000;
  const count = finished.done + finished.failed;
  return {
    drainMs: finished.drainMs,
    errors: finished.failed,
    throughputPerMinute: minutes > 0 ? count / minutes : 0,
  };
}

/** Each named numeric field of a meter's samples, summarized (min, max, mean, last, count). */
export function samplesSummary(
  samples: readonly object[],
  fields: readonly string[],
): Record<string, SampleSummary> {
  return Object.fromEntries(fields.map((field) => [field, summarize(samples, field)]));
}
