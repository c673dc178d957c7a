// Durable state: definitions (durable exchanges, queues, bindings) and persistent messages in
// durable queues. The virtual host writes through this; on start it recovers from load().
import type { BasicProperties } from '../codec/properties.ts';

export interface ExchangeDefinition {
  name: string;
  type: string;
  autoDelete: boolean;
  internal: boolean;
  arguments: Record<string, unknown>;
}

export interface QueueDefinition {
  name: string;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
}

export interface BindingDefinition {
  /** 'queue' or 'exchange' destination. */
  kind: 'queue' | 'exchange';
  destination: string;
  source: string;
  routingKey: string;
  arguments: Record<string, unknown>;
}

export interface PersistedMessage {
  id: number;
  exchange: string;
  routingKey: string;
  properties: BasicProperties;
  body: Buffer;
  /** A message that was delivered before the restart comes back with redelivered=true. */
  redelivered: boolean;
}

export interface RecoveredState {
  exchanges: ExchangeDefinition[];
  queues: QueueDefinition[];
  bindings: BindingDefinition[];
  /** Per durable queue, its persistent messages in queue order. */
  messages: Map<string, PersistedMessage[]>;
  /** Highest message id seen, so new ids never collide with recovered ones. */
  lastMessageId: number;
}

export interface BrokerStore {
  load(): Promise<RecoveredState>;
  putExchange(definition: ExchangeDefinition): void;
  deleteExchange(name: string): void;
  putQueue(definition: QueueDefinition): void;
  /** Deletes the queue's definition, its bindings and its messages. */
  deleteQueue(name: string): void;
  putBinding(definition: BindingDefinition): void;
  deleteBinding(definition: BindingDefinition): void;
  /** A persistent message entered a durable queue. One message may enter several queues. */
  enqueue(queue: string, message: PersistedMessage): void;
  /** Marks a message as delivered (so it comes back redelivered after a crash). Optional to persist. */
  delivered(queue: string, messageId: number): void;
  /** The message left the queue (acked, discarded, purged). */
  remove(queue: string, messageId: number): void;
  purge(queue: string): void;
  /** Resolves once everything written so far is durable on disk (group commit; see the fsync policy). */
  sync(): Promise<void>;
  close(): Promise<void>;
}
