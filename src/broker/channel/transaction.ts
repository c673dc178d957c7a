// A transactional channel's open transaction (tx.select): publishes and acknowledgements are held
// here instead of taking effect, tx.commit applies them all (settlements first, then the
// publishes in the order they arrived) and tx.rollback forgets them, so the acknowledged
// deliveries become unacknowledged again. The channel stays transactional: each commit or rollback
// starts the next transaction at once. Waiting for the disk and answering commit-ok in order with
// the methods that follow it is the channel's part; this file decides what a commit does.
import type { Publish } from './publish-assembly.ts';
import type { Settlement, Unacked } from './unacked.ts';

/** What a commit applies its work through. */
export interface CommitTarget {
  /** Settles deliveries as a basic.ack/nack/reject outside a transaction would. */
  settle(entries: Unacked[], kind: Settlement): void;
  /** Routes a publish as if it arrived now (basic.return included); resolves once it is durable. */
  route(publish: Publish): Promise<void>;
}

interface HeldSettlement {
  entries: Unacked[];
  kind: Settlement;
}

export class Transaction {
  private publishes: Publish[] = [];
  private settlements: HeldSettlement[] = [];

  publish(publish: Publish): void {
    this.publishes.push(publish);
  }

  settle(entries: Unacked[], kind: Settlement): void {
    this.settlements.push({ entries, kind });
  }

  /**
   * Applies the transaction and starts the next one. Returns the promise that the committed
   * publishes are durable, or undefined when there is nothing to wait for.
   */
  commit(target: CommitTarget): Promise<unknown> | undefined {
    const { publishes, settlements } = this;
    this.publishes = [];
    this.settlements = [];
    for (const { entries, kind } of settlements) target.settle(entries, kind);
    // Most publishes of one commit share their store's group-commit promise.
    const durables = new Set<Promise<void>>();
    for (const publish of publishes) durables.add(target.route(publish));
    return durables.size === 0 ? undefined : Promise.all(durables);
  }

  /** Forgets the transaction; returns the deliveries whose settlement it held, to be unacked again. */
  rollback(): Unacked[] {
    this.publishes = [];
    return this.takeSettled();
  }

  /**
   * The deliveries settled in this transaction, no longer part of it: basic.recover and closing
   * requeue them with the unacknowledged ones (settlements not committed never happened).
   */
  takeSettled(): Unacked[] {
    const taken: Unacked[] = [];
    for (const { entries } of this.settlements) for (const entry of entries) taken.push(entry);
    this.settlements = [];
    return taken;
  }
}
