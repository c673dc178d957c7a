// Runs async jobs over a stream of inputs with at most `limit` in flight, handing on each outcome
// in input order. Used by `faafo create`: a few parallel POSTs are much faster than one at a time,
// while a bounded number does not flood the API (the original sent them one by one; 500 at once
// overloads a small node). Inputs are pulled from an iterator only as a lane frees up and each
// outcome is yielded as soon as it is the oldest, so neither all inputs nor all outcomes are ever
// in memory: a batch of 50 000 needs no more than a batch of 50.

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function* mapBounded<I, T>(
  items: Iterable<I>,
  limit: number,
  job: (item: I) => Promise<T>,
  options: { stopOn?: (error: unknown) => boolean } = {},
): AsyncGenerator<Outcome<T>, void, undefined> {
  const source = items[Symbol.iterator]();
  // Jobs started whose outcomes are not handed on yet, oldest first; never more than `limit`.
  const window: Promise<Outcome<T>>[] = [];
  let stopped = false;
  let exhausted = false;
  const settle = (item: I): Promise<Outcome<T>> =>
    job(item).then(
      (value) => ({ ok: true, value }),
      (error: unknown) => {
        // No point sending the rest to a server that is not there.
        if (options.stopOn?.(error)) stopped = true;
        return { ok: false, error };
      },
    );
  for (;;) {
    while (!stopped && !exhausted && window.length < Math.max(1, limit)) {
      const next = source.next();
      if (next.done) exhausted = true;
      else window.push(settle(next.value));
    }
    const oldest = window.shift();
    if (oldest === undefined) return;
    yield await oldest;
  }
}
