// Runs an async function one call at a time, in the order called: two students joining at once must
// not both take the last place of a room, nor the same project name. A failed call does not stop
// the ones after it.
export function oneAtATime<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...args) => {
    const result = last.then(() => fn(...args));
    last = result.catch(() => undefined);
    return result;
  };
}
