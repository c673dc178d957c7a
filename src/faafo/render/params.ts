// What a render needs, and the checks at the rendering boundary: everything below this assumes
// positive integer sizes and finite coordinates, so a bad value fails here with a clear message
// instead of as NaN pixels, an endless loop or an allocation error deep inside a thread.
import { constants as bufferConstants } from 'node:buffer';

/** The image to draw: its size, the iteration budget and the region of the complex plane. */
export interface RenderParams {
  width: number;
  height: number;
  iterations: number;
  xa: number;
  xb: number;
  ya: number;
  yb: number;
}

/** A complex number, as the Julia set's constant `c`. */
export interface Complex {
  re: number;
  im: number;
}

/** The rectangle of the complex plane that `c` is drawn from. */
export type Region = Pick<RenderParams, 'xa' | 'xb' | 'ya' | 'yb'>;

// The full-image paths (RenderPool.render, encodePng with pngjs) hold the image in one Buffer of up to
// (3·width + 1)·height bytes, so that Buffer's limit bounds the image. The banded path would manage
// more, but one limit for every path keeps a task's fate independent of how it is drawn.
const MAX_BUFFER = bufferConstants.MAX_LENGTH;

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function finite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

/** The region, checked: four finite numbers. */
export function validateRegion(r: Region): Region {
  return { xa: finite('xa', r.xa), xb: finite('xb', r.xb), ya: finite('ya', r.ya), yb: finite('yb', r.yb) };
}

/** `c`, checked: two finite numbers. */
export function validateComplex(c: Complex): Complex {
  return { re: finite('c.re', c.re), im: finite('c.im', c.im) };
}

/** The parameters, checked, as a fresh plain object (safe to post to a thread). */
export function validateParams(p: RenderParams): RenderParams {
  const width = positiveInteger('width', p.width);
  const height = positiveInteger('height', p.height);
  const iterations = positiveInteger('iterations', p.iterations);
  if ((3 * width + 1) * height > MAX_BUFFER) {
    throw new RangeError(`a ${width} x ${height} image is too large to encode (over ${MAX_BUFFER} bytes)`);
  }
  return { width, height, iterations, ...validateRegion(p) };
}
