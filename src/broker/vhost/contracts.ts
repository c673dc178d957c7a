// The seam between the protocol side (connection, channel) and the model side (virtual host,
// exchanges, queues, store). The channel knows queues only through these types; queues know
// consumers only as ConsumerSinks.
import type { BasicProperties } from '../codec/properties.ts';
import type { AmqpError } from '../errors.ts';

export type { AmqpError, BasicProperties };

/** A message as the broker holds it. `id` is unique within one broker process and its store. */
export interface StoredMessage {
  id: number;
  exchange: string;
  routingKey: string;
  properties: BasicProperties;
  body: Buffer;
  /** deliveryMode === 2: written to the store when it lands in a durable queue. */
  persistent: boolean;
}

export interface Delivery {
  queue: string;
  message: StoredMessage;
  redelivered: boolean;
}

/** A consumer as a queue sees it; the channel implements it. */
export interface ConsumerSink {
  readonly tag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  /** The connection that owns the consumer (exclusive queues, RESOURCE_LOCKED checks). */
  readonly connectionId: string;
  /** Whether the channel's prefetch (and flow) allows one more delivery right now. */
  hasCapacity(): boolean;
  /** Send basic.deliver. With noAck=false the channel records it as unacknowledged. */
  deliver(delivery: Delivery): void;
  /** The queue went away under the consumer: send basic.cancel to the client, as RabbitMQ does. */
  cancelledByServer(): void;
}

export interface ExchangeOptions {
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: Record<string, unknown>;
}

export interface QueueOptions {
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
}

export interface QueueDeclareOk {
  queue: string;
  messageCount: number;
  consumerCount: number;
}

export interface PublishResult {
  /** False when no queue received it (mandatory → basic.return by the channel). */
  routed: boolean;
  /** Resolves once every durable copy is on disk (publisher confirms wait for it). */
  durable: Promise<void>;
}

/**
 * One virtual host: exchanges, queues, bindings and dispatch. Methods throw AmqpError with the
 * reply code RabbitMQ would use (404 NOT_FOUND, 405 RESOURCE_LOCKED, 406 PRECONDITION_FAILED,
 * 403 ACCESS_REFUSED for the reserved `amq.` prefix), scope 'channel'.
 */
export interface VirtualHost {
  readonly name: string;

  declareExchange(name: string, type: string, options: ExchangeOptions, passive: boolean): void;
  deleteExchange(name: string, ifUnused: boolean): void;
  bindExchange(destination: string, source: string, routingKey: string, args: Record<string, unknown>): void;
  unbindExchange(
    destination: string,
    source: string,
    routingKey: string,
    args: Record<string, unknown>,
  ): void;

  /** name '' → a server-named queue (amq.gen-…). exclusive queues belong to connectionId. */
  declareQueue(name: string, options: QueueOptions, passive: boolean, connectionId: string): QueueDeclareOk;
  bindQueue(
    queue: string,
    exchange: string,
    routingKey: string,
    args: Record<string, unknown>,
    connectionId: string,
  ): void;
  unbindQueue(
    queue: string,
    exchange: string,
    routingKey: string,
    args: Record<string, unknown>,
    connectionId: string,
  ): void;
  /** Returns the number of messages purged. */
  purgeQueue(queue: string, connectionId: string): number;
  /** Returns the number of messages deleted with it; its consumers get cancelledByServer(). */
  deleteQueue(queue: string, ifUnused: boolean, ifEmpty: boolean, connectionId: string): number;

  /** Routes a message. Throws 404 when the exchange does not exist. */
  publish(exchange: string, routingKey: string, properties: BasicProperties, body: Buffer): PublishResult;

  /** Throws 404/405/403 as RabbitMQ does (exclusive consumer present → 403 ACCESS_REFUSED). */
  consume(queue: string, consumer: ConsumerSink): void;
  /** Removes a consumer; unacked deliveries stay with the channel. Auto-delete queues go with their last consumer. */
  cancel(queue: string, consumerTag: string): void;
  /** basic.get: the next ready message, or undefined. The caller tracks it as unacked unless noAck. */
  get(queue: string, connectionId: string): { delivery: Delivery; messageCount: number } | undefined;

  /** The delivery was acknowledged: forget it (and remove it from the store). */
  ack(delivery: Delivery): void;
  /** Put back at the head of its queue with redelivered=true (reject/nack requeue, channel close). */
  requeue(deliveries: Delivery[]): void;
  /** Dropped by reject/nack without requeue: dead-lettered when its queue has a dead-letter exchange. */
  discard(delivery: Delivery): void;

  /** A channel regained capacity (ack, qos change, flow on): try to deliver to its consumers. */
  pump(): void;
  /** Exclusive queues of a closed connection are deleted. */
  connectionClosed(connectionId: string): void;

  /** Bytes of message bodies held in memory, for the memory watermark (connection.blocked). */
  memoryUsed(): number;
  /** For tests and status: ready and unacked counts per queue. */
  stats(): Array<{ queue: string; ready: number; unacked: number; consumers: number; durable: boolean }>;
}
