// Chapter 7: step 7 as the guide has it (create, list, show through app-api-1; generated_by spread
// over the workers), then the fault drill: fractals are asked for through both API servers, and
// while they render app-worker-1's and app-api-2's processes are killed with SIGKILL over ssh (a
// crash, not a graceful stop; the node goes SHUTOFF as a VM whose service died would be taken out).
// The client goes on asking, falling back to the other API server; at the end every accepted
// fractal must be drawn — counted as asked, accepted, finished — and the two servers are started again.
import type { Node } from '../../../src/cloud/models.ts';
import { FaafoClient } from '../../../src/faafo/cli/client.ts';
import { describeTopology } from '../../../src/lab/topology.ts';
import type { ChapterContext, CheckBook } from '../context.ts';
import { runLessonStep, stepSaw } from '../context.ts';
import { awaitDrawn, smallFractal } from '../fractals.ts';
import { onNode } from '../on-node.ts';

/**
 * Kills the node's faafo processes with SIGKILL. On the local cloud a login's home is the node's
 * directory, whose run/*.pid name its service processes (and the ssh sessions, this one included,
 * which are left alone); on a VM it is the faafo services by name.
 */
export const CRASH_COMMAND =
  'if [ -d ~/run ]; then for f in ~/run/*.pid; do case "$f" in */ssh-session-*) ;; *) kill -9 "$(cat "$f")" ;; esac; done; ' +
  "else sudo pkill -9 -f 'faafo (api|worker)'; fi";

async function untilStatus(
  ctx: ChapterContext,
  node: Node,
  status: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = (await ctx.conn.getNode(node.id)).status;
    if (now === status || Date.now() >= deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function handsOn(ctx: ChapterContext, book: CheckBook): Promise<void> {
  const step7 = await runLessonStep(ctx, '7');
  book.record(ctx, 'step-7', step7.end.type === 'done', stepSaw('step 7', step7));
  if (step7.end.type !== 'done') return;

  const topology = await describeTopology(ctx.conn, 'scaled-out');
  const [api1, api2] = topology.apiEndpoints.map((e) => new FaafoClient(e, { timeoutMs: 10_000 }));
  const worker = topology.workerNodes[0]!;
  const victimApi = topology.apiNodes[1]!;
  const { tasks, side } = ctx.sizes.drill;
  let asked = 0;
  const accepted: string[] = [];
  /** One create through `first`, else through `second` (a client with two API servers to choose from). */
  const ask = async (first: FaafoClient, second: FaafoClient) => {
    asked += 1;
    const task = smallFractal(side, 1024);
    for (const client of [first, second]) {
      try {
        accepted.push((await client.create(task)).uuid);
        return;
      } catch {
        // That API server is gone: the same request to the other one.
      }
    }
  };
  const half = Math.ceil(tasks / 2);
  await Promise.all(Array.from({ length: half }, (_, i) => (i % 2 ? ask(api2!, api1!) : ask(api1!, api2!))));
  // Let the workers start drawing, then crash a worker and an API server at once.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  ctx.emit({
    type: 'note',
    chapter: ctx.chapter.number,
    text: `killing the faafo processes of ${worker.name} and ${victimApi.name} (kill -9)`,
  });
  const env = ctx.run.env ?? process.env;
  const kills = await Promise.all([worker, victimApi].map((n) => onNode(n, [CRASH_COMMAND], env)));
  await Promise.all(
    Array.from({ length: tasks - half }, (_, i) => (i % 2 ? ask(api2!, api1!) : ask(api1!, api2!))),
  );
  const statuses = await Promise.all([worker, victimApi].map((n) => untilStatus(ctx, n, 'SHUTOFF', 60_000)));
  const crashed = [worker, victimApi].filter((_, i) => statuses[i] === 'SHUTOFF').map((n) => n.name);
  book.record(
    ctx,
    'crashed',
    crashed.length === 2,
    [worker, victimApi]
      .map(
        (n, i) =>
          `${n.name} is ${statuses[i]}${statuses[i] === 'SHUTOFF' ? '' : ` (ssh: exit ${kills[i]!.exitCode}, ${kills[i]!.stderr.trim() || 'no message'})`}`,
      )
      .join(', '),
  );

  const drawn = await awaitDrawn(api1!, accepted, 180_000);
  const finished = drawn.filter((f) => f.state === 'done').length;
  ctx.emit({
    type: 'drill',
    chapter: ctx.chapter.number,
    asked,
    accepted: accepted.length,
    finished,
    crashed,
  });
  book.record(
    ctx,
    'nothing-lost',
    accepted.length === asked && finished === accepted.length,
    `asked ${asked}, accepted ${accepted.length}, finished ${finished}`,
  );

  for (const node of [worker, victimApi]) {
    const now = await ctx.conn.getNode(node.id);
    if (now.state === 'stopped') await ctx.conn.exStartNode(now);
  }
  await ctx.conn.waitUntilRunning([worker, victimApi]);
  const back = await Promise.all([worker, victimApi].map((n) => ctx.conn.getNode(n.id)));
  book.record(
    ctx,
    'recovered',
    back.every((n) => n.state === 'running'),
    back.map((n) => `${n.name} ${n.status}`).join(', '),
  );
}
