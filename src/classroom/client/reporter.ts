// A student's progress on its way to the board, without ever holding the lesson up: send() only
// queues (it never waits and never throws), and one loop posts what is queued in batches, in order.
// While the board is away the loop retries with a growing pause and keeps the events (up to a bound:
// the oldest are kept, in order, the newest beyond it dropped and counted), saying so once per
// outage and once when the board is back. A batch is at most MAX_EVENTS_PER_POST events and 32 KB. A stale token (401) is said once and reporting stops.
// close() sends what it can within its time limit and then lets the lesson end. Loaded by the
// notebooks as CommonJS too: no import.meta, no top-level await; the global fetch.
import { MAX_EVENTS_PER_POST, type ProgressEvent, progressEvent } from '../protocol.ts';
import { boardAddress, unreachableReason } from './board-address.ts';

export interface ReporterOptions {
  /** The board's address, as the student joined it. */
  url: string;
  /** The student's token from the join reply. */
  token: string;
  /** One line for the student: the board went away, came back, or no longer knows the token. */
  onTrouble(line: string): void;
  /** Events kept while the board is away (default 5000; a whole lesson sends about a hundred). */
  maxQueued?: number;
  /** Each POST's own limit (default 5 s). */
  requestTimeoutMs?: number;
  /** The first pause after a failure, doubled each time up to maxRetryMs (defaults 500 ms and 15 s). */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

export interface Reporter {
  /** Queues one event; returns at once. */
  send(event: ProgressEvent): void;
  /** Sends what is queued within timeoutMs (default 3 s), then stops; never takes longer. */
  close(timeoutMs?: number): Promise<void>;
}

/** A batch's JSON stays under this (the board takes 64 KB; 200 checks with long `saw` would not fit). */
export const MAX_BATCH_BYTES = 32 * 1024;

/** The longest run from the queue's front that fits one POST (at least one event). */
function nextBatch(queue: readonly ProgressEvent[]): ProgressEvent[] {
  let bytes = 0;
  let count = 0;
  while (count < queue.length && count < MAX_EVENTS_PER_POST) {
    bytes += Buffer.byteLength(JSON.stringify(queue[count])) + 1;
    if (count > 0 && bytes > MAX_BATCH_BYTES) break;
    count += 1;
  }
  return queue.slice(0, count);
}

type Outcome = 'sent' | 'away' | 'stale' | 'refused';

export function createReporter(options: ReporterOptions): Reporter {
  const board = boardAddress(options.url);
  const maxQueued = options.maxQueued ?? 5_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const firstRetryMs = options.firstRetryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 15_000;
  const queue: ProgressEvent[] = [];
  let dropped = 0;
  let away = false;
  let stopped = false;
  let closing = false;
  let loop: Promise<void> | undefined;
  let inFlight: AbortController | undefined;
  let wake: (() => void) | undefined;

  const say = (line: string) => {
    try {
      options.onTrouble(line);
    } catch {
      // The student's screen is not ours to break.
    }
  };

  /** Waits `ms`, or less when close() wants one more try now. Unref'd: it never keeps a process alive. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function post(batch: ProgressEvent[]): Promise<{ outcome: Outcome; why: string }> {
    const controller = new AbortController();
    inFlight = controller;
    const timer = setTimeout(
      () => controller.abort(new DOMException('timeout', 'TimeoutError')),
      requestTimeoutMs,
    );
    try {
      const response = await fetch(board.route('api/events'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ events: batch }),
        signal: controller.signal,
      });
      const text = await response.text().catch(() => '');
      if (response.status === 202 || response.status === 200) return { outcome: 'sent', why: '' };
      if (response.status === 401) return { outcome: 'stale', why: '' };
      if (response.status === 400) return { outcome: 'refused', why: text.slice(0, 200) };
      return { outcome: 'away', why: `HTTP ${response.status}` };
    } catch (error) {
      return { outcome: 'away', why: unreachableReason(controller.signal.reason ?? error, requestTimeoutMs) };
    } finally {
      clearTimeout(timer);
      inFlight = undefined;
    }
  }

  async function run(): Promise<void> {
    let retryMs = firstRetryMs;
    while (queue.length > 0 && !stopped) {
      const batch = nextBatch(queue);
      const { outcome, why } = await post(batch);
      if (stopped) return;
      if (outcome === 'sent' || outcome === 'refused') {
        queue.splice(0, batch.length);
        retryMs = firstRetryMs;
        if (outcome === 'refused')
          say(
            `The board at ${board.shown} refused ${batch.length} progress events as malformed (${why}); they were left out.`,
          );
        if (away) {
          away = false;
          const lost =
            dropped > 0 ? ` (${dropped} events from while it was away did not fit and were left out)` : '';
          dropped = 0;
          say(`The board at ${board.shown} answers again; your progress is reported again${lost}.`);
        }
        continue;
      }
      if (outcome === 'stale') {
        stopped = true;
        queue.length = 0;
        say(
          `The board at ${board.shown} no longer knows this student (a stale token: was the board restarted?); progress is no longer reported. Join again to be seen.`,
        );
        return;
      }
      if (!away) {
        away = true;
        say(
          `The board at ${board.shown} stopped answering (${why}); the lesson goes on and reports again when it is back.`,
        );
      }
      if (closing) {
        // close() is waiting: keep trying, a little at a time, until its limit stops us.
        await pause(Math.min(retryMs, 250));
      } else {
        await pause(retryMs);
        retryMs = Math.min(retryMs * 2, maxRetryMs);
      }
    }
  }

  function kick() {
    if (loop || stopped) return;
    loop = run().finally(() => {
      loop = undefined;
      // Events queued while the last POST was on its way.
      if (queue.length > 0 && !stopped) kick();
    });
  }

  return {
    send(event) {
      if (stopped) return;
      const parsed = progressEvent.safeParse(event);
      if (!parsed.success) return; // A mapping's bug never reaches the board, nor the lesson.
      if (queue.length >= maxQueued) {
        dropped += 1;
        return;
      }
      queue.push(parsed.data);
      kick();
    },
    async close(timeoutMs = 3_000) {
      closing = true;
      wake?.();
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      const drained = (async () => {
        while (loop) await loop;
      })();
      await Promise.race([drained, limit]);
      clearTimeout(timer);
      stopped = true;
      wake?.();
      inFlight?.abort();
    },
  };
}
