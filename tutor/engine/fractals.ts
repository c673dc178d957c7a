// Small helpers for the fractals the tutor asks for itself (chapter 2's first fractal, chapter 7's
// drill): a task of a given side, and waiting until given fractals are drawn.
import { randomUUID } from 'node:crypto';
import type { FaafoClient } from '../../src/faafo/cli/client.ts';
import type { Fractal, NewFractal } from '../../src/faafo/model.ts';

/** The Mandelbrot set's usual window, `side` pixels square. */
export function smallFractal(side: number, iterations = 256): NewFractal {
  return { uuid: randomUUID(), width: side, height: side, iterations, xa: -2, xb: 1, ya: -1.5, yb: 1.5 };
}

/** The fractals of `uuids` once none is pending, or as they are when `timeoutMs` has passed. */
export async function awaitDrawn(
  client: FaafoClient,
  uuids: readonly string[],
  timeoutMs: number,
): Promise<Fractal[]> {
  const wanted = new Set(uuids);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = (await client.listAll()).filter((f) => wanted.has(f.uuid));
    if (mine.every((f) => f.state !== 'pending') || Date.now() >= deadline) return mine;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
