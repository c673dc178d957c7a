// Chapter 4: many creates at once against app-controller (the guide's 500; fewer with --quick),
// through the lab's flood: p50/p99, errors, every accepted fractal looked up again; the API node's
// load drawn live from its diagnostics.
import type { ChapterContext, CheckBook } from '../context.ts';
import { askPrediction, showObserved } from '../context.ts';
import { floodAllAnswered, floodOn, floodSaw, peakLoad } from '../measure-runs.ts';

export const fmtMs = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '—' : `${Math.round(ms)} ms`;

export async function overloadApi(ctx: ChapterContext, book: CheckBook): Promise<void> {
  const predicted = await askPrediction(ctx, 'flood-errors');
  const run = await floodOn(ctx, 'one-worker', 'before');
  const { requests } = ctx.sizes.flood;
  book.record(
    ctx,
    'flood-answered',
    floodAllAnswered(run.result, requests),
    `${floodSaw(run.result, requests)}; p50 ${fmtMs(run.record.figures.p50Ms)}, p99 ${fmtMs(run.record.figures.p99Ms)}`,
  );
  const api = run.topology.apiNodes[0]!.name;
  const peak = peakLoad(run, api);
  book.record(
    ctx,
    'api-load',
    peak !== undefined,
    peak === undefined
      ? `no load readings for ${api}`
      : `${api}'s 1-minute load peaked at ${peak.toFixed(2)}`,
  );
  showObserved(ctx, 'flood-errors', predicted, requests > 0 ? run.result.flood.errors / requests : 0);
}
