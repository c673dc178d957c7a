// One basic.consume as its queue sees it: a ConsumerSink that hands every question (may it take a
// delivery? deliver this one; the queue is gone) back to its channel, which owns prefetch, flow
// and the unacknowledged deliveries. It carries only what is per consumer: its tag, its options,
// the prefetch it was created under and how many of its deliveries are still unacknowledged.
import type { ConsumerSink, Delivery } from '../vhost/contracts.ts';

/** The channel side of a consumer. */
export interface ConsumerOwner {
  canDeliver(consumer: Consumer): boolean;
  deliver(consumer: Consumer, delivery: Delivery): void;
  cancelledByServer(consumer: Consumer): void;
}

export class Consumer implements ConsumerSink {
  /** Deliveries not yet acknowledged (per-consumer prefetch). */
  unacked = 0;
  /** False until consume-ok is on its way, so no delivery can overtake it. */
  started = false;

  constructor(
    private readonly owner: ConsumerOwner,
    readonly connectionId: string,
    readonly tag: string,
    readonly queue: string,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    /** basic.qos prefetch-count (global=false) in force when the consumer was created; 0 = unlimited. */
    readonly prefetch: number,
  ) {}

  hasCapacity(): boolean {
    return this.owner.canDeliver(this);
  }

  deliver(delivery: Delivery): void {
    this.owner.deliver(this, delivery);
  }

  cancelledByServer(): void {
    this.owner.cancelledByServer(this);
  }
}
