// The guide's first overload: `faafo create --height 9999 --width 9999 --tasks 5`, five huge fractals
// that keep a one-vCPU worker busy for minutes. `scale` shrinks the side for a workshop on laptops
// (0.25 → 2500 × 2500; the work shrinks with its square). The tasks are posted through the faafo
// API as `faafo create` does (POST /v1/fractal, through the CLI's client), and `awaitFinished`
// waits until every one of them is done or failed: the batch's drain time, the figure that should
// fall after scaling out.
import { setTimeout as sleep } from 'node:timers/promises';
import { FaafoClient } from '../faafo/cli/client.ts';
import { DEFAULT_RANGES, type RandomSource, randomTask } from '../faafo/cli/random-task.ts';
import { UserError } from '../shared/user-error.ts';
import { checkTargets } from './targets.ts';

/** The guide's numbers. */
export const GUIDE_BATCH = { side: 9999, tasks: 5 } as const;
export const MAX_BATCH_TASKS = 100;

export interface BatchOptions {
  endpoint: string;
  /** 0 < scale ≤ 1; the side is round(9999 · scale). Default 1 (the guide's size). */
  scale?: number;
  /** Default 5, at most 100. */
  tasks?: number;
  /** Fixed iterations; default: drawn as `faafo create` draws them (128…512). */
  iterations?: number;
  /** Non-loopback addresses that may be targeted: the lesson's floating IPs. */
  allowed?: readonly string[];
  /** Where the draws come from; pass `seededRandom(seed)` to post the same batch again. Default Math.random. */
  random?: RandomSource;
}

export interface BatchPlan {
  side: number;
  tasks: number;
  scale: number;
}

export function planBatch(options: { scale?: number; tasks?: number }): BatchPlan {
  const scale = options.scale ?? 1;
  const tasks = options.tasks ?? GUIDE_BATCH.tasks;
  if (!(scale > 0 && scale <= 1)) {
    throw new UserError(
      `The batch's scale must be above 0 and at most 1 (0.25 → 2500 × 2500); ${scale} was given.`,
    );
  }
  if (!Number.isInteger(tasks) || tasks < 1 || tasks > MAX_BATCH_TASKS) {
    throw new UserError(`The batch has 1 to ${MAX_BATCH_TASKS} tasks; ${tasks} was given.`);
  }
  return { side: Math.max(1, Math.round(GUIDE_BATCH.side * scale)), tasks, scale };
}

export interface CreatedBatch extends BatchPlan {
  uuids: string[];
  /** When the first POST was sent (ms since the epoch). */
  startedAt: number;
}

/** Posts the batch, one task after the other as the original CLI did; each task's uuid is returned. */
export async function createBatch(options: BatchOptions): Promise<CreatedBatch> {
  const [endpoint] = checkTargets([options.endpoint], options.allowed);
  const plan = planBatch(options);
  const client = new FaafoClient(endpoint!);
  const range = (fixed: number) => ({ fixed, min: fixed, max: fixed });
  const iterations = options.iterations === undefined ? DEFAULT_RANGES.iterations : range(options.iterations);
  const startedAt = Date.now();
  const uuids: string[] = [];
  for (let i = 0; i < plan.tasks; i++) {
    // The guide's command fixes only the size; the rest is drawn as `faafo create` draws it.
    const task = randomTask(
      { ...DEFAULT_RANGES, width: range(plan.side), height: range(plan.side), iterations },
      options.random,
    );
    uuids.push((await client.create(task)).uuid);
  }
  return { ...plan, uuids, startedAt };
}

export interface Finished {
  /** From `since` until the last of them was done or failed. */
  drainMs: number;
  done: number;
  failed: number;
}

/**
 * Waits until every fractal in `uuids` is done or failed (polling their records), at most
 * `timeoutMs` (default 30 min); throws a UserError saying how many were still pending.
 */
export async function awaitFinished(
  endpoint: string,
  uuids: readonly string[],
  options: {
    since?: number;
    pollMs?: number;
    timeoutMs?: number;
    signal?: AbortSignal;
    allowed?: readonly string[];
  } = {},
): Promise<Finished> {
  const [checked] = checkTargets([endpoint], options.allowed);
  const client = new FaafoClient(checked!);
  const since = options.since ?? Date.now();
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  const open = new Set(uuids);
  let done = 0;
  let failed = 0;
  for (;;) {
    for (const uuid of [...open]) {
      const fractal = await client.get(uuid);
      if (fractal === undefined) {
        throw new UserError(
          `Fractal ${uuid} is gone from the API: it was deleted or lost while the batch ran.`,
        );
      }
      if (fractal.state === 'pending') continue;
      open.delete(uuid);
      if (fractal.state === 'done') done += 1;
      else failed += 1;
    }
    if (open.size === 0) return { drainMs: Date.now() - since, done, failed };
    if (Date.now() > deadline || options.signal?.aborted) {
      throw new UserError(
        `${open.size} of ${uuids.length} fractals were still pending when the wait ended; are the workers running?`,
      );
    }
    await sleep(options.pollMs ?? 1000);
  }
}
