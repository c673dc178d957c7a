// A double-ended queue on a growable ring buffer: O(1) push/shift at the tail/head and O(1)
// unshift at the head (requeued messages go back there). Array.prototype.shift is O(n) on large
// arrays, which would make a queue of a million ready messages quadratic to drain.
export class Deque<T> {
  private buffer: Array<T | undefined>;
  private head = 0;
  private size = 0;
  // capacity - 1; capacity is always a power of two so wrap-around is a mask, not a modulo.
  private mask: number;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.buffer = new Array<T | undefined>(capacity);
    this.mask = capacity - 1;
  }

  get length(): number {
    return this.size;
  }

  push(value: T): void {
    if (this.size === this.buffer.length) this.resize(this.buffer.length * 2);
    this.buffer[(this.head + this.size) & this.mask] = value;
    this.size++;
  }

  unshift(value: T): void {
    if (this.size === this.buffer.length) this.resize(this.buffer.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.buffer[this.head] = value;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const value = this.buffer[this.head];
    // Drop the reference so a drained queue does not keep message bodies alive.
    this.buffer[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    // Give memory back after a burst, with hysteresis so a queue hovering around a power of two
    // does not resize on every operation.
    if (this.buffer.length > 1024 && this.size < this.buffer.length >>> 3)
      this.resize(this.buffer.length >>> 1);
    return value;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.buffer[this.head];
  }

  /** The i-th element from the head (0 = head). */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.buffer[(this.head + index) & this.mask];
  }

  /** Empties the deque, returning its elements head first. */
  drain(): T[] {
    const out = this.toArray();
    this.buffer = new Array<T | undefined>(16);
    this.mask = 15;
    this.head = 0;
    this.size = 0;
    return out;
  }

  toArray(): T[] {
    const out = new Array<T>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.buffer[(this.head + i) & this.mask] as T;
    return out;
  }

  private resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.size; i++) next[i] = this.buffer[(this.head + i) & this.mask];
    this.buffer = next;
    this.head = 0;
    this.mask = capacity - 1;
  }
}
