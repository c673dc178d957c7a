// `faafo create`: asks the API for N fractals with parameters picked as the original did (see
// random-task.ts). Unlike the original, which sent the POSTs one by one and printed nothing, it
// sends a few at a time, shows progress for long runs, and says what it created.
import type { Fractal, NewFractal } from '../../model.ts';
import { mapBounded } from '../bounded.ts';
import { ApiResponseError, UnreachableError } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { formatDimensions } from '../format.ts';
import { createProgress } from '../progress.ts';
import {
  DEFAULT_RANGES,
  DEFAULT_TASKS,
  pickTaskCount,
  type RandomSource,
  randomTask,
} from '../random-task.ts';
import { renderTable } from '../tables.ts';

/** How many POSTs are in flight at once. */
export const CREATE_CONCURRENCY = 8;

export const CREATED_FIELDS = ['UUID', 'Dimensions', 'Iterations'] as const;

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

/** Picks the tasks, before anything is sent (so a bad range fails without side effects). */
export function planTasks(options: CreateOptions, random: RandomSource = Math.random): NewFractal[] {
  const count = pickTaskCount(
    {
      fixed: options.tasks,
      min: options.minTasks ?? DEFAULT_TASKS.min,
      max: options.maxTasks ?? DEFAULT_TASKS.max,
    },
    random,
  );
  const d = DEFAULT_RANGES;
  const ranges = {
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
  return Array.from({ length: count }, () => randomTask(ranges, random));
}

export async function createCommand(
  ctx: CliContext,
  options: CreateOptions,
  random: RandomSource = Math.random,
): Promise<void> {
  const tasks = planTasks(options, random);
  ctx.info(`generating ${tasks.length} task(s)`);
  const client = ctx.client();
  const progress = createProgress(tasks.length, 'created', ctx.stderr);
  const outcomes = await mapBounded(
    tasks,
    CREATE_CONCURRENCY,
    async (task) => {
      const created = await client.create(task);
      ctx.debug(`created ${created.uuid}`);
      return created;
    },
    { stopOn: (error) => error instanceof UnreachableError, onSettled: () => progress.tick() },
  );
  progress.done();

  const created: Fractal[] = [];
  let firstError: unknown;
  for (const outcome of outcomes) {
    if (outcome.ok) created.push(outcome.value);
    else if ('error' in outcome && firstError === undefined) firstError = outcome.error;
  }
  if (created.length > 0) {
    const rows = created.map((f) => [f.uuid, formatDimensions(f), String(f.iterations)]);
    ctx.stdout.write(`${renderTable({ fields: CREATED_FIELDS, rows })}\n`);
    ctx.stdout.write(
      `Created ${created.length} fractal(s); they are queued for rendering. Watch them with: faafo list\n`,
    );
  }
  const failed = tasks.length - created.length;
  if (failed === 0) return;
  // A single task, or a server that is not there at all: its own message says it best.
  if (tasks.length === 1 || (created.length === 0 && firstError instanceof UnreachableError)) {
    throw firstError instanceof CliError ? firstError : new CliError(describe(firstError));
  }
  const what =
    created.length === 0
      ? `None of the ${tasks.length} fractals could be created`
      : `${failed} of the ${tasks.length} fractals could not be created`;
  throw new CliError(`${what}; the first error: ${describe(firstError)}`);
}

function describe(error: unknown): string {
  if (error instanceof ApiResponseError)
    return `${error.apiMessage.replace(/[.!?]$/, '')} (HTTP ${error.status}).`;
  return error instanceof Error ? error.message : String(error);
}
