// The deliveries a channel has sent and the client has not settled yet, by delivery tag, and the
// prefetch they hold. basic.ack, nack and reject name them by tag (one, or every tag up to one);
// settling gives a consumer its capacity back; basic.recover, a rollback and closing the channel
// hand them back to their queues. RabbitMQ answers an unknown tag with 406, and so does take().
import { channelError, REPLY } from '../errors.ts';
import type { Delivery } from '../vhost/contracts.ts';
import type { BrokerVirtualHost } from '../vhost/vhost.ts';
import type { Consumer } from './consumer.ts';

export interface Unacked {
  tag: number;
  delivery: Delivery;
  /** undefined for basic.get: those do not count against any prefetch. */
  consumer: Consumer | undefined;
}

/** Where settling asks for a queue to be pumped (the channel's host, at the end of its batch). */
export interface PumpRequests {
  wantPump(queue: string): void;
}

/** What settling does with a delivery: basic.ack, or a reject/nack with or without requeue. */
export type Settlement = 'ack' | 'requeue' | 'discard';

export class UnackedDeliveries {
  private lastTag = 0;
  /** In ascending tag order, which is delivery order: Map keeps insertion order. */
  private readonly byTag = new Map<number, Unacked>();
  /** Consumer deliveries not settled yet, all consumers together (basic.qos global=true). */
  consumerUnacked = 0;

  /** The delivery tag of the next basic.deliver or basic.get-ok. */
  nextTag(): number {
    return ++this.lastTag;
  }

  /** Remembers a delivery sent with noAck=false; a consumer's one counts against its prefetch. */
  add(tag: number, delivery: Delivery, consumer: Consumer | undefined): void {
    this.byTag.set(tag, { tag, delivery, consumer });
    if (consumer) {
      consumer.unacked++;
      this.consumerUnacked++;
    }
  }

  /**
   * Removes and returns the deliveries an ack/nack/reject names: `tag` alone, every tag up to it
   * (multiple), or everything (multiple with tag 0). They keep their prefetch until settled.
   */
  take(tag: number, multiple: boolean): Unacked[] {
    const byTag = this.byTag;
    if (multiple && tag === 0) {
      const all = [...byTag.values()];
      byTag.clear();
      return all;
    }
    const entry = byTag.get(tag);
    if (!entry) throw channelError(REPLY.PRECONDITION_FAILED, `unknown delivery tag ${tag}`);
    if (!multiple) {
      byTag.delete(tag);
      return [entry];
    }
    // Tags are in ascending order, so everything up to `tag` is a prefix.
    const taken: Unacked[] = [];
    for (const [key, value] of byTag) {
      if (key > tag) break;
      taken.push(value);
      byTag.delete(key);
    }
    return taken;
  }

  /** Settles taken deliveries with the virtual host; their consumers' queues are to be pumped. */
  settle(entries: Unacked[], kind: Settlement, vhost: BrokerVirtualHost, pumps: PumpRequests): void {
    let last: Consumer | undefined;
    for (const entry of entries) {
      const consumer = entry.consumer;
      if (consumer) {
        consumer.unacked--;
        this.consumerUnacked--;
        if (consumer !== last) {
          last = consumer;
          pumps.wantPump(consumer.queue);
        }
      }
      if (kind === 'ack') vhost.ack(entry.delivery);
      else if (kind === 'discard') vhost.discard(entry.delivery);
    }
    if (kind === 'requeue') vhost.requeue(entries.map(deliveryOf));
  }

  /** Taken deliveries whose settlement was rolled back: unacknowledged again, in tag order. */
  restore(entries: Unacked[]): void {
    if (entries.length === 0) return;
    const back = [...this.byTag.values(), ...entries];
    back.sort(byTag);
    this.byTag.clear();
    for (const entry of back) this.byTag.set(entry.tag, entry);
  }

  /**
   * basic.recover and closing: empties the ledger and returns its deliveries plus `taken` ones
   * not settled yet, oldest first, as the queues want them back. Every prefetch is free again.
   */
  takeAll(taken: Unacked[]): Delivery[] {
    const pending = [...this.byTag.values()];
    this.byTag.clear();
    if (taken.length > 0) {
      for (const entry of taken) pending.push(entry);
      pending.sort(byTag);
    }
    for (const entry of pending) if (entry.consumer) entry.consumer.unacked = 0;
    this.consumerUnacked = 0;
    return pending.map(deliveryOf);
  }
}

const deliveryOf = (entry: Unacked): Delivery => entry.delivery;
const byTag = (a: Unacked, b: Unacked): number => a.tag - b.tag;
