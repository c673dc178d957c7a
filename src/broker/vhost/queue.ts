// One queue: its ready messages in order, its consumers, how many of its messages are out for
// acknowledgement, and the rules for handing the next message to the next consumer. What a
// message leaving the queue means for the store and for memory accounting is the host's business
// (the virtual host implements QueueHost).
import { randomBytes } from 'node:crypto';
import { channelError, REPLY } from '../errors.ts';
import { fieldNumber, fieldTypeName, resourceName } from './arguments.ts';
import type { ConsumerSink, Delivery, StoredMessage } from './contracts.ts';
import type { DeadLetterTarget } from './dead-letter.ts';
import { Deadline } from './deadline.ts';
import { Deque } from './deque.ts';
import type { Binding } from './exchange.ts';

/** A message plus how many queues currently hold it (ready or unacknowledged). */
export interface HeldMessage extends StoredMessage {
  refs: number;
}

export const READY = 0;
export const UNACKED = 1;
export const GONE = 2;
export type EntryState = typeof READY | typeof UNACKED | typeof GONE;

/**
 * A message's stay in one queue. It is also the Delivery handed to the channel (one allocation
 * per message per queue), and comes back to ack/requeue/discard, which find the queue through
 * `owner` without a lookup. `state` makes a second ack of the same delivery harmless.
 */
export interface QueueEntry extends Delivery {
  readonly owner: Queue;
  readonly message: HeldMessage;
  redelivered: boolean;
  /** Epoch ms from which the message is dropped instead of delivered; Infinity without TTL. */
  expiresAt: number;
  state: EntryState;
}

/** Why the queue itself let go of a message (x-death's names); see QueueHost.released. */
export type DropReason = 'expired' | 'maxlen';

export interface QueueHost {
  /**
   * The entry left the queue for good without an ack: sent noAck (no reason), or dropped because
   * it expired or x-max-length pushed it out (those may be dead-lettered).
   */
  released(entry: QueueEntry, reason?: DropReason): void;
  /** The entry was sent to a consumer or basic.get that must acknowledge it. */
  delivered(entry: QueueEntry): void;
  /** The queue's x-expires lease ran out: nobody used it for that long. */
  unused(queue: Queue): void;
}

/** "amq.gen-" and 22 URL-safe base64 characters, as RabbitMQ names server-named queues. */
export const serverQueueName = () => `amq.gen-${randomBytes(16).toString('base64url')}`;

/** Arguments that must match when a queue is redeclared (RabbitMQ compares these, ignores others). */
export const QUEUE_EQUIVALENT_ARGS = [
  'x-expires',
  'x-message-ttl',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-max-length',
  'x-max-length-bytes',
  'x-max-priority',
  'x-overflow',
  'x-queue-mode',
  'x-queue-type',
  'x-single-active-consumer',
] as const;

export interface QueueLimits {
  maxLength: number | undefined;
  messageTtl: number | undefined;
  /** x-expires: ms without use after which the queue deletes itself. */
  expires: number | undefined;
}

/** Reads x-max-length, x-message-ttl and x-expires, refusing bad values with RabbitMQ's 406 text. */
export function queueLimits(name: string, vhost: string, args: Record<string, unknown>): QueueLimits {
  const read = (key: string, positive = false): number | undefined => {
    const raw = args[key];
    if (raw === undefined || raw === null) return undefined;
    const n = fieldNumber(raw);
    const problem =
      n === undefined || !Number.isInteger(n)
        ? `"expected integer, got ${fieldTypeName(raw)}"`
        : n < 0
          ? `{value_negative,${n}}`
          : n === 0 && positive
            ? `{value_zero,${n}}`
            : undefined;
    if (problem !== undefined) {
      throw channelError(
        REPLY.PRECONDITION_FAILED,
        `invalid arg '${key}' for ${resourceName('queue', name, vhost)}: ${problem}`,
      );
    }
    return n;
  };
  return {
    maxLength: read('x-max-length'),
    messageTtl: read('x-message-ttl'),
    expires: read('x-expires', true),
  };
}

export interface QueueInit {
  name: string;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
  /** The owning connection of an exclusive queue. */
  owner: string | undefined;
  limits: QueueLimits;
  deadLetter: DeadLetterTarget | undefined;
}

