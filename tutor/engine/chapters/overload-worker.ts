// Chapter 3: the guide's batch (`faafo create --height 9999 --width 9999 --tasks 5`, scaled with
// --quick and seeded, so chapter 6 posts the very same fractals) sent to the one worker, measured by
// the lab (drain time, per-node meters), with the worker's load and the backlog drawn live, and what
// `uptime` on the worker says at the end.
import type { ChapterContext, CheckBook } from '../context.ts';
import { askPrediction, showObserved } from '../context.ts';
import { batchOn, peakLoad } from '../measure-runs.ts';
import { onNode, uptimeLoad } from '../on-node.ts';

export async function overloadWorker(ctx: ChapterContext, book: CheckBook): Promise<void> {
  const predicted = await askPrediction(ctx, 'worker-load');
  const run = await batchOn(ctx, 'one-worker', 'before');
  const worker = run.topology.workerNodes[0]!;
  const { tasks } = ctx.sizes.batch;

  const uptime = await onNode(worker, ['uptime'], ctx.run.env ?? process.env).catch(() => undefined);
  const line = uptime?.stdout.trim();
  ctx.emit({
    type: 'note',
    chapter: ctx.chapter.number,
    text: line ? `uptime on ${worker.name}: ${line}` : `uptime on ${worker.name} could not be read over ssh`,
  });

  book.record(
    ctx,
    'batch-drained',
    run.result.done === tasks && run.result.failed === 0,
    `${run.result.done} of ${tasks} drawn, ${run.result.failed} failed, in ${(run.result.drainMs / 1000).toFixed(1)} s`,
  );
  const peak = Math.max(peakLoad(run, worker.name) ?? 0, (line && uptimeLoad(line)) || 0);
  book.record(
    ctx,
    'worker-load',
    peak >= ctx.sizes.workerLoadAtLeast,
    `its 1-minute load peaked at ${peak.toFixed(2)} (at least ${ctx.sizes.workerLoadAtLeast} expected)`,
  );
  const backlog = Math.max(
    run.record.figures.samples.fractals?.pending?.max ?? 0,
    run.live.peakBacklog() ?? 0,
  );
  book.record(ctx, 'backlog', backlog >= 2, `up to ${backlog} fractals waited in the queue`);
  showObserved(ctx, 'worker-load', predicted, peak);
}
