// Chapter 6: the same batch (same seed and size), flood and create loop on the scaled-out app, then
// before and after side by side — throughput, time to drain, p99, errors, each node's peak load —
// with the ratio. The "before" runs are chapter 3's and 4's records from the progress file.
import type { RunRecord } from '../../../src/lab/run-record.ts';
import { compare } from '../../../src/lab/run-record.ts';
import type { ChapterContext, CheckBook } from '../context.ts';
import { askPrediction, showObserved } from '../context.ts';
import type { FigureRow } from '../events.ts';
import { batchOn, floodAllAnswered, floodOn, floodSaw, loopOn } from '../measure-runs.ts';

const HIGHER_IS_BETTER = new Set(['throughputPerMinute']);
/** What the table calls each figure: its meaning and unit, short enough for an 80-column terminal. */
const FIGURE_LABELS: Record<string, string> = {
  throughputPerMinute: 'fractals/min',
  drainMs: 'drain ms',
  p50Ms: 'p50 ms',
  p99Ms: 'p99 ms',
  errors: 'errors',
};

/** The table's rows: each figure both records have, and the peak load of the busiest node of each role. */
export function figureRows(kind: string, before: RunRecord, after: RunRecord): FigureRow[] {
  const rows: FigureRow[] = compare(before, after).map((c) => ({
    figure: `${kind} ${FIGURE_LABELS[c.figure] ?? c.figure}`,
    before: c.before,
    after: c.after,
    ratio: c.ratio,
    higherIsBetter: HIGHER_IS_BETTER.has(c.figure),
  }));
  const peakOf = (record: RunRecord, role: string) => {
    const names = record.topology.nodes.filter((n) => n.roles.includes(role)).map((n) => n.name);
    const peaks = names
      .map((n) => record.figures.samples[n]?.load1?.max)
      .filter((v): v is number => typeof v === 'number');
    return peaks.length > 0 ? Math.max(...peaks) : null;
  };
  for (const role of ['worker', 'api']) {
    const b = peakOf(before, role);
    const a = peakOf(after, role);
    if (b === null && a === null) continue;
    rows.push({
      figure: `${kind} peak load per ${role} node`,
      before: b,
      after: a,
      ratio: a !== null && b ? a / b : null,
      higherIsBetter: false,
    });
  }
  return rows;
}

export async function measureAgain(ctx: ChapterContext, book: CheckBook): Promise<void> {
  const { records } = ctx.progress();
  const predicted = await askPrediction(ctx, 'drain-speedup');
  const { tasks } = ctx.sizes.batch;
  const { requests } = ctx.sizes.flood;
  const batch = await batchOn(ctx, 'scaled-out', 'after');
  book.record(
    ctx,
    'after-batch',
    batch.result.done === tasks && batch.result.failed === 0,
    `${batch.result.done} of ${tasks} drawn in ${(batch.result.drainMs / 1000).toFixed(1)} s`,
  );
  const flood = await floodOn(ctx, 'scaled-out', 'after');
  book.record(ctx, 'after-flood', floodAllAnswered(flood.result, requests), floodSaw(flood.result, requests));
  const loop = await loopOn(ctx, 'scaled-out', 'after');
  book.record(
    ctx,
    'after-loop',
    loop.result.accepted === ctx.sizes.loop.requests,
    `${loop.result.accepted} of ${ctx.sizes.loop.requests} created, split over ${loop.topology.apiNodes.map((n) => n.name).join(' and ')}`,
  );

  const rows = [
    ...(records['batch-before'] ? figureRows('batch', records['batch-before'], batch.record) : []),
    ...(records['flood-before'] ? figureRows('flood', records['flood-before'], flood.record) : []),
    ...(records['loop-before'] ? figureRows('loop', records['loop-before'], loop.record) : []),
  ];
  ctx.emit({ type: 'comparison', chapter: ctx.chapter.number, rows });
  const before = records['batch-before']?.figures.drainMs;
  const after = batch.record.figures.drainMs;
  const speedup = before && after ? before / after : undefined;
  book.record(
    ctx,
    'faster',
    speedup !== undefined && speedup > 1.2,
    speedup === undefined
      ? 'no "before" batch to compare with (chapter 3 was skipped)'
      : `drained in ${((after ?? 0) / 1000).toFixed(1)} s against ${(before! / 1000).toFixed(1)} s: ${speedup.toFixed(2)}× faster`,
  );
  if (speedup !== undefined) showObserved(ctx, 'drain-speedup', predicted, speedup);
}
