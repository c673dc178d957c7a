// Runs async jobs with at most `limit` in flight, keeping results in input order. Used by
// `faafo create`: a few parallel POSTs are much faster than one at a time, while a bounded number
// does not flood the API (the original sent them one by one; 500 at once overloads a small node).

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: unknown }
  | { ok: false; skipped: true };

export async function mapBounded<I, T>(
  items: readonly I[],
  limit: number,
  job: (item: I, index: number) => Promise<T>,
  options: { stopOn?: (error: unknown) => boolean; onSettled?: () => void } = {},
): Promise<Outcome<T>[]> {
  const outcomes: Outcome<T>[] = items.map(() => ({ ok: false, skipped: true }));
  let next = 0;
  let stopped = false;
  const lane = async (): Promise<void> => {
    while (!stopped && next < items.length) {
      const index = next++;
      try {
        outcomes[index] = { ok: true, value: await job(items[index]!, index) };
      } catch (error) {
        outcomes[index] = { ok: false, error };
        // No point sending the rest to a server that is not there.
        if (options.stopOn?.(error)) stopped = true;
      }
      options.onSettled?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return outcomes;
}
