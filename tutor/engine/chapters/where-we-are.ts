// Chapter 2: the previous section's app (the prelude: app-controller and app-worker-1), built or
// kept, verified by the step runner, then one fractal asked for through app-controller and drawn by
// app-worker-1 — shown in the terminal (its PNG) and as the gallery's link.

import { FaafoClient } from '../../../src/faafo/cli/client.ts';
import { describeTopology } from '../../../src/lab/topology.ts';
import type { ChapterContext, CheckBook } from '../context.ts';
import { runLessonStep, stepSaw } from '../context.ts';
import { awaitDrawn, smallFractal } from '../fractals.ts';

export async function whereWeAre(ctx: ChapterContext, book: CheckBook): Promise<void> {
  const prelude = await runLessonStep(ctx, 'prelude');
  book.record(ctx, 'prelude', prelude.end.type === 'done', stepSaw('prelude', prelude));
  if (prelude.end.type !== 'done') return;

  const topology = await describeTopology(ctx.conn, 'one-worker');
  const endpoint = topology.apiEndpoints[0]!;
  const client = new FaafoClient(endpoint);
  const asked = await client.create(smallFractal(256));
  const [drawn] = await awaitDrawn(client, [asked.uuid], 120_000);
  const ok = drawn?.state === 'done';
  const png = ok ? await client.image(asked.uuid).catch(() => undefined) : undefined;
  ctx.emit({
    type: 'fractal',
    chapter: ctx.chapter.number,
    uuid: asked.uuid,
    url: `${endpoint}/fractal/${asked.uuid}`,
    ...(png ? { png } : {}),
    ...(drawn?.generated_by ? { generatedBy: drawn.generated_by } : {}),
  });
  book.record(
    ctx,
    'first-fractal',
    ok && drawn?.generated_by === 'app-worker-1',
    drawn
      ? `fractal ${asked.uuid.slice(0, 8)} is ${drawn.state}${drawn.generated_by ? `, drawn by ${drawn.generated_by}` : ''}`
      : 'the fractal is gone',
  );
}
