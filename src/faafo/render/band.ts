// One band of rows: the unit of work the pool hands to a render thread, and what comes back.
import { renderRows } from './julia.ts';
import type { Complex, RenderParams } from './params.ts';

/** Main thread → render thread: draw rows [rowStart, rowEnd) of one job's image. */
export interface BandRequest {
  job: number;
  params: RenderParams;
  c: Complex;
  rowStart: number;
  rowEnd: number;
}

/** Render thread → main thread: the band's RGB bytes and its step count. */
export interface BandResult {
  job: number;
  rowStart: number;
  rowEnd: number;
  pixels: Uint8Array<ArrayBuffer>;
  steps: number;
}

/** Renders a band into a fresh buffer of its own, so that buffer can be transferred whole. */
export function renderBand(req: BandRequest): BandResult {
  const pixels = new Uint8Array((req.rowEnd - req.rowStart) * req.params.width * 3);
  const steps = renderRows(pixels, req.params, req.c, req.rowStart, req.rowEnd);
  return { job: req.job, rowStart: req.rowStart, rowEnd: req.rowEnd, pixels, steps };
}
