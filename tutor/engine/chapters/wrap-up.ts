// Chapter 8: what was built and measured — the before/after table again from the progress file's
// run records, so it is there even when chapter 6 ran in an earlier session.
import type { ChapterContext, CheckBook } from '../context.ts';
import { figureRows } from './measure.ts';

export async function wrapUp(ctx: ChapterContext, book: CheckBook): Promise<void> {
  const { records } = ctx.progress();
  const pairs = [
    ['batch', records['batch-before'], records['batch-after']],
    ['flood', records['flood-before'], records['flood-after']],
    ['loop', records['loop-before'], records['loop-after']],
  ] as const;
  const rows = pairs.flatMap(([kind, before, after]) =>
    before && after ? figureRows(kind, before, after) : [],
  );
  if (rows.length > 0) ctx.emit({ type: 'comparison', chapter: ctx.chapter.number, rows });
  const missing = pairs.flatMap(([kind, before, after]) => [
    ...(before ? [] : [`${kind} before`]),
    ...(after ? [] : [`${kind} after`]),
  ]);
  book.record(
    ctx,
    'figures',
    missing.length === 0,
    missing.length === 0
      ? 'the batch, the flood and the create loop, before and after'
      : `missing: ${missing.join(', ')}`,
  );
}
