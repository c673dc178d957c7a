// A repeatable stream of draws for the batch: "the same batch on one worker and on three" must be
// the same fractals, not five new random ones whose cost differs by a factor of ten (a Julia set's
// cost depends on its region and iterations). mulberry32: small, fast, and good enough to pick task
// parameters; the seed is written in the run record so a later run can replay it.
import type { RandomSource } from '../faafo/cli/random-task.ts';

/** Numbers in [0, 1), the same sequence for the same 32-bit seed. */
export function seededRandom(seed: number): RandomSource {
  if (!Number.isInteger(seed)) {
    throw new RangeError(`A seed must be a whole number; ${seed} was given.`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
