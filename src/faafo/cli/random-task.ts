// How `faafo create` picks each task's parameters, as the original `get_random_task()`: a fixed
// value (`--width 512`) wins; otherwise an integer is drawn with randint(min, max) (both ends
// included) and a float with uniform(min, max), which accepts min > max (the original's xa range is
// written −1.0 … −4.0 and means [−4, −1]).
import { randomUUID } from 'node:crypto';
import type { NewFractal } from '../model.ts';
import { UsageError } from './errors.ts';

/** Returns a number in [0, 1), like Math.random. Injectable so tests can pin the draws. */
export type RandomSource = () => number;

export interface Range {
  /** A fixed value given on the command line; overrides the range. */
  fixed?: number | undefined;
  min: number;
  max: number;
}

export interface TaskRanges {
  width: Range;
  height: Range;
  iterations: Range;
  xa: Range;
  xb: Range;
  ya: Range;
  yb: Range;
}

export type CountRange = Range;

/** The original's defaults (faafo/client/shell.py). */
export const DEFAULT_RANGES: TaskRanges = {
  width: { min: 256, max: 1024 },
  height: { min: 256, max: 1024 },
  iterations: { min: 128, max: 512 },
  xa: { min: -1.0, max: -4.0 },
  xb: { min: 1.0, max: 4.0 },
  ya: { min: -0.5, max: -3 },
  yb: { min: 0.5, max: 3 },
};

export const DEFAULT_TASKS: CountRange = { min: 1, max: 10 };

/** Python's random.randint: an integer in [min, max], both included. */
export function randint(min: number, max: number, random: RandomSource = Math.random): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Python's random.uniform: a + (b − a)·U, so the order of a and b does not matter. */
export function uniform(a: number, b: number, random: RandomSource = Math.random): number {
  return a + (b - a) * random();
}

/** Fails early, with the option names, where the original's randint would have raised ValueError. */
export function checkIntRange(name: string, range: Range): void {
  if (range.fixed === undefined && range.min > range.max) {
    throw new UsageError(
      `--min-${name} (${range.min}) is larger than --max-${name} (${range.max}); swap them or give --${name}.`,
    );
  }
}

export function pickInt(range: Range, random: RandomSource = Math.random): number {
  return range.fixed ?? randint(range.min, range.max, random);
}

export function pickFloat(range: Range, random: RandomSource = Math.random): number {
  return range.fixed ?? uniform(range.min, range.max, random);
}

/** How many tasks `create` sends: --tasks, else randint(--min-tasks, --max-tasks). */
export function pickTaskCount(range: CountRange, random: RandomSource = Math.random): number {
  checkIntRange('tasks', range);
  return pickInt(range, random);
}

/** Every range checked at once, before the first task is drawn (or anything is sent). */
export function checkTaskRanges(ranges: TaskRanges): void {
  checkIntRange('width', ranges.width);
  checkIntRange('height', ranges.height);
  checkIntRange('iterations', ranges.iterations);
}

/** One task with a fresh uuid v4 (the client names the fractal, as in the original). */
export function randomTask(
  ranges: TaskRanges,
  random: RandomSource = Math.random,
  uuid: () => string = randomUUID,
): NewFractal {
  checkTaskRanges(ranges);
  return {
    uuid: uuid(),
    width: pickInt(ranges.width, random),
    height: pickInt(ranges.height, random),
    iterations: pickInt(ranges.iterations, random),
    xa: pickFloat(ranges.xa, random),
    xb: pickFloat(ranges.xb, random),
    ya: pickFloat(ranges.ya, random),
    yb: pickFloat(ranges.yb, random),
  };
}
