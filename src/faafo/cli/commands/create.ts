// `faafo create`: asks the API for N fractals with parameters picked as the original did (see
// random-task.ts). Unlike the original, which sent the POSTs one by one and printed nothing, it
// sends a few at a time, shows progress for long runs, and says what it created. Every count is
// bounded (limits.ts) and the batch is a stream: each task is drawn when a lane is free and each
// created fractal printed (or, for a small batch, kept for the table) when it is next in order,
// so a run of 50 000 needs no more memory than a run of 50.
import type { NewFractal } from '../../model.ts';
import { mapBounded } from '../bounded.ts';
import { ApiResponseError, UnreachableError } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { CREATE_LIMITS, checkLimits } from '../limits.ts';
import { createProgress } from '../progress.ts';
import {
  checkTaskRanges,
  DEFAULT_RANGES,
  DEFAULT_TASKS,
  pickTaskCount,
  type RandomSource,
  randomTask,
  type TaskRanges,
} from '../random-task.ts';
import { FITTED_TABLE_ROWS, fittedTable, streamedTable } from './created-table.ts';

/** How many POSTs are in flight at once. */
export const CREATE_CONCURRENCY = 8;

/** The option values as commander parsed them (numbers already validated). */
export interface CreateOptions {
  tasks?: number;
  minTasks?: number;
  maxTasks?: number;
  width?: number;
  minWidth?: number;
  maxWidth?: number;
  height?: number;
  minHeight?: number;
  maxHeight?: number;
  iterations?: number;
  minIterations?: number;
  maxIterations?: number;
  xa?: number;
  minXa?: number;
  maxXa?: number;
  xb?: number;
  minXb?: number;
  maxXb?: number;
  ya?: number;
  minYa?: number;
  maxYa?: number;
  yb?: number;
  minYb?: number;
  maxYb?: number;
}

/** The tasks of one run: how many, and each drawn only when it is asked for. */
export interface TaskPlan extends Iterable<NewFractal> {
  count: number;
  ranges: TaskRanges;
}

/** Decides the count and the ranges before anything is sent (so a bad option fails without side effects). */
export function planTasks(options: CreateOptions, random: RandomSource = Math.random): TaskPlan {
  checkLimits(options, CREATE_LIMITS);
  const count = pickTaskCount(
    {
      fixed: options.tasks,
      min: options.minTasks ?? DEFAULT_TASKS.min,
      max: options.maxTasks ?? DEFAULT_TASKS.max,
    },
    random,
  );
  const d = DEFAULT_RANGES;
  const ranges: TaskRanges = {
    width: {
      fixed: options.width,
      min: options.minWidth ?? d.width.min,
      max: options.maxWidth ?? d.width.max,
    },
    height: {
      fixed: options.height,
      min: options.minHeight ?? d.height.min,
      max: options.maxHeight ?? d.height.max,
    },
    iterations: {
      fixed: options.iterations,
      min: options.minIterations ?? d.iterations.min,
      max: options.maxIterations ?? d.iterations.max,
    },
    xa: { fixed: options.xa, min: options.minXa ?? d.xa.min, max: options.maxXa ?? d.xa.max },
    xb: { fixed: options.xb, min: options.minXb ?? d.xb.min, max: options.maxXb ?? d.xb.max },
    ya: { fixed: options.ya, min: options.minYa ?? d.ya.min, max: options.maxYa ?? d.ya.max },
    yb: { fixed: options.yb, min: options.minYb ?? d.yb.min, max: options.maxYb ?? d.yb.max },
  };
  checkTaskRanges(ranges);
  return {
    count,
    ranges,
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i++) yield randomTask(ranges, random);
    },
  };
}

export async function createCommand(
  ctx: CliContext,
  options: CreateOptions,
  random: RandomSource = Math.random,
): Promise<void> {
  const plan = planTasks(options, random);
  const total = plan.count;
  ctx.info(`generating ${total} task(s)`);
  const client = ctx.client();
  const progress = createProgress(total, 'created', ctx.stderr);
  const table =
    total <= FITTED_TABLE_ROWS ? fittedTable(ctx.stdout) : streamedTable(ctx.stdout, plan.ranges, progress);
  let created = 0;
  let firstError: unknown;
  const outcomes = mapBounded(
    plan,
    CREATE_CONCURRENCY,
    async (task) => {
      const fractal = await client.create(task);
      ctx.debug(`created ${fractal.uuid}`);
      return fractal;
    },
    { stopOn: (error) => error instanceof UnreachableError },
  );
  for await (const outcome of outcomes) {
    if (outcome.ok) {
      created += 1;
      table.add(outcome.value);
    } else if (firstError === undefined) {
      firstError = outcome.error;
    }
    progress.tick();
  }
  progress.done();
  table.end();
  if (created > 0) {
    ctx.stdout.write(
      `Created ${created} fractal(s); they are queued for rendering. Watch them with: faafo list\n`,
    );
  }
  const failed = total - created;
  if (failed === 0) return;
  // A single task, or a server that is not there at all: its own message says it best.
  if (total === 1 || (created === 0 && firstError instanceof UnreachableError)) {
    throw firstError instanceof CliError ? firstError : new CliError(describe(firstError));
  }
  const what =
    created === 0
      ? `None of the ${total} fractals could be created`
      : `${failed} of the ${total} fractals could not be created`;
  throw new CliError(`${what}; the first error: ${describe(firstError)}`);
}

function describe(error: unknown): string {
  if (error instanceof ApiResponseError)
    return `${error.apiMessage.replace(/[.!?]$/, '')} (HTTP ${error.status}).`;
  return error instanceof Error ? error.message : String(error);
}
