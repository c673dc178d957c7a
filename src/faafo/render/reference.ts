// A deliberately plain rendering, written the way the Python original reads: complex numbers as
// small objects, abs() through hypot, one allocation per step. It is the yardstick the fast kernel
// must match pixel for pixel, and the baseline of the benchmark. Do not optimise it.
import type { Complex, RenderParams } from './params.ts';

class C {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}

  // Python's complex product: (a.re·b.re − a.im·b.im) + (a.re·b.im + a.im·b.re)i.
  mul(b: C): C {
    return new C(this.re * b.re - this.im * b.im, this.re * b.im + this.im * b.re);
  }

  add(b: C): C {
    return new C(this.re + b.re, this.im + b.im);
  }

  abs(): number {
    return Math.hypot(this.re, this.im);
  }
}

/** The original's pixel loop for one point; returns the final `i` and the number of steps taken. */
export function referencePixel(z0: Complex, c: Complex, iterations: number): { i: number; steps: number } {
  const cc = new C(c.re, c.im);
  let z = new C(z0.re, z0.im);
  let steps = 0;
  let i = 0;
  // Like `for i in range(iterations)`: a loop that runs out leaves i at iterations − 1.
  for (let n = 0; n < iterations; n++) {
    i = n;
    if (z.abs() > 2.0) break;
    z = z.mul(z).add(cc);
    steps++;
  }
  return { i, steps };
}

/** The whole image as RGB bytes, plus the number of z = z²+c steps, for the benchmark. */
export function renderReference(params: RenderParams, c: Complex): { pixels: Uint8Array; steps: number } {
  const { width, height, iterations, xa, xb, ya, yb } = params;
  const pixels = new Uint8Array(width * height * 3);
  let steps = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const zy = height === 1 ? ya : (y * (yb - ya)) / (height - 1) + ya;
      const zx = width === 1 ? xa : (x * (xb - xa)) / (width - 1) + xa;
      const r = referencePixel({ re: zx, im: zy }, c, iterations);
      steps += r.steps;
      const at = (y * width + x) * 3;
      pixels[at] = (r.i % 8) * 32;
      pixels[at + 1] = (r.i % 16) * 16;
      pixels[at + 2] = (r.i % 32) * 8;
    }
  }
  return { pixels, steps };
}