export class Queue {
  readonly kind = 'queue' as const;
  readonly name: string;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: Record<string, unknown>;
  readonly owner: string | undefined;
  readonly maxLength: number | undefined;
  readonly messageTtl: number | undefined;
  readonly expires: number | undefined;
  readonly deadLetter: DeadLetterTarget | undefined;
  readonly ready = new Deque<QueueEntry>();
  readonly consumers: ConsumerSink[] = [];
  /** Bindings for which this queue is the destination. */
  readonly incoming = new Set<Binding>();
  unacked = 0;
  /** Auto-delete applies only to a queue that has had a consumer. */
  hadConsumer = false;
  deleted = false;
  /** Routing pass that last picked this queue (de-duplication without a Set per message). */
  mark = 0;
  /** Next consumer to try, for round robin. */
  private cursor = 0;
  private dispatching = false;
  private dispatchAgain = false;
  /** Drops the head when it expires, so expiry (and dead-lettering) does not wait for a reader. */
  private expiry: Deadline | undefined;
  /** x-expires: the lease runs from the last use while there are no consumers. */
  private lease: Deadline | undefined;
  private lastUsed = 0;

  constructor(
    init: QueueInit,
    private readonly host: QueueHost,
  ) {
    this.name = init.name;
    this.durable = init.durable;
    this.exclusive = init.exclusive;
    this.autoDelete = init.autoDelete;
    this.arguments = init.arguments;
    this.owner = init.owner;
    this.maxLength = init.limits.maxLength;
    this.messageTtl = init.limits.messageTtl;
    this.expires = init.limits.expires;
    this.deadLetter = init.deadLetter;
  }

  get exclusiveConsumer(): boolean {
    return this.consumers.length === 1 && this.consumers[0]!.exclusive;
  }

  /**
   * Appends a message (at most once per queue per publish). `messageTtl` is the per-message
   * expiration. A message whose TTL is 0 is handed to a consumer right here or dropped as expired.
   */
  enqueue(message: HeldMessage, redelivered: boolean, messageTtl: number | undefined): void {
    const ttl =
      this.messageTtl === undefined
        ? messageTtl
        : messageTtl === undefined
          ? this.messageTtl
          : Math.min(this.messageTtl, messageTtl);
    const entry: QueueEntry = {
      queue: this.name,
      message,
      redelivered,
      owner: this,
      expiresAt: ttl === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttl,
      state: READY,
    };
    if (ttl === 0) {
      // RabbitMQ: TTL 0 means now or never. Only an empty queue hands a message straight to a
      // consumer; behind other ready messages it would be older than 0 ms by its turn.
      if (this.ready.length > 0) this.expireHead();
      const consumer = this.ready.length === 0 ? this.nextConsumer() : undefined;
      if (consumer) this.hand(consumer, entry);
      else this.drop(entry, 'expired');
      return;
    }
    this.ready.push(entry);
    this.enforceMaxLength();
    if (ttl !== undefined) this.watchExpiry();
  }

  /** x-max-length with the default overflow behaviour, drop-head: the oldest ready messages go. */
  private enforceMaxLength(): void {
    if (this.maxLength === undefined) return;
    while (this.ready.length > this.maxLength) this.drop(this.ready.shift()!, 'maxlen');
  }

