// The fractal record: the one shape shared by the database, the API, the worker and the CLI.
// Field names and meanings follow the original faafo's `fractal` table; `state` and `failure`
// are ours, so that a pending or failed fractal is visible instead of crashing `show`.
import { z } from 'zod';

export const FRACTAL_STATES = ['pending', 'done', 'failed'] as const;
export type FractalState = (typeof FRACTAL_STATES)[number];

/** A fractal as the API returns it (never with the image bytes). */
export const FractalSchema = z.object({
  uuid: z.string(),
  checksum: z.string().nullable(),
  url: z.string().nullable(),
  duration: z.number().nullable(),
  size: z.number().int().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  iterations: z.number().int(),
  xa: z.number(),
  xb: z.number(),
  ya: z.number(),
  yb: z.number(),
  generated_by: z.string().nullable(),
  state: z.enum(FRACTAL_STATES),
  failure: z.string().nullable(),
});
export type Fractal = z.infer<typeof FractalSchema>;

/** What a client asks for: the task parameters (the client picks the uuid, as in the original). */
export type NewFractal = Pick<
  Fractal,
  'uuid' | 'width' | 'height' | 'iterations' | 'xa' | 'xb' | 'ya' | 'yb'
>;

/** What a worker reports back (all optional: PUT is a partial update, as in the original). */
export type FractalResult = Partial<
  Pick<Fractal, 'checksum' | 'duration' | 'size' | 'generated_by' | 'failure' | 'url'>
>;

/** A fractal is done when the worker stored both checksum and size (the original's rule). */
export function stateOf(row: {
  checksum: string | null;
  size: number | null;
  failure: string | null;
}): FractalState {
  if (row.checksum !== null && row.size !== null) return 'done';
  if (row.failure !== null) return 'failed';
  return 'pending';
}

/** The task a worker receives from the queue: the record as it was when it was created. */
export const TaskSchema = z.object({
  uuid: z.string().uuid(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  iterations: z.number().int().positive(),
  xa: z.number(),
  xb: z.number(),
  ya: z.number(),
  yb: z.number(),
});
export type Task = z.infer<typeof TaskSchema>;
