// Publisher confirms (confirm.select): every publish on a confirming channel gets the next sequence
// number, and the broker acks it once the message is safe, which for a persistent message in a
// durable queue means once the store's fsync that covers it completed, or nacks it when the store
// failed. Confirms go out in publish order even when the store finishes out of order, and runs of
// them are coalesced into one basic.ack with multiple=true, emitted once per connection flush.
import type { ChannelHost, ReadyConfirms } from './host.ts';

// How a batch ended.
const PENDING = 0;
const DURABLE = 1;
const FAILED = 2;

/** A run of consecutive sequence numbers whose durability is one promise (one group commit). */
class ConfirmBatch {
  settled = PENDING;

  constructor(
    private readonly confirms: PublisherConfirms,
    public last: number,
    readonly durable: Promise<void>,
  ) {
    durable.then(this.ok, this.failed);
  }

  private readonly ok = (): void => {
    this.settled = DURABLE;
    this.confirms.batchSettled();
  };

  private readonly failed = (): void => {
    this.settled = FAILED;
    this.confirms.batchSettled();
  };
}

export class PublisherConfirms implements ReadyConfirms {
  private lastSeq = 0;
  /** The highest sequence number acked or nacked so far. */
  private confirmed = 0;
  /** Unconfirmed batches in publish order; those before `head` are done. */
  private batches: ConfirmBatch[] = [];
  private head = 0;
  /** emitConfirms() is already due at the host's next flush. */
  private queued = false;
  private closed = false;

  constructor(
    private readonly host: ChannelHost,
    private readonly channel: number,
  ) {}

  /** The sequence number of the publish being routed now. */
  next(): number {
    return ++this.lastSeq;
  }

  /** Publish `seq` is confirmed once `durable` settles. */
  track(seq: number, durable: Promise<void>): void {
    // Publishes that share a durability promise (one group commit, or the resolved promise of
    // transient messages) share one batch: one .then for the lot, one multiple ack.
    const tail = this.batches[this.batches.length - 1];
    if (tail && tail.durable === durable && tail.settled === PENDING && tail.last === seq - 1)
      tail.last = seq;
    else this.batches.push(new ConfirmBatch(this, seq, durable));
  }

  /** A batch became durable (or failed): have the host call emitConfirms at its next flush. */
  batchSettled(): void {
    if (this.queued || this.closed) return;
    this.queued = true;
    this.host.confirmsReady(this);
  }

  /** Acks (or nacks) every settled batch at the head, in publish order, coalesced with multiple=true. */
  emitConfirms(): void {
    this.queued = false;
    if (this.closed) return;
    const batches = this.batches;
    let i = this.head;
    while (i < batches.length && batches[i]!.settled !== PENDING) {
      const settled = batches[i]!.settled;
      while (i + 1 < batches.length && batches[i + 1]!.settled === settled) i++;
      const last = batches[i]!.last;
      const multiple = last > this.confirmed + 1;
      if (settled === DURABLE)
        this.host.sendMethod(this.channel, 'basic.ack', { deliveryTag: last, multiple });
      else {
        this.host.sendMethod(this.channel, 'basic.nack', { deliveryTag: last, multiple, requeue: false });
      }
      this.confirmed = last;
      i++;
    }
    if (i === batches.length) {
      batches.length = 0;
      this.head = 0;
    } else if (i > 1024) {
      this.batches = batches.slice(i);
      this.head = 0;
    } else this.head = i;
  }

  /** The channel is gone: nothing more is confirmed, and stores finishing later change nothing. */
  close(): void {
    this.closed = true;
    this.batches = [];
    this.head = 0;
  }
}