  /**
   * Puts entries back (their state already READY, redelivered set). Ready messages are kept in
   * publish order (ids ascend), so the requeued ones are merged into the head by id: only the
   * head run with smaller ids (other requeued messages) is touched.
   */
  requeue(entries: QueueEntry[]): void {
    if (entries.length === 0) return;
    entries.sort((a, b) => a.message.id - b.message.id);
    const maxId = entries[entries.length - 1]!.message.id;
    const head: QueueEntry[] = [];
    while (this.ready.length > 0 && this.ready.peek()!.message.id < maxId) head.push(this.ready.shift()!);
    const merged: QueueEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < entries.length || j < head.length) {
      const a = entries[i];
      const b = head[j];
      if (b === undefined || (a !== undefined && a.message.id < b.message.id)) {
        merged.push(a!);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    for (let k = merged.length - 1; k >= 0; k--) this.ready.unshift(merged[k]!);
    // RabbitMQ applies the limit to requeued messages too (they are the head, so they go first).
    this.enforceMaxLength();
    // Requeued messages keep their expiry, which may come before the one being watched.
    this.watchExpiry();
  }

  /** The next live ready message, for basic.get; expired heads are dropped on the way. */
  take(): QueueEntry | undefined {
    let now = 0;
    for (;;) {
      const entry = this.ready.shift();
      if (entry === undefined) return undefined;
      if (entry.expiresAt !== Number.POSITIVE_INFINITY) {
        if (now === 0) now = Date.now();
        if (entry.expiresAt <= now) {
          this.drop(entry, 'expired');
          continue;
        }
      }
      // The new head may expire before anything being watched (it was behind one without TTL).
      if (this.ready.length > 0 && this.ready.peek()!.expiresAt !== Number.POSITIVE_INFINITY)
        this.watchExpiry();
      return entry;
    }
  }

  /** Drops expired messages at the head, so counts reported to clients leave them out. */
  expireHead(): void {
    const first = this.ready.peek();
    if (first === undefined || first.expiresAt === Number.POSITIVE_INFINITY) return;
    const now = Date.now();
    for (
      let head = this.ready.peek();
      head !== undefined && head.expiresAt <= now;
      head = this.ready.peek()
    ) {
      this.drop(this.ready.shift()!, 'expired');
    }
    this.watchExpiry();
  }

  /** Has the expiry timer wake up for the head, if it can expire (only the head ever expires). */
  private watchExpiry(): void {
    const head = this.ready.peek();
    if (head === undefined || head.expiresAt === Number.POSITIVE_INFINITY || this.deleted) return;
    this.expiry ??= new Deadline(this.onExpiryDue);
    this.expiry.at(head.expiresAt);
  }

  private readonly onExpiryDue = (): void => {
    if (!this.deleted) this.expireHead();
  };

  /**
   * The queue was used (declared, redeclared, basic.get) or lost its last consumer: an x-expires
   * lease starts again. Cheap enough for every basic.get: the timer is only re-armed when it fires.
   */
  touch(): void {
    if (this.expires === undefined || this.deleted) return;
    this.lastUsed = Date.now();
    if (this.consumers.length > 0) return;
    this.lease ??= new Deadline(this.onLeaseDue);
    this.lease.at(this.lastUsed + this.expires);
  }

  private readonly onLeaseDue = (): void => {
    // With consumers the queue is in use; losing the last one starts the lease again (touch).
    if (this.deleted || this.consumers.length > 0 || this.expires === undefined) return;
    const due = this.lastUsed + this.expires;
    if (Date.now() < due) this.lease!.at(due);
    else this.host.unused(this);
  };

  /** The queue is gone (or the broker is closing): no timer may act on it any more. */
  stopTimers(): void {
    this.expiry?.clear();
    this.lease?.clear();
  }

  /** All ready messages, removed (purge, delete). The caller settles them. */
  takeAllReady(): QueueEntry[] {
    const all = this.ready.drain();
    for (const entry of all) entry.state = GONE;
    return all;
  }

  addConsumer(consumer: ConsumerSink): void {
    this.consumers.push(consumer);
    this.hadConsumer = true;
  }

  /** Removes the consumer with this tag (and, when given, this identity); returns it. */
  removeConsumer(tag: string, consumer?: ConsumerSink): ConsumerSink | undefined {
    const index = this.consumers.findIndex(
      (c) => c.tag === tag && (consumer === undefined || c === consumer),
    );
    if (index < 0) return undefined;
    const [removed] = this.consumers.splice(index, 1);
    if (this.cursor > index) this.cursor--;
    if (this.consumers.length === 0) this.touch();
    return removed;
  }

  /**
   * Hands ready messages to consumers, round robin among those with capacity, until the queue
   * is empty or no consumer can take more. Re-entrant calls (a sink that acks inside deliver)
   * are folded into the running loop instead of recursing.
   */
  dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        this.dispatchLoop();
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private dispatchLoop(): void {
    const consumers = this.consumers;
    while (this.ready.length > 0 && consumers.length > 0 && !this.deleted) {
      const consumer = this.nextConsumer();
      if (consumer === undefined) return;
      const entry = this.take();
      if (entry === undefined) return;
      this.hand(consumer, entry);
    }
  }

  private hand(consumer: ConsumerSink, entry: QueueEntry): void {
    if (consumer.noAck) {
      entry.state = GONE;
      consumer.deliver(entry);
      this.host.released(entry);
    } else {
      entry.state = UNACKED;
      this.unacked++;
      this.host.delivered(entry);
      consumer.deliver(entry);
    }
  }

  private nextConsumer(): ConsumerSink | undefined {
    const consumers = this.consumers;
    const n = consumers.length;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const consumer = consumers[index]!;
      if (consumer.hasCapacity()) {
        this.cursor = index + 1 === n ? 0 : index + 1;
        return consumer;
      }
    }
    return undefined;
  }

  private drop(entry: QueueEntry, reason: DropReason): void {
    entry.state = GONE;
    this.host.released(entry, reason);
  }
}
