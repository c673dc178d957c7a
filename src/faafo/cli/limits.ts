// The largest value each count or size typed to `faafo create` and `faafo render` may have, why,
// and the one-line refusal beyond it. Without them `faafo create --tasks 999999999` ran for two
// minutes and died out of memory: a typo must fail at once, before anything is sent or drawn.
// Only the upper side is checked here (and both sides of a coordinate); a width of 0, say, stays
// the API's or the renderer's to refuse, in their own words, so the CLI never contradicts them.
import { DEFAULT_SIZE_LIMITS, MAX_RENDER_THREADS, SIZE_LIMIT_CEILINGS } from '../config.ts';
import { UsageError } from './errors.ts';

/**
 * Fractals one `faafo create` asks for. Generous: at the lesson's sizes that is hours of work for
 * its few workers, and the batch is streamed, so the client's memory does not grow with it. A count
 * beyond it is almost surely a slip of the keyboard; a bigger load is several runs.
 */
export const MAX_TASKS = 50_000;
/**
 * Either end of a coordinate of the fractal's window. The Julia set lies within about ±2, and
 * beyond this a window's pixels are too far apart for anything to show.
 */
export const MAX_COORDINATE = 1_000_000;

export interface Limit {
  max: number;
  /** Only for values whose sign is free (coordinates). */
  min?: number;
  /** Completes "--tasks 999999999 is more than …" (with a min: "--xa 1e9 is outside …"). */
  what: string;
  /** What to do instead. */
  advice: string;
}

const coordinate: Limit = {
  min: -MAX_COORDINATE,
  max: MAX_COORDINATE,
  what: `the range from -${MAX_COORDINATE} to ${MAX_COORDINATE} that faafo takes`,
  advice: 'the Julia set lies within about ±2, so choose a smaller value',
};

/** The same limit for `--name`, `--min-name` and `--max-name`. */
function family(name: string, limit: Limit): Record<string, Limit> {
  const capital = name.charAt(0).toUpperCase() + name.slice(1);
  return { [name]: limit, [`min${capital}`]: limit, [`max${capital}`]: limit };
}

/** Any faafo API refuses more than its ceilings; its own max_width etc. may be lower (it says so). */
const apiSize = (max: number, unit: string): Limit => ({
  max,
  what: `the ${max} ${unit} any faafo API accepts`,
  advice: 'choose a smaller value',
});

/** `faafo create`'s options (camelCase, as commander hands them over). */
export const CREATE_LIMITS: Record<string, Limit> = {
  ...family('tasks', {
    max: MAX_TASKS,
    what: `the ${MAX_TASKS} fractals faafo create asks for in one run`,
    advice: 'run it several times for a larger batch',
  }),
  ...family('width', apiSize(SIZE_LIMIT_CEILINGS.maxWidth, 'pixels')),
  ...family('height', apiSize(SIZE_LIMIT_CEILINGS.maxHeight, 'pixels')),
  ...family('iterations', apiSize(SIZE_LIMIT_CEILINGS.maxIterations, 'iterations')),
  ...family('xa', coordinate),
  ...family('xb', coordinate),
  ...family('ya', coordinate),
  ...family('yb', coordinate),
};

// `faafo render` holds the whole image in this process: 10 000 x 10 000 pixels (the API's default
// max_width and max_height, and room for the guide's largest, 9999 x 9999) already take about
// 700 MB while the PNG is encoded.
const renderSide: Limit = {
  max: DEFAULT_SIZE_LIMITS.maxWidth,
  what: `the ${DEFAULT_SIZE_LIMITS.maxWidth} pixels a side faafo render draws`,
  advice: 'choose a smaller size',
};

/** `faafo render`'s options. Iterations cost time, not memory, so they get the API's ceiling. */
export const RENDER_LIMITS: Record<string, Limit> = {
  width: renderSide,
  height: { ...renderSide, max: DEFAULT_SIZE_LIMITS.maxHeight },
  iterations: {
    max: SIZE_LIMIT_CEILINGS.maxIterations,
    what: `the ${SIZE_LIMIT_CEILINGS.maxIterations} iterations faafo render takes (as much as any faafo API)`,
    advice: 'choose fewer',
  },
  threads: {
    max: MAX_RENDER_THREADS,
    what: `the ${MAX_RENDER_THREADS} threads faafo render starts`,
    advice: 'leave --threads out to use one per vCPU',
  },
  xa: coordinate,
  xb: coordinate,
  ya: coordinate,
  yb: coordinate,
};

/** `minTasks` → `--min-tasks`. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Throws a UsageError (exit 2) for the first option beyond its limit. */
export function checkLimits(options: object, limits: Record<string, Limit>): void {
  const values = options as Record<string, unknown>;
  for (const [key, limit] of Object.entries(limits)) {
    const value = values[key];
    if (typeof value !== 'number') continue;
    if (limit.min !== undefined && (value < limit.min || value > limit.max)) {
      throw new UsageError(`${flagOf(key)} ${value} is outside ${limit.what}; ${limit.advice}.`);
    }
    if (value > limit.max) {
      throw new UsageError(`${flagOf(key)} ${value} is more than ${limit.what}; ${limit.advice}.`);
    }
  }
}
