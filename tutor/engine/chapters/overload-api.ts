// Chapter 4: the API overloaded two ways. The guide's own: its loop of `faafo create` run on
// app-controller itself (the lab's node loop over ssh), which takes the node's load above 1 — its
// answers' p50/p99 and errors shown as they come, the node's load drawn live. And many creates at
// once from this machine (the lab's flood, the guide's 500; fewer with --quick): none may be lost.
import type { ChapterContext, CheckBook } from '../context.ts';
import { askPrediction, showObserved } from '../context.ts';
import { floodAllAnswered, floodOn, floodSaw, loopOn, peakLoad } from '../measure-runs.ts';

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
  const loop = await loopOn(ctx, 'one-worker', 'before');
  const api = loop.topology.apiNodes[0]!.name;
  const peak = peakLoad(loop, api);
  book.record(
    ctx,
    'api-load',
    peak !== undefined && peak > ctx.sizes.apiLoadAbove,
    `${loop.result.accepted} of ${ctx.sizes.loop.requests} created on ${api}, p50 ${fmtMs(loop.result.p50Ms)}, p99 ${fmtMs(loop.result.p99Ms)}; ` +
      (peak === undefined
        ? `no load readings for ${api}`
        : `its 1-minute load peaked at ${peak.toFixed(2)} (above ${ctx.sizes.apiLoadAbove} expected)`),
  );
  showObserved(ctx, 'flood-errors', predicted, requests > 0 ? run.result.flood.errors / requests : 0);
}
