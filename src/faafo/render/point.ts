// Choosing the Julia constant c. The original drew it at random on every render, so a redelivered
// task produced a different image (and checksum). Here the randomness is seeded from the fractal's
// uuid: same uuid, same c, same image. The acceptance rule is the original's.
import { createHash } from 'node:crypto';
import { orbitSteps } from './julia.ts';
import { type Complex, type Region, validateRegion } from './params.ts';

/** Used when no point of the region passes the test (a region far from the Mandelbrot set). */
export const FALLBACK_C: Complex = Object.freeze({ re: -0.8, im: 0.156 });

/** How many candidates are tried before falling back: bounded, unlike the original's loop. */
export const MAX_ATTEMPTS = 100_000;

// The original accepted c when its orbit escaped at a step i with 10 < i < 100. With a task's
// iterations ≥ 101 that depends only on the first 100 steps, so a fixed budget of 100 checks gives
// the original's rule, and cannot loop forever when the task's iterations are ≤ 11.
const ORBIT_CHECKS = 100;

/**
 * The step at which c's orbit (starting at z = c) escapes (abs(z) > 2), or −1 when it has not escaped
 * after ORBIT_CHECKS checks.
 */
export function escapeStep(c: Complex): number {
  const steps = orbitSteps(c.re, c.im, c.re, c.im, ORBIT_CHECKS);
  return steps < ORBIT_CHECKS ? steps : -1;
}

/** The original's acceptance test: the orbit escapes at step i with 10 < i < 100. */
export function acceptable(c: Complex): boolean {
  const i = escapeStep(c);
  return i > 10 && i < 100;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), 32-bit state words. */
function sfc32(seed: Uint32Array): () => number {
  let a = seed[0]!;
  let b = seed[1]!;
  let c = seed[2]!;
  let d = seed[3]!;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Mix the seed in before the first output is used, as the generator's author recommends.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform generator in [0, 1) with 53 random bits, seeded from sha256(text). */
export function uniformFrom(text: string): () => number {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  const seed = new Uint32Array(4);
  for (let k = 0; k < 4; k++) seed[k] = digest.readUInt32LE(k * 4) ^ digest.readUInt32LE(16 + k * 4);
  const next = sfc32(seed);
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

/** The Julia constant for a fractal: deterministic in its uuid, drawn from its region. */
export function chooseC(uuid: string, region: Region): Complex {
  const { xa, xb, ya, yb } = validateRegion(region);
  const uniform = uniformFrom(uuid);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const c = { re: uniform() * (xb - xa) + xa, im: uniform() * (yb - ya) + ya };
    if (acceptable(c)) return c;
  }
  return { ...FALLBACK_C };
}
