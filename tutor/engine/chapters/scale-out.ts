// Chapter 5: steps 1 to 6, each run by the step runner with its events shown live (a step already
// run in this chapter — the tutor was quit and started again — is not run twice), then the
// scaled-out app verified: the groups and every rule (step 2's checks), app-services' database and
// messaging answering (a fractal stored and queued through the app), both API servers ACTIVE and
// answering HTTP on their floating IPs, the three workers ACTIVE and consuming tasks.
import { FaafoClient } from '../../../src/faafo/cli/client.ts';
import { describeTopology } from '../../../src/lab/topology.ts';
import type { ChapterContext, CheckBook } from '../context.ts';
import { runLessonStep, stepSaw } from '../context.ts';
import { awaitDrawn, smallFractal } from '../fractals.ts';

const STEPS = ['1', '2', '3', '4', '5', '6'] as const;
/** "app-worker-1 3, app-worker-2 4": how many of each. */
export function countEach(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

export async function scaleOut(ctx: ChapterContext, book: CheckBook): Promise<void> {
  for (const step of STEPS) {
    if (ctx.progress().stepsDone.includes(step)) {
      ctx.emit({
        type: 'note',
        chapter: ctx.chapter.number,
        text: `step ${step} already ran in this chapter; not running it again`,
      });
      continue;
    }
    const result = await runLessonStep(ctx, step);
    if (result.end.type !== 'done') {
      book.record(ctx, 'steps', false, stepSaw(`step ${step}`, result));
      return;
    }
    ctx.update((p) => ({ ...p, stepsDone: [...p.stepsDone, step] }));
  }
  book.record(ctx, 'steps', true, 'steps 1 to 6 ran and each one’s checks passed');

  const checked = async (step: string) => {
    const result = await runLessonStep(ctx, step, true);
    return { ok: result.end.type === 'done', saw: stepSaw(`step ${step}`, result) };
  };
  const groups = await checked('2');
  book.record(
    ctx,
    'groups',
    groups.ok,
    groups.ok ? 'api, worker, control and services with exactly the guide’s rules' : groups.saw,
  );

  const api = await checked('5');
  const workers = await checked('6');
  if (!api.ok || !workers.ok) {
    book.record(ctx, 'services', false, 'not checked: the API servers or workers are not all up');
    book.record(ctx, 'api-nodes', api.ok, api.saw);
    book.record(ctx, 'workers', workers.ok, workers.saw);
    return;
  }
  const topology = await describeTopology(ctx.conn, 'scaled-out');
  const answers = await Promise.all(
    topology.apiEndpoints.map(async (endpoint, i) => {
      try {
        await new FaafoClient(endpoint, { timeoutMs: 10_000 }).listPage(1, 1);
        return `${topology.apiNodes[i]!.name} answers`;
      } catch (error) {
        return `${topology.apiNodes[i]!.name}: ${(error as Error).message}`;
      }
    }),
  );
  const allAnswer = answers.every((a) => a.endsWith(' answers'));
  // Stored (database) and queued (messaging) through app-api-2, drawn by the workers.
  const client = new FaafoClient(topology.apiEndpoints.at(-1)!);
  let stored: string[] = [];
  let storeError: string | undefined;
  try {
    stored = await Promise.all(
      Array.from({ length: 9 }, async () => (await client.create(smallFractal(400, 512))).uuid),
    );
  } catch (error) {
    storeError = (error as Error).message;
  }
  book.record(
    ctx,
    'services',
    storeError === undefined,
    storeError ?? `${stored.length} fractals stored and queued on app-services through app-api-2`,
  );
  book.record(
    ctx,
    'api-nodes',
    allAnswer,
    `${answers.join('; ')} (floating IPs ${topology.floatingIps.join(', ')})`,
  );
  const drawn = stored.length > 0 ? await awaitDrawn(client, stored, 120_000) : [];
  const by = drawn.flatMap((f) => (f.generated_by ? [f.generated_by] : []));
  const consumers = new Set(by);
  book.record(
    ctx,
    'workers',
    stored.length > 0 && by.length === stored.length && consumers.size >= 2,
    `${by.length} of ${stored.length} drawn${by.length > 0 ? ` (${countEach(by)})` : ''}`,
  );
}
