// One timer for something that must happen "at or soon after" a moment: a queue's next message
// expiry, or the end of its x-expires lease. The owner asks for a moment as often as it likes
// (every enqueue, every basic.get); only an earlier moment than the one pending costs a new timer,
// so a busy queue keeps one timer rather than one per message or one per use. The callback
// re-checks what it is for and asks again if it is not due yet, which also covers moments beyond
// what setTimeout can wait for.

/** setTimeout's longest delay: anything above it fires after 1 ms instead. */
const MAX_DELAY_MS = 0x7fffffff;

export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  /** Epoch ms the pending timer is for; meaningless while none is pending. */
  private due = 0;

  constructor(private readonly onDue: () => void) {}

  /** Makes sure onDue runs at or soon after `when` (epoch ms); an earlier pending moment stands. */
  at(when: number): void {
    if (this.timer !== undefined) {
      if (this.due <= when) return;
      clearTimeout(this.timer);
    }
    this.due = when;
    this.timer = setTimeout(this.fire, Math.min(Math.max(when - Date.now(), 0), MAX_DELAY_MS));
    // A pending expiry is no reason to keep the process alive.
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    // A capped delay (or the timer clock running a hair ahead of Date.now()) wakes us early.
    if (Date.now() < this.due) this.at(this.due);
    else this.onDue();
  };
}
