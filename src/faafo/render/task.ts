// The entry points into rendering: renderTask for the worker (one queue task → PNG, checksum and
// the original's `duration`), renderImage for the `faafo render` command (explicit c, timings).
// Both draw and encode band by band, so the largest task fits the smallest flavor (m1.tiny, 512 MB).
import type { Task } from '../model.ts';
import { type Complex, type RenderParams, validateComplex, validateParams } from './params.ts';
import { checksumOf } from './png.ts';
import { createPngEncoder } from './png-bands.ts';
import { chooseC } from './point.ts';
import { RenderPool } from './pool.ts';

export interface RenderedTask {
  png: Buffer;
  /** sha256 hex of the PNG bytes. */
  checksum: string;
  /** PNG bytes. */
  size: number;
  /**
   * Seconds spent choosing c and drawing, like the original. The PNG is encoded while the rows are
   * drawn; only the encoding left after the last row is excluded.
   */
  duration: number;
  c: Complex;
}

export interface ImageRequest extends RenderParams {
  c: Complex;
}

export interface RenderedImage {
  png: Buffer;
  /** Seconds until the last row was drawn (the rows drawn so far are encoded meanwhile). */
  renderSeconds: number;
  /** Seconds the encoding went on after the last row was drawn. */
  pngSeconds: number;
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

/** Renders one task with a long-lived pool; the same task always gives the same PNG bytes. */
export async function renderTask(task: Task, pool: RenderPool): Promise<RenderedTask> {
  if (typeof task.uuid !== 'string' || task.uuid.length === 0) {
    throw new RangeError(`uuid must be a non-empty string, got ${String(task.uuid)}`);
  }
  const params = validateParams(task);
  const started = performance.now();
  const c = chooseC(task.uuid, params);
  const choosing = seconds(started);
  const { png, renderSeconds } = await drawAndEncode(params, c, pool);
  return { png, checksum: checksumOf(png), size: png.length, duration: choosing + renderSeconds, c };
}

/**
 * Renders one image with a given c. Pass a pool to reuse its threads, or a thread count (default:
 * the node's vCPUs) for a pool that lives only for this image.
 */
export async function renderImage(
  request: ImageRequest,
  using?: RenderPool | number,
): Promise<RenderedImage> {
  const params = validateParams(request);
  const c = validateComplex(request.c);
  if (using instanceof RenderPool) return drawAndEncode(params, c, using);
  const pool = new RenderPool(using === undefined ? {} : { threads: using });
  try {
    return await drawAndEncode(params, c, pool);
  } finally {
    await pool.close();
  }
}

async function drawAndEncode(params: RenderParams, c: Complex, pool: RenderPool): Promise<RenderedImage> {
  const encoder = createPngEncoder(params.width, params.height);
  // The pool's own timing: a render queued behind another task's does not count its wait.
  const { seconds: renderSeconds } = await pool.renderBands(params, c, (band) =>
    encoder.writeRows(band.pixels),
  );
  const pngStart = performance.now();
  const png = await encoder.finish();
  return { png, renderSeconds, pngSeconds: seconds(pngStart) };
}
