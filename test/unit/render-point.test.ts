import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptable, chooseC, escapeStep, FALLBACK_C, uniformFrom } from '../../src/faafo/render/point.ts';
import { referencePixel } from '../../src/faafo/render/reference.ts';

const region = { xa: -2.5, xb: 1.5, ya: -1.5, yb: 1.5 };

describe('chooseC', () => {
  it('gives the same c for the same uuid', () => {
    const uuid = '6e8f2a4c-3b1d-4c5e-9f7a-1b2c3d4e5f60';
    expect(chooseC(uuid, region)).toEqual(chooseC(uuid, { ...region }));
  });

  it('is pinned: a change here changes every image (and checksum) already produced', () => {
    expect(chooseC('00000000-0000-4000-8000-000000000000', region)).toMatchInlineSnapshot(`
      {
        "im": 0.2219494176996979,
        "re": -0.7767043788779575,
      }
    `);
  });

  it('gives different uuids different c', () => {
    const cs = new Set<string>();
    for (let k = 0; k < 300; k++) {
      const c = chooseC(randomUUID(), region);
      cs.add(`${c.re},${c.im}`);
    }
    expect(cs.size).toBe(300);
  });

  it('accepts only c whose orbit escapes at a step i with 10 < i < 100, inside the region', () => {
    for (let k = 0; k < 200; k++) {
      const c = chooseC(randomUUID(), region);
      // Checked independently with the plain reference and a long budget, as the original would.
      const { i } = referencePixel(c, c, 1000);
      expect(i).toBeGreaterThan(10);
      expect(i).toBeLessThan(100);
      expect(c.re).toBeGreaterThanOrEqual(region.xa);
      expect(c.re).toBeLessThan(region.xb);
      expect(c.im).toBeGreaterThanOrEqual(region.ya);
      expect(c.im).toBeLessThan(region.yb);
    }
  });

  it('falls back to a constant for a region far from the set, and for one inside it', () => {
    expect(chooseC(randomUUID(), { xa: 10, xb: 20, ya: 10, yb: 20 })).toEqual(FALLBACK_C);
    // Points near 0 never escape, so none qualifies either: bounded attempts, then the fallback.
    expect(chooseC(randomUUID(), { xa: -0.1, xb: 0.1, ya: -0.1, yb: 0.1 })).toEqual(FALLBACK_C);
  });

  it('rejects a region that is not finite', () => {
    expect(() => chooseC('x', { ...region, xb: Number.NaN })).toThrow(/xb must be a finite number/);
    expect(() => chooseC('x', { ...region, ya: Number.NEGATIVE_INFINITY })).toThrow(/ya/);
  });
});

describe('the orbit test', () => {
  it('escapeStep matches the reference orbit', () => {
    for (const c of [
      { re: -0.75, im: 0.1 },
      { re: 0.3, im: 0.02 },
      { re: -1.8, im: 0.5 },
    ]) {
      expect(escapeStep(c)).toBe(referencePixel(c, c, 1000).i);
    }
    expect(escapeStep({ re: 3, im: 0 })).toBe(0);
    expect(escapeStep({ re: 0, im: 0 })).toBe(-1);
  });

  it('accepts escapes at steps 11 to 99 only', () => {
    // Real c just above 1/4 escapes slowly; these escape at steps 10, 11, 99 and 311.
    expect(escapeStep({ re: 0.30675, im: 0 })).toBe(10);
    expect(acceptable({ re: 0.30675, im: 0 })).toBe(false);
    expect(escapeStep({ re: 0.299, im: 0 })).toBe(11);
    expect(acceptable({ re: 0.299, im: 0 })).toBe(true);
    expect(escapeStep({ re: 0.250945, im: 0 })).toBe(99);
    expect(acceptable({ re: 0.250945, im: 0 })).toBe(true);
    expect(referencePixel({ re: 0.2501, im: 0 }, { re: 0.2501, im: 0 }, 1000).i).toBe(311);
    expect(acceptable({ re: 0.2501, im: 0 })).toBe(false);
    expect(acceptable({ re: 0, im: 0 })).toBe(false);
    expect(acceptable({ re: 3, im: 0 })).toBe(false);
  });
});

describe('uniformFrom', () => {
  it('is in [0, 1), reproducible, and roughly uniform', () => {
    const a = uniformFrom('seed');
    const b = uniformFrom('seed');
    let sum = 0;
    for (let k = 0; k < 10_000; k++) {
      const u = a();
      expect(u).toBe(b());
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
    expect(uniformFrom('other')()).not.toBe(uniformFrom('seed')());
  });
});
