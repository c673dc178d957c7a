// The shapes the API accepts: request bodies, query strings, path parameters. Types come from here.
import { z } from 'zod';
import type { Config } from '../config.ts';

export type Limits = Pick<Config, 'maxWidth' | 'maxHeight' | 'maxIterations'>;

const dimension = (max: number) => z.number().int().positive().max(max);
// z.number() already refuses NaN and ±Infinity; JSON cannot carry them anyway.
const coordinate = z.number();
// Lower-cased so that one fractal has one spelling (lists are ordered by uuid).
const uuid = z
  .string()
  .uuid('must be a uuid such as 0a1b2c3d-0000-4000-8000-000000000000')
  .transform((s) => s.toLowerCase());

/** POST /v1/fractal. The original client picks the uuid; when it does not, the server does. */
export function createBodySchema(limits: Limits) {
  return z
    .strictObject({
      uuid: uuid.optional(),
      width: dimension(limits.maxWidth),
      height: dimension(limits.maxHeight),
      iterations: dimension(limits.maxIterations),
      xa: coordinate,
      xb: coordinate,
      ya: coordinate,
      yb: coordinate,
    })
    .transform((body) => ({ ...body, uuid: body.uuid ?? crypto.randomUUID() }));
}
export type CreateBody = z.output<ReturnType<typeof createBodySchema>>;

const text256 = z.string().max(256);
const MAX_FAILURE = 10_000;

/**
 * PUT /v1/fractal/<uuid>: the worker's report, a partial update. `uuid` is allowed because the
 * original worker sends it; it must then name the same fractal as the path.
 */
export const UpdateBodySchema = z.strictObject({
  uuid: uuid.optional(),
  checksum: text256.nullable().optional(),
  duration: z.number().nonnegative().nullable().optional(),
  size: z.number().int().nonnegative().nullable().optional(),
  generated_by: text256.nullable().optional(),
  /** Base64 text of the PNG, as the original worker sends it. */
  image: z.string().optional(),
  /** Why rendering failed. Cut rather than refused: a worker's failure report must always land. */
  failure: z
    .string()
    .transform((s) => (s.length > MAX_FAILURE ? `${s.slice(0, MAX_FAILURE - 1)}…` : s))
    .nullable()
    .optional(),
  url: text256.nullable().optional(),
});
export type UpdateBody = z.output<typeof UpdateBodySchema>;

export const DEFAULT_RESULTS_PER_PAGE = 10;
export const MAX_RESULTS_PER_PAGE = 100;

/** `results_per_page` as Flask-Restless read it: ≤0 or garbage means the default; capped at 100. */
const resultsPerPage = z
  .unknown()
  .optional()
  .transform((raw) => {
    const n = typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw) ? Number.parseInt(raw, 10) : Number.NaN;
    if (!Number.isFinite(n) || n <= 0) return DEFAULT_RESULTS_PER_PAGE;
    return Math.min(n, MAX_RESULTS_PER_PAGE);
  });

/**
 * The last page anyone may ask for. At 100 results a page that reaches a hundred million fractals,
 * far more than a lesson makes; beyond it a number is a mistake, and the database's offset
 * ((page − 1) × results_per_page) stays an exact integer.
 */
export const MAX_PAGE = 1_000_000;

/** A page number in a query string or path segment: 1 … MAX_PAGE. */
export const pageNumber = z
  .string()
  .regex(/^\d+$/, 'must be a positive integer')
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .positive()
      .max(
        MAX_PAGE,
        `must be at most ${MAX_PAGE}; to reach further, ask for more results_per_page (up to ${MAX_RESULTS_PER_PAGE})`,
      ),
  );

/** GET /v1/fractal. Other parameters are ignored, except Flask-Restless's `q`, which we do not do. */
export const ListQuerySchema = z.object({
  page: pageNumber.default(1),
  results_per_page: resultsPerPage,
  q: z
    .undefined('search queries (q) are not supported; list pages with page and results_per_page')
    .optional(),
});
export type ListQuery = z.output<typeof ListQuerySchema>;

/** Path parameter of every per-fractal route. */
export const UuidParamsSchema = z.object({ uuid: z.string() });
