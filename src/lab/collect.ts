// Reading a meter in the background while a load runs: the samples pile up in an array the caller
// can look at any time, and `stop` ends the meter (through the AbortSignal it was made with) and
// waits for its last reading. What the bench, the tests and a scenario need from a meter they do
// not draw live; the tutor reads the same meters with `for await` instead.
export interface Collecting<T> {
  /** Every sample so far, in order. */
  readonly samples: T[];
  /** Ends the meter and resolves with every sample; a meter that threw rejects here. */
  stop(): Promise<T[]>;
}

/** `meter` must end when `controller` aborts (every lab meter takes it as `signal`). */
export function collect<T>(meter: AsyncIterable<T>, controller: AbortController): Collecting<T> {
  const samples: T[] = [];
  const reading = (async () => {
    for await (const sample of meter) samples.push(sample);
  })();
  // Until stop() is awaited, a failure must not become an unhandled rejection.
  reading.catch(() => {});
  return {
    samples,
    async stop() {
      controller.abort();
      await reading;
      return samples;
    },
  };
}
