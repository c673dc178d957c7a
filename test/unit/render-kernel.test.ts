import { describe, expect, it } from 'vitest';
import { colourOf, renderJulia, renderRows, sample } from '../../src/faafo/render/julia.ts';
import type { Complex, RenderParams } from '../../src/faafo/render/params.ts';
import { referencePixel, renderReference } from '../../src/faafo/render/reference.ts';

const params = (p: Partial<RenderParams>): RenderParams => ({
  width: 8,
  height: 8,
  iterations: 64,
  xa: -1.5,
  xb: 1.5,
  ya: -1.5,
  yb: 1.5,
  ...p,
});

const pixel = (img: Uint8Array, width: number, x: number, y: number): number[] => {
  const at = (y * width + x) * 3;
  return [img[at]!, img[at + 1]!, img[at + 2]!];
};

describe('fast kernel against the reference', () => {
  const cases: [string, RenderParams, Complex][] = [
    ['square', params({ width: 64, height: 64, iterations: 256 }), { re: -0.8, im: 0.156 }],
    [
      'non-square, off-centre',
      params({ width: 57, height: 23, iterations: 300, xa: -2.1, xb: 0.7, ya: 0.9, yb: -1.3 }),
      { re: 0.285, im: 0.01 },
    ],
    ['one pixel', params({ width: 1, height: 1, iterations: 40, xa: 0.1, ya: -0.2 }), { re: -0.4, im: 0.6 }],
    ['one row', params({ width: 41, height: 1, iterations: 90 }), { re: -0.70176, im: -0.3842 }],
    ['one column', params({ width: 1, height: 37, iterations: 90 }), { re: -0.70176, im: -0.3842 }],
    ['one iteration', params({ width: 16, height: 9, iterations: 1 }), { re: -0.8, im: 0.156 }],
    [
      'large region',
      params({ width: 33, height: 31, iterations: 50, xa: -4, xb: 4, ya: -3, yb: 3 }),
      { re: 0, im: 1 },
    ],
  ];

  it.each(cases)('%s: identical pixels and step counts', (_name, p, c) => {
    const fast = new Uint8Array(p.width * p.height * 3);
    const steps = renderRows(fast, p, c, 0, p.height);
    const ref = renderReference(p, c);
    expect(Buffer.from(fast).equals(Buffer.from(ref.pixels))).toBe(true);
    expect(steps).toBe(ref.steps);
    expect(Buffer.from(renderJulia(p, c)).equals(Buffer.from(fast))).toBe(true);
  });

  it('draws a band of rows at offset 0 of its buffer, equal to the same rows of the whole image', () => {
    const p = params({ width: 30, height: 20, iterations: 120 });
    const c = { re: -0.8, im: 0.156 };
    const whole = renderJulia(p, c);
    const band = new Uint8Array(5 * 30 * 3);
    renderRows(band, p, c, 7, 12);
    expect(Buffer.from(band).equals(Buffer.from(whole.subarray(7 * 90, 12 * 90)))).toBe(true);
  });

  it('rejects rows outside the image and a buffer that is too small', () => {
    const p = params({ width: 4, height: 4 });
    const c = { re: 0, im: 0 };
    expect(() => renderRows(new Uint8Array(48), p, c, 0, 5)).toThrow(/outside/);
    expect(() => renderRows(new Uint8Array(47), p, c, 0, 4)).toThrow(/too small/);
  });
});

describe('sampling and colour, by hand', () => {
  it('follows the original orbit and colour rule on hand-computed pixels', () => {
    // Height 1 samples ya (0), where the original divided by zero. Columns: −1, 0, 1. With c = 1:
    // z=0 → 1 → 2 → 5 escapes at i=3; z=±1 → 2 → 5 escapes at i=2.
    const p = params({ width: 3, height: 1, iterations: 100, xa: -1, xb: 1, ya: 0, yb: 5 });
    const img = renderJulia(p, { re: 1, im: 0 });
    expect(pixel(img, 3, 0, 0)).toEqual([64, 32, 16]);
    expect(pixel(img, 3, 1, 0)).toEqual([96, 48, 24]);
    expect(pixel(img, 3, 2, 0)).toEqual([64, 32, 16]);
  });

  it('gives a pixel that never escapes the colour of i = iterations − 1', () => {
    // z = 0, c = 0 stays at 0; i ends at 44: (44%8·32, 44%16·16, 44%32·8) = (128, 192, 96).
    const p = params({ width: 1, height: 1, iterations: 45, xa: 0, ya: 0 });
    expect(pixel(renderJulia(p, { re: 0, im: 0 }), 1, 0, 0)).toEqual([128, 192, 96]);
    const one = params({ width: 1, height: 1, iterations: 1, xa: 0, ya: 0 });
    expect(pixel(renderJulia(one, { re: 0, im: 0 }), 1, 0, 0)).toEqual([0, 0, 0]);
  });

  it('decides |z| = 2 as the original abs(z) > 2.0 did, not by the rounded |z|²', () => {
    // z = −1.6 − 1.2000000000000002i: |z|² rounds to just above 4, but hypot gives exactly 2, so the
    // original went on for one more step: i = 1, colour (32, 16, 8).
    const z = { re: -1.6, im: -1.2000000000000002 };
    expect(z.re * z.re + z.im * z.im).toBeGreaterThan(4);
    expect(Math.hypot(z.re, z.im)).toBe(2);
    const p = params({ width: 1, height: 1, iterations: 300, xa: z.re, ya: z.im });
    expect(pixel(renderJulia(p, { re: 0.285, im: 0.01 }), 1, 0, 0)).toEqual([32, 16, 8]);
  });

  it('puts ya in row 0 (the image is flipped relative to the maths axes)', () => {
    // Row 0: z = 0 never escapes (i = 9: (32, 144, 72)); row 1: z = 3i escapes at once (black).
    const p = params({ width: 1, height: 2, iterations: 10, xa: 0, xb: 0, ya: 0, yb: 3 });
    const img = renderJulia(p, { re: 0, im: 0 });
    expect(pixel(img, 1, 0, 0)).toEqual([32, 144, 72]);
    expect(pixel(img, 1, 0, 1)).toEqual([0, 0, 0]);
  });

  it('samples k·(b−a)/(n−1)+a, and a single sample at a', () => {
    expect([0, 1, 2, 3, 4].map((k) => sample(k, 5, -1, 1))).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(sample(0, 1, 0.25, 9)).toBe(0.25);
    // Reversed bounds run backwards, as in the original.
    expect(sample(2, 3, 1, -1)).toBe(-1);
  });

  it('colours i as (i%8·32, i%16·16, i%32·8)', () => {
    expect(colourOf(0)).toEqual([0, 0, 0]);
    expect(colourOf(7)).toEqual([224, 112, 56]);
    expect(colourOf(31)).toEqual([224, 240, 248]);
    expect(colourOf(33)).toEqual([32, 16, 8]);
  });

  it('reference pixel: the escape step of a hand-computed orbit', () => {
    // z = 0, c = 1: 0 → 1 → 2 → 5, |5| > 2 at step 3, after 3 updates.
    expect(referencePixel({ re: 0, im: 0 }, { re: 1, im: 0 }, 100)).toEqual({ i: 3, steps: 3 });
    expect(referencePixel({ re: 0, im: 0 }, { re: 0, im: 0 }, 7)).toEqual({ i: 6, steps: 7 });
  });
});
