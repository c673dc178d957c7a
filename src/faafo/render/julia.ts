// The hot kernel: the original worker's Julia set, pixel for pixel, as a tight loop over typed
// arrays. It allocates one small array per call (the column coordinates) and nothing per pixel.
import type { Complex, RenderParams } from './params.ts';

// The colour rule (i%8·32, i%16·16, i%32·8) repeats every 32 iterations, so a 32-entry table
// covers every iteration count without growing with `iterations`.
const COLOURS: Uint8Array = (() => {
  const table = new Uint8Array(32 * 3);
  for (let i = 0; i < 32; i++) {
    table[i * 3] = (i % 8) * 32;
    table[i * 3 + 1] = (i % 16) * 16;
    table[i * 3 + 2] = (i % 32) * 8;
  }
  return table;
})();

// The original tested abs(z) > 2.0, i.e. hypot. |z|² > 4 decides the same except within rounding
// distance of |z| = 2, which grid points hit exactly more often than one would think (z = −1.6−1.2i:
// |z|² rounds above 4, hypot gives exactly 2). Inside this narrow band hypot decides.
const NEAR_FOUR_LOW = 4 - 1e-9;
const NEAR_FOUR_HIGH = 4 + 1e-9;

/** The RGB colour the original gives a pixel whose loop ended with `i`. */
export function colourOf(i: number): [number, number, number] {
  return [(i % 8) * 32, (i % 16) * 16, (i % 32) * 8];
}

/**
 * The original's sampling: coordinate `k` of `n` across [a, b], with its exact operation order
 * (k·(b−a)/(n−1)+a) so that rounding matches. A single row or column sits at `a`, where the
 * original divided by zero.
 */
export function sample(k: number, n: number, a: number, b: number): number {
  return n === 1 ? a : (k * (b - a)) / (n - 1) + a;
}

/**
 * Iterates z = z²+c from z = zr+zi·i for at most `budget` steps and returns how many it took before
 * escaping (`budget` if it never did).
 */
export function orbitSteps(zr: number, zi: number, cr: number, ci: number, budget: number): number {
  let i = 0;
  for (; i < budget; i++) {
    const rr = zr * zr;
    const ii = zi * zi;
    const m = rr + ii;
    // abs(z) > 2.0, with one comparison per step on the hot path.
    if (m > NEAR_FOUR_LOW && (m > NEAR_FOUR_HIGH || Math.hypot(zr, zi) > 2)) break;
    // 2·zr·zi doubles exactly, so it equals Python's complex product zr·zi + zi·zr.
    zi = 2 * zr * zi + ci;
    zr = rr - ii + cr;
  }
  return i;
}

/**
 * Draws rows [rowStart, rowEnd) into `out` as RGB, `width`·3 bytes per row, the first of them at
 * offset 0 (pass a subarray to write into a larger image). Returns how many z = z²+c steps it
 * took, for throughput figures.
 */
export function renderRows(
  out: Uint8Array,
  params: RenderParams,
  c: Complex,
  rowStart: number,
  rowEnd: number,
): number {
  const { width, height, iterations, xa, xb, ya, yb } = params;
  if (rowStart < 0 || rowEnd > height || rowStart > rowEnd) {
    throw new RangeError(`rows [${rowStart}, ${rowEnd}) are outside the image's ${height} rows`);
  }
  if (out.length < (rowEnd - rowStart) * width * 3) {
    throw new RangeError(`output buffer of ${out.length} bytes is too small for ${rowEnd - rowStart} rows`);
  }
  const cr = c.re;
  const ci = c.im;
  // Python's `for i in range(n)` leaves i = n−1 when the loop runs out; orbitSteps leaves n.
  const last = iterations - 1;
  const colours = COLOURS;
  const columns = new Float64Array(width);
  for (let x = 0; x < width; x++) columns[x] = sample(x, width, xa, xb);

  let steps = 0;
  let o = 0;
  for (let y = rowStart; y < rowEnd; y++) {
    const zy = sample(y, height, ya, yb);
    let x = 0;
    // Two neighbouring pixels at a time: one pixel's steps form a single chain of dependent
    // multiplications, and interleaving two independent chains keeps the FPU busy (~2.5x faster).
    // When one escapes, the other finishes alone from where it is.
    for (; x + 1 < width; x += 2) {
      let ar = columns[x]!;
      let ai = zy;
      let br = columns[x + 1]!;
      let bi = zy;
      let i = 0;
      let aSteps = -1;
      let bSteps = -1;
      for (; i < iterations; i++) {
        const arr = ar * ar;
        const aii = ai * ai;
        const am = arr + aii;
        const brr = br * br;
        const bii = bi * bi;
        const bm = brr + bii;
        if (am > NEAR_FOUR_LOW || bm > NEAR_FOUR_LOW) {
          if (am > NEAR_FOUR_LOW && (am > NEAR_FOUR_HIGH || Math.hypot(ar, ai) > 2)) {
            aSteps = i;
            break;
          }
          if (bm > NEAR_FOUR_LOW && (bm > NEAR_FOUR_HIGH || Math.hypot(br, bi) > 2)) {
            bSteps = i;
            break;
          }
        }
        ai = 2 * ar * ai + ci;
        ar = arr - aii + cr;
        bi = 2 * br * bi + ci;
        br = brr - bii + cr;
      }
      if (aSteps >= 0) bSteps = i + orbitSteps(br, bi, cr, ci, iterations - i);
      else if (bSteps >= 0) aSteps = i + orbitSteps(ar, ai, cr, ci, iterations - i);
      else aSteps = bSteps = iterations;
      steps += aSteps + bSteps;
      let k = (Math.min(aSteps, last) & 31) * 3;
      out[o] = colours[k]!;
      out[o + 1] = colours[k + 1]!;
      out[o + 2] = colours[k + 2]!;
      k = (Math.min(bSteps, last) & 31) * 3;
      out[o + 3] = colours[k]!;
      out[o + 4] = colours[k + 1]!;
      out[o + 5] = colours[k + 2]!;
      o += 6;
    }
    if (x < width) {
      const i = orbitSteps(columns[x]!, zy, cr, ci, iterations);
      steps += i;
      const k = (Math.min(i, last) & 31) * 3;
      out[o] = colours[k]!;
      out[o + 1] = colours[k + 1]!;
      out[o + 2] = colours[k + 2]!;
      o += 3;
    }
  }
  return steps;
}

/** The whole image, single-threaded, as width·height·3 RGB bytes (row 0 is `ya`). */
export function renderJulia(params: RenderParams, c: Complex): Uint8Array {
  const out = new Uint8Array(params.width * params.height * 3);
  renderRows(out, params, c, 0, params.height);
  return out;
}
