// The class view pushed to every open board page: one view when a page connects, then one per change,
// coalesced so that a room of forty tutors reporting at once costs a page at most a few views a second
// (the view is serialised once per push, whoever listens). Also wakes the board when the clock alone
// makes a student stuck (too long on one chapter), so the page needs no rule of its own.
import type { Roster } from './roster.ts';
import { type BoardView, nextSlowAt } from './state.ts';

/** At most four views a second per page. */
export const MIN_PUSH_INTERVAL_MS = 250;

export interface FeedOptions {
  view: () => BoardView;
  roster: Roster;
  now: () => number;
  stuckAfterMs: number;
  minIntervalMs?: number;
}

export class ClassFeed {
  readonly #subscribers = new Set<(view: string) => void>();
  readonly #options: FeedOptions;
  readonly #minIntervalMs: number;
  readonly #stopWatching: () => void;
  #pending: NodeJS.Timeout | undefined;
  #slowTimer: NodeJS.Timeout | undefined;
  #lastPush = 0;

  constructor(options: FeedOptions) {
    this.#options = options;
    this.#minIntervalMs = options.minIntervalMs ?? MIN_PUSH_INTERVAL_MS;
    this.#stopWatching = options.roster.onChange(() => this.#changed());
    this.#watchClock();
  }

  /** `send` gets the serialised view now and after changes; returns the way to stop. */
  subscribe(send: (view: string) => void): () => void {
    this.#subscribers.add(send);
    send(JSON.stringify(this.#options.view()));
    return () => this.#subscribers.delete(send);
  }

  close(): void {
    this.#stopWatching();
    clearTimeout(this.#pending);
    clearTimeout(this.#slowTimer);
    this.#subscribers.clear();
  }

  #changed(): void {
    this.#watchClock();
    if (this.#pending || this.#subscribers.size === 0) return;
    const wait = Math.max(0, this.#lastPush + this.#minIntervalMs - Date.now());
    this.#pending = setTimeout(() => this.#push(), wait);
  }

  #push(): void {
    this.#pending = undefined;
    this.#lastPush = Date.now();
    const text = JSON.stringify(this.#options.view());
    for (const send of this.#subscribers) send(text);
  }

  /** A timer for the next student who becomes stuck by time alone. */
  #watchClock(): void {
    clearTimeout(this.#slowTimer);
    const { roster, now, stuckAfterMs } = this.#options;
    const at = nextSlowAt(roster.students(), now(), stuckAfterMs);
    if (at === null) return;
    // setTimeout holds at most 2^31-1 ms; a later wake-up re-arms itself.
    this.#slowTimer = setTimeout(() => roster.touch(), Math.min(Math.max(0, at - now()), 2 ** 31 - 1));
    this.#slowTimer.unref();
  }
}
