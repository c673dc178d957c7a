// A join code is short enough to read out to a room, so it must not be guessable by trying: each
// address gets a few wrong codes a minute, then a 429 until the minute is over. A room's students
// share one address behind a NAT, so the limit is far above what typing mistakes need, and a right
// code is never counted.
export const WRONG_CODES_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

export class WrongCodeLimit {
  readonly #windows = new Map<string, { since: number; count: number }>();
  readonly #perMinute: number;

  constructor(perMinute = WRONG_CODES_PER_MINUTE) {
    this.#perMinute = perMinute;
  }

  /** Whether `address` has used up its wrong codes for now. */
  blocked(address: string, now: number): boolean {
    const window = this.#windows.get(address);
    return window !== undefined && now - window.since < WINDOW_MS && window.count >= this.#perMinute;
  }

  /** Counts a wrong code from `address`. */
  count(address: string, now: number): void {
    const window = this.#windows.get(address);
    if (!window || now - window.since >= WINDOW_MS) {
      // Old windows go when a new one starts, so the map holds only the last minute's addresses.
      for (const [other, w] of this.#windows) if (now - w.since >= WINDOW_MS) this.#windows.delete(other);
      this.#windows.set(address, { since: now, count: 1 });
    } else window.count++;
  }
}
