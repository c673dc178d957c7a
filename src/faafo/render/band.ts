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
  /** A previous band's buffer, handed back for reuse (transferred), so bands do not churn memory. */
  buffer?: ArrayBuffer;
}

/** Render thread → main thread: the band's RGB bytes and its step count. */
export interface BandResult {
  job: number;
  rowStart: number;
  rowEnd: number;
  pixels: Uint8Array<ArrayBuffer>;
  steps: number;
}

/** Renders a band into the buffer handed back, or a fresh one, which is then transferred whole. */
export function renderBand(req: BandRequest): BandResult {
  const size = (req.rowEnd - req.rowStart) * req.params.width * 3;
  const pixels =
    req.buffer && req.buffer.byteLength >= size ? new Uint8Array(req.buffer, 0, size) : new Uint8Array(size);
  const steps = renderRows(pixels, req.params, req.c, req.rowStart, req.rowEnd);
  return { job: req.job, rowStart: req.rowStart, rowEnd: req.rowEnd, pixels, steps };
}
