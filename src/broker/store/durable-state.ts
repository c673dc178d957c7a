// The live durable state — definitions and, per durable queue, its persistent messages in queue
// order — as the store's operations change it. The log store applies each operation here as it
// appends the record (and again when replaying the log), so recovery, compaction snapshots and
// the memory store all read the same model.
import { stableKey } from '../vhost/arguments.ts';
import type {
  BindingDefinition,
  ExchangeDefinition,
  PersistedMessage,
  QueueDefinition,
  RecoveredState,
} from './contracts.ts';

/** A message shared by the queues holding it; `refs` counts them. */
export interface SharedMessage {
  readonly message: PersistedMessage;
  refs: number;
}

export interface QueuedMessage {
  readonly shared: SharedMessage;
  delivered: boolean;
}

const bindingId = (b: BindingDefinition) =>
  `${b.kind}\u0000${b.destination}\u0000${b.source}\u0000${b.routingKey}\u0000${stableKey(b.arguments)}`;

export class DurableState {
  readonly exchanges = new Map<string, ExchangeDefinition>();
  readonly queues = new Map<string, QueueDefinition>();
  readonly bindings = new Map<string, BindingDefinition>();
  /** Per queue, its messages by id; Map iteration order is enqueue order, i.e. queue order. */
  readonly messages = new Map<string, Map<number, QueuedMessage>>();
  readonly shared = new Map<number, SharedMessage>();
  lastMessageId = 0;
  /** Sum of body bytes of live messages, each counted once: the bulk of a compacted log. */
  liveBodyBytes = 0;
  /** Number of (queue, message) pairs. */
  liveEntries = 0;

  putExchange(definition: ExchangeDefinition): void {
    this.exchanges.set(definition.name, definition);
  }

  /** Drops the exchange and every binding from it or to it. */
  deleteExchange(name: string): void {
    this.exchanges.delete(name);
    for (const [id, b] of this.bindings) {
      if (b.source === name || (b.kind === 'exchange' && b.destination === name)) this.bindings.delete(id);
    }
  }

  putQueue(definition: QueueDefinition): void {
    this.queues.set(definition.name, definition);
  }

  /** Drops the queue, the bindings to it and its messages. */
  deleteQueue(name: string): void {
    this.queues.delete(name);
    for (const [id, b] of this.bindings) {
      if (b.kind === 'queue' && b.destination === name) this.bindings.delete(id);
    }
    this.purge(name);
    this.messages.delete(name);
  }

  putBinding(definition: BindingDefinition): void {
    this.bindings.set(bindingId(definition), definition);
  }

  deleteBinding(definition: BindingDefinition): void {
    this.bindings.delete(bindingId(definition));
  }

  /**
   * Adds the message to the queue. Returns 'new' when its body is not held by any other queue
   * (the log must carry the body), 'shared' when it is (a reference suffices), 'duplicate' when
   * the queue already has it (nothing to write).
   */
  enqueue(queue: string, message: PersistedMessage, delivered: boolean): 'new' | 'shared' | 'duplicate' {
    let inQueue = this.messages.get(queue);
    if (!inQueue) {
      inQueue = new Map();
      this.messages.set(queue, inQueue);
    }
    if (inQueue.has(message.id)) return 'duplicate';
    let shared = this.shared.get(message.id);
    const result = shared ? 'shared' : 'new';
    if (!shared) {
      shared = { message, refs: 0 };
      this.shared.set(message.id, shared);
      this.liveBodyBytes += message.body.length;
    }
    shared.refs++;
    this.liveEntries++;
    inQueue.set(message.id, { shared, delivered });
    if (message.id > this.lastMessageId) this.lastMessageId = message.id;
    return result;
  }

  /** A reference to a message another queue holds (log replay); false when there is none. */
  enqueueShared(queue: string, id: number, delivered: boolean): boolean {
    const shared = this.shared.get(id);
    if (!shared) return false;
    this.enqueue(queue, shared.message, delivered);
    return true;
  }

  /** Returns whether anything changed (so the log need not record no-ops). */
  delivered(queue: string, id: number): boolean {
    const entry = this.messages.get(queue)?.get(id);
    if (!entry || entry.delivered) return false;
    entry.delivered = true;
    return true;
  }

  remove(queue: string, id: number): boolean {
    const inQueue = this.messages.get(queue);
    const entry = inQueue?.get(id);
    if (!inQueue || !entry) return false;
    inQueue.delete(id);
    this.release(entry.shared);
    return true;
  }

  purge(queue: string): boolean {
    const inQueue = this.messages.get(queue);
    if (!inQueue || inQueue.size === 0) return false;
    for (const entry of inQueue.values()) this.release(entry.shared);
    inQueue.clear();
    return true;
  }

  noteMessageId(id: number): void {
    if (id > this.lastMessageId) this.lastMessageId = id;
  }

  /** The state as the virtual host recovers it. */
  recovered(): RecoveredState {
    const messages = new Map<string, PersistedMessage[]>();
    for (const [queue, inQueue] of this.messages) {
      if (inQueue.size === 0) continue;
      const list: PersistedMessage[] = [];
      for (const entry of inQueue.values())
        list.push({ ...entry.shared.message, redelivered: entry.delivered });
      messages.set(queue, list);
    }
    return {
      exchanges: [...this.exchanges.values()],
      queues: [...this.queues.values()],
      bindings: [...this.bindings.values()],
      messages,
      lastMessageId: this.lastMessageId,
    };
  }

  private release(shared: SharedMessage): void {
    this.liveEntries--;
    if (--shared.refs > 0) return;
    this.shared.delete(shared.message.id);
    this.liveBodyBytes -= shared.message.body.length;
  }
}
