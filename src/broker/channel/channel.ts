// One AMQP channel: the channel, exchange, queue, basic, confirm and tx classes on top of a virtual
// host. Incoming frames go through a tiny state machine (method → content header → body frames)
// that assembles published messages; everything else is one method in, at most one reply out.
//
// The channel is also the ConsumerSink the queues deliver to (through one small Consumer object per
// basic.consume), and it keeps the unacknowledged deliveries: acks, nacks, rejects and recover settle
// them with the virtual host; closing the channel (or losing the connection) requeues them.
import { randomBytes } from 'node:crypto';
import {
  type BasicProperties,
  contentMethodFrames,
  decodeContentHeader,
  decodeMethod,
  deliverFrames,
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_METHOD,
  type Frame,
} from '../codec/index.ts';
import type { Connection } from '../connection.ts';
import { AmqpError, channelError, connectionError, REPLY } from '../errors.ts';
import type { ConsumerSink, Delivery } from '../vhost/contracts.ts';
import type { BrokerVirtualHost } from '../vhost/vhost.ts';

// Channel states.
const OPEN = 0;
/** We sent channel.close and wait for close-ok; every other frame on the channel is dropped. */
const CLOSING = 1;
const CLOSED = 2;

// What the content assembler expects next.
const EXPECT_METHOD = 0;
const EXPECT_HEADER = 1;
const EXPECT_BODY = 2;

const BASIC_CLASS = 60;
/** classId << 16 | methodId of the two methods a closing channel still listens to. */
const CHANNEL_CLOSE = (20 << 16) | 40;
const CHANNEL_CLOSE_OK = (20 << 16) | 41;
const BASIC_PUBLISH_CLASS = 60;
const BASIC_PUBLISH_METHOD = 40;

const EMPTY = Buffer.alloc(0);
/** Bodies smaller than this are copied out of the socket's read buffer so a stored message does not pin it. */
const COPY_BELOW = 64 * 1024;

/** A consumer as the queue sees it; the channel does the work. */
class Consumer implements ConsumerSink {
  /** Deliveries not yet acknowledged (per-consumer prefetch). */
  unacked = 0;
  /** False until consume-ok is on its way, so no delivery can overtake it. */
  started = false;
  readonly connectionId: string;

  constructor(
    private readonly channel: Channel,
    readonly tag: string,
    readonly queue: string,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    /** basic.qos prefetch-count (global=false) in force when the consumer was created; 0 = unlimited. */
    readonly prefetch: number,
  ) {
    this.connectionId = channel.connection.id;
  }

  hasCapacity(): boolean {
    return this.channel.canDeliver(this);
  }

  deliver(delivery: Delivery): void {
    this.channel.deliver(this, delivery);
  }

  cancelledByServer(): void {
    this.channel.cancelledByServer(this);
  }
}

interface Unacked {
  tag: number;
  delivery: Delivery;
  /** undefined for basic.get: those do not count against any prefetch. */
  consumer: Consumer | undefined;
}

/** A run of consecutive publish sequence numbers whose durability is one promise (group commit). */
class ConfirmBatch {
  /** 0 pending, 1 durable (ack), 2 failed (nack). */
  settled = 0;

  constructor(
    private readonly channel: Channel,
    public last: number,
    readonly durable: Promise<void>,
  ) {
    durable.then(this.ok, this.failed);
  }

  private readonly ok = (): void => {
    this.settled = 1;
    this.channel.confirmSettled();
  };

  private readonly failed = (): void => {
    this.settled = 2;
    this.channel.confirmSettled();
  };
}

interface TxPublish {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  properties: BasicProperties;
  body: Buffer;
}

interface TxSettle {
  entries: Unacked[];
  /** 'ack', or a reject/nack with or without requeue. */
  kind: 'ack' | 'requeue' | 'discard';
}

export class Channel {
  private state = OPEN;
  private opened = false;
  private released = false;
  /** classId/methodId of the method being handled, for channel.close / connection.close. */
  private classId = 0;
  private methodId = 0;

  // Content assembly for basic.publish.
  private expect = EXPECT_METHOD;
  private pubExchange = '';
  private pubRoutingKey = '';
  private pubMandatory = false;
  private pubProperties: BasicProperties = {};
  private pubSize = 0;
  private pubReceived = 0;
  private pubParts: Buffer[] = [];

  // Deliveries.
  private deliveryTag = 0;
  private readonly unacked = new Map<number, Unacked>();
  private readonly consumers = new Map<string, Consumer>();
  /** basic.qos global=false: the prefetch new consumers get. */
  private consumerPrefetch = 0;
  /** basic.qos global=true: a limit on all consumer deliveries of the channel together. */
  private channelPrefetch = 0;
  private consumerUnacked = 0;
  private flowActive = true;
  /** Queue name shortcut: the queue most recently declared on this channel. */
  private lastQueue = '';

  // Publisher confirms.
  private confirming = false;
  private publishSeq = 0;
  private confirmed = 0;
  private batches: ConfirmBatch[] = [];
  private batchHead = 0;
  private confirmQueued = false;

  // Transactions.
  private tx: { publishes: TxPublish[]; settles: TxSettle[] } | undefined;
  /** Frames that arrived while tx.commit waits for the store. */
  private held: Frame[] | undefined;

  constructor(
    readonly connection: Connection,
    readonly number: number,
  ) {}

  private get vhost(): BrokerVirtualHost {
    return this.connection.vhost!;
  }

  // ---- Frames ---------------------------------------------------------------------------------------

  handleFrame(frame: Frame): void {
    if (this.state !== OPEN) {
      this.whileClosing(frame);
      return;
    }
    if (this.held) {
      this.held.push(frame);
      return;
    }
    try {
      switch (this.expect) {
        case EXPECT_METHOD:
          if (frame.type !== FRAME_METHOD) {
            // Not about any method: RabbitMQ reports class and method 0.
            this.classId = 0;
            this.methodId = 0;
            throw connectionError(
              REPLY.UNEXPECTED_FRAME,
              'expected method frame, got non method frame instead',
            );
          }
          this.handleMethod(frame.payload);
          return;
        case EXPECT_HEADER:
          this.handleHeader(frame);
          return;
        default:
          this.handleBody(frame);
      }
    } catch (error) {
      this.handleError(error);
    }
  }

  /** After our channel.close only close (answer it) and close-ok (done) matter. */
  private whileClosing(frame: Frame): void {
    if (this.state !== CLOSING || frame.type !== FRAME_METHOD || frame.payload.length < 4) return;
    const id = frame.payload.readUInt32BE(0);
    if (id === CHANNEL_CLOSE) this.connection.sendMethod(this.number, 'channel.close-ok', {});
    else if (id === CHANNEL_CLOSE_OK) {
      this.state = CLOSED;
      this.connection.channelReleased(this.number);
    }
  }

  private handleError(error: unknown): void {
    if (!(error instanceof AmqpError)) throw error;
    const classId = error.classId || this.classId;
    const methodId = error.methodId || this.methodId;
    if (error.scope === 'connection') {
      throw new AmqpError(error.code, error.detail, 'connection', classId, methodId);
    }
    this.closeWithError(error.code, error.replyText, classId, methodId);
  }

  /** Channel exception: give everything back, send channel.close and wait for close-ok. */
  private closeWithError(code: number, text: string, classId: number, methodId: number): void {
    this.release();
    this.state = CLOSING;
    this.connection.sendMethod(this.number, 'channel.close', {
      replyCode: code,
      replyText: text,
      classId,
      methodId,
    });
  }

  private handleHeader(frame: Frame): void {
    if (frame.type !== FRAME_HEADER) {
      throw connectionError(
        REPLY.UNEXPECTED_FRAME,
        `expected content header for class ${BASIC_CLASS}, got non content header frame instead`,
      );
    }
    const header = decodeContentHeader(frame.payload);
    if (header.classId !== BASIC_CLASS) {
      throw connectionError(
        REPLY.UNEXPECTED_FRAME,
        `expected content header for class ${BASIC_CLASS}, got one for class ${header.classId} instead`,
      );
    }
    const max = this.connection.settings.maxMessageBytes;
    if (header.bodySize > max) {
      this.expect = EXPECT_METHOD;
      throw channelError(
        REPLY.PRECONDITION_FAILED,
        `message size ${header.bodySize} is larger than configured max size ${max}`,
      );
    }
    this.pubProperties = header.properties;
    this.pubSize = header.bodySize;
    if (header.bodySize === 0) {
      this.expect = EXPECT_METHOD;
      this.publish(EMPTY);
      return;
    }
    this.pubReceived = 0;
    this.expect = EXPECT_BODY;
  }

  private handleBody(frame: Frame): void {
    if (frame.type !== FRAME_BODY) {
      throw connectionError(
        REPLY.UNEXPECTED_FRAME,
        'expected content body, got non content body frame instead',
      );
    }
    const part = frame.payload;
    this.pubReceived += part.length;
    if (this.pubReceived < this.pubSize) {
      this.pubParts.push(part);
      return;
    }
    if (this.pubReceived > this.pubSize) {
      throw connectionError(
        REPLY.FRAME_ERROR,
        `content body exceeds the ${this.pubSize} bytes announced in its header`,
      );
    }
    let body: Buffer;
    if (this.pubParts.length === 0) body = part.length < COPY_BELOW ? Buffer.from(part) : part;
    else {
      this.pubParts.push(part);
      body = Buffer.concat(this.pubParts, this.pubSize);
      this.pubParts = [];
    }
    this.expect = EXPECT_METHOD;
    this.publish(body);
  }

  // ---- Methods --------------------------------------------------------------------------------------

  private handleMethod(payload: Buffer): void {
    const method = decodeMethod(payload);
    this.classId = method.classId;
    this.methodId = method.methodId;
    const conn = this.connection;
    const ch = this.number;
    if (!this.opened && method.name !== 'channel.open') {
      throw connectionError(REPLY.CHANNEL_ERROR, "expected 'channel.open'");
    }
    switch (method.name) {
      // The hot ones first.
      case 'basic.publish': {
        const { args } = method;
        if (args.immediate) throw connectionError(REPLY.NOT_IMPLEMENTED, 'immediate=true');
        this.pubExchange = args.exchange;
        this.pubRoutingKey = args.routingKey;
        this.pubMandatory = args.mandatory;
        this.expect = EXPECT_HEADER;
        return;
      }
      case 'basic.ack': {
        const entries = this.take(method.args.deliveryTag, method.args.multiple);
        if (this.tx) this.tx.settles.push({ entries, kind: 'ack' });
        else this.settle(entries, 'ack');
        return;
      }
      case 'basic.nack': {
        const { args } = method;
        const entries = this.take(args.deliveryTag, args.multiple);
        const kind = args.requeue ? 'requeue' : 'discard';
        if (this.tx) this.tx.settles.push({ entries, kind });
        else this.settle(entries, kind);
        return;
      }
      case 'basic.reject': {
        const { args } = method;
        const entries = this.take(args.deliveryTag, false);
        const kind = args.requeue ? 'requeue' : 'discard';
        if (this.tx) this.tx.settles.push({ entries, kind });
        else this.settle(entries, kind);
        return;
      }

      case 'channel.open':
        if (this.opened) throw connectionError(REPLY.CHANNEL_ERROR, "second 'channel.open' seen");
        this.opened = true;
        conn.sendMethod(ch, 'channel.open-ok', { channelId: '' });
        return;
      case 'channel.close':
        this.release();
        this.state = CLOSED;
        conn.sendMethod(ch, 'channel.close-ok', {});
        conn.channelReleased(ch);
        return;
      case 'channel.flow':
        this.flowActive = method.args.active;
        conn.sendMethod(ch, 'channel.flow-ok', { active: method.args.active });
        if (method.args.active) this.pumpConsumers();
        return;
      case 'channel.flow-ok':
        return;

      case 'exchange.declare': {
        const { args } = method;
        this.vhost.declareExchange(
          args.exchange,
          args.type,
          {
            durable: args.durable,
            autoDelete: args.autoDelete,
            internal: args.internal,
            arguments: args.arguments,
          },
          args.passive,
        );
        if (!args.nowait) conn.sendMethod(ch, 'exchange.declare-ok', {});
        return;
      }
      case 'exchange.delete':
        this.vhost.deleteExchange(method.args.exchange, method.args.ifUnused);
        if (!method.args.nowait) conn.sendMethod(ch, 'exchange.delete-ok', {});
        return;
      case 'exchange.bind': {
        const { args } = method;
        this.vhost.bindExchange(args.destination, args.source, args.routingKey, args.arguments);
        if (!args.nowait) conn.sendMethod(ch, 'exchange.bind-ok', {});
        return;
      }
      case 'exchange.unbind': {
        const { args } = method;
        this.vhost.unbindExchange(args.destination, args.source, args.routingKey, args.arguments);
        if (!args.nowait) conn.sendMethod(ch, 'exchange.unbind-ok', {});
        return;
      }

      case 'queue.declare': {
        const { args } = method;
        const name = args.passive ? this.queueName(args.queue) : args.queue;
        const ok = this.vhost.declareQueue(
          name,
          {
            durable: args.durable,
            exclusive: args.exclusive,
            autoDelete: args.autoDelete,
            arguments: args.arguments,
          },
          args.passive,
          conn.id,
        );
        this.lastQueue = ok.queue;
        if (!args.nowait) {
          conn.sendMethod(ch, 'queue.declare-ok', {
            queue: ok.queue,
            messageCount: ok.messageCount,
            consumerCount: ok.consumerCount,
          });
        }
        return;
      }
      case 'queue.bind': {
        const { args } = method;
        const queue = this.queueName(args.queue);
        // RabbitMQ's shortcut: no queue and no routing key bind the last queue by its own name.
        const routingKey = args.queue === '' && args.routingKey === '' ? queue : args.routingKey;
        this.vhost.bindQueue(queue, args.exchange, routingKey, args.arguments, conn.id);
        if (!args.nowait) conn.sendMethod(ch, 'queue.bind-ok', {});
        return;
      }
      case 'queue.unbind': {
        const { args } = method;
        const queue = this.queueName(args.queue);
        const routingKey = args.queue === '' && args.routingKey === '' ? queue : args.routingKey;
        this.vhost.unbindQueue(queue, args.exchange, routingKey, args.arguments, conn.id);
        conn.sendMethod(ch, 'queue.unbind-ok', {});
        return;
      }
      case 'queue.purge': {
        const messageCount = this.vhost.purgeQueue(this.queueName(method.args.queue), conn.id);
        if (!method.args.nowait) conn.sendMethod(ch, 'queue.purge-ok', { messageCount });
        return;
      }
      case 'queue.delete': {
        const { args } = method;
        const messageCount = this.vhost.deleteQueue(
          this.queueName(args.queue),
          args.ifUnused,
          args.ifEmpty,
          conn.id,
        );
        if (!args.nowait) conn.sendMethod(ch, 'queue.delete-ok', { messageCount });
        return;
      }

      case 'basic.qos': {
        const { args } = method;
        if (args.prefetchSize !== 0) {
          throw connectionError(REPLY.NOT_IMPLEMENTED, `prefetch_size!=0 (${args.prefetchSize})`);
        }
        // RabbitMQ 3.3+: global=false is per consumer (for consumers created from now on),
        // global=true a limit shared by the whole channel.
        if (args.global) this.channelPrefetch = args.prefetchCount;
        else this.consumerPrefetch = args.prefetchCount;
        conn.sendMethod(ch, 'basic.qos-ok', {});
        this.pumpConsumers();
        return;
      }
      case 'basic.consume':
        this.consume(method.args);
        return;
      case 'basic.cancel': {
        const { consumerTag, nowait } = method.args;
        const consumer = this.consumers.get(consumerTag);
        if (consumer) {
          this.consumers.delete(consumerTag);
          this.vhost.cancel(consumer.queue, consumerTag, consumer);
        }
        if (!nowait) conn.sendMethod(ch, 'basic.cancel-ok', { consumerTag });
        return;
      }
      case 'basic.get':
        this.get(this.queueName(method.args.queue), method.args.noAck);
        return;
      case 'basic.recover-async':
      case 'basic.recover':
        if (!method.args.requeue) throw connectionError(REPLY.NOT_IMPLEMENTED, 'requeue=false');
        this.requeueAll();
        if (method.name === 'basic.recover') conn.sendMethod(ch, 'basic.recover-ok', {});
        this.pumpConsumers();
        return;

      case 'confirm.select':
        if (this.tx) throw channelError(REPLY.PRECONDITION_FAILED, 'cannot switch from tx to confirm mode');
        this.confirming = true;
        if (!method.args.nowait) conn.sendMethod(ch, 'confirm.select-ok', {});
        return;

      case 'tx.select':
        if (this.confirming) {
          throw channelError(REPLY.PRECONDITION_FAILED, 'cannot switch from confirm to tx mode');
        }
        this.tx ??= { publishes: [], settles: [] };
        conn.sendMethod(ch, 'tx.select-ok', {});
        return;
      case 'tx.commit':
        this.commit();
        return;
      case 'tx.rollback':
        this.rollback();
        conn.sendMethod(ch, 'tx.rollback-ok', {});
        return;

      default:
        // Server-side methods, and channel.close-ok for a close we never sent: as RabbitMQ.
        throw connectionError(REPLY.COMMAND_INVALID, 'unimplemented method');
    }
  }

  /** Our consumers may take more now (qos, flow, recover): have their queues pumped. */
  private pumpConsumers(): void {
    for (const consumer of this.consumers.values()) this.connection.wantPump(consumer.queue);
  }

  /** '' means the queue last declared on this channel (spec: queue name shortcut). */
  private queueName(name: string): string {
    if (name !== '') return name;
    if (this.lastQueue === '') throw channelError(REPLY.NOT_FOUND, 'no previously declared queue');
    return this.lastQueue;
  }

  // ---- Publishing -----------------------------------------------------------------------------------

  private publish(body: Buffer): void {
    this.classId = BASIC_PUBLISH_CLASS;
    this.methodId = BASIC_PUBLISH_METHOD;
    const conn = this.connection;
    conn.published = true;
    const userId = this.pubProperties.userId;
    if (userId !== undefined && userId !== conn.user) {
      // RabbitMQ validates user-id so consumers can trust it.
      throw channelError(
        REPLY.PRECONDITION_FAILED,
        `user_id property set to '${userId}' but authenticated user was '${conn.user}'`,
      );
    }
    if (this.tx) {
      this.tx.publishes.push({
        exchange: this.pubExchange,
        routingKey: this.pubRoutingKey,
        mandatory: this.pubMandatory,
        properties: this.pubProperties,
        body,
      });
      return;
    }
    const seq = this.confirming ? ++this.publishSeq : 0;
    const result = this.vhost.publish(this.pubExchange, this.pubRoutingKey, this.pubProperties, body);
    // basic.return goes out before the confirm, as the spec asks for mandatory messages.
    if (!result.routed && this.pubMandatory) {
      this.sendReturn(this.pubExchange, this.pubRoutingKey, this.pubProperties, body);
    }
    if (seq !== 0) this.trackConfirm(seq, result.durable);
  }

  private sendReturn(exchange: string, routingKey: string, properties: BasicProperties, body: Buffer): void {
    const conn = this.connection;
    conn.send(
      contentMethodFrames(
        this.number,
        'basic.return',
        { replyCode: REPLY.NO_ROUTE, replyText: 'NO_ROUTE', exchange, routingKey },
        properties,
        body,
        conn.frameMax,
      ),
    );
  }

  private trackConfirm(seq: number, durable: Promise<void>): void {
    // Publishes that share a durability promise (one group commit, or the resolved promise of
    // transient messages) share one batch: one .then for the lot, one multiple ack.
    const tail = this.batches[this.batches.length - 1];
    if (tail && tail.durable === durable && tail.settled === 0 && tail.last === seq - 1) tail.last = seq;
    else this.batches.push(new ConfirmBatch(this, seq, durable));
  }

  /** A batch became durable (or failed): have the connection call emitConfirms at its next flush. */
  confirmSettled(): void {
    if (this.confirmQueued || this.state !== OPEN) return;
    this.confirmQueued = true;
    this.connection.confirmsReady(this);
  }

  /** Acks (or nacks) every settled batch at the head, in publish order, coalesced with multiple=true. */
  emitConfirms(): void {
    this.confirmQueued = false;
    if (this.state !== OPEN) return;
    const batches = this.batches;
    let i = this.batchHead;
    while (i < batches.length && batches[i]!.settled !== 0) {
      const settled = batches[i]!.settled;
      while (i + 1 < batches.length && batches[i + 1]!.settled === settled) i++;
      const last = batches[i]!.last;
      const multiple = last > this.confirmed + 1;
      if (settled === 1)
        this.connection.sendMethod(this.number, 'basic.ack', { deliveryTag: last, multiple });
      else {
        this.connection.sendMethod(this.number, 'basic.nack', {
          deliveryTag: last,
          multiple,
          requeue: false,
        });
      }
      this.confirmed = last;
      i++;
    }
    if (i === batches.length) {
      batches.length = 0;
      this.batchHead = 0;
    } else if (i > 1024) {
      this.batches = batches.slice(i);
      this.batchHead = 0;
    } else this.batchHead = i;
  }

  // ---- Transactions ---------------------------------------------------------------------------------

  private commit(): void {
    const tx = this.tx;
    if (!tx) throw channelError(REPLY.PRECONDITION_FAILED, 'channel is not transactional');
    this.tx = { publishes: [], settles: [] };
    for (const { entries, kind } of tx.settles) this.settle(entries, kind);
    // Most publishes of one commit share their store's group-commit promise.
    const durables = new Set<Promise<void>>();
    for (const p of tx.publishes) {
      const result = this.vhost.publish(p.exchange, p.routingKey, p.properties, p.body);
      if (!result.routed && p.mandatory) this.sendReturn(p.exchange, p.routingKey, p.properties, p.body);
      durables.add(result.durable);
    }
    if (durables.size === 0) {
      this.connection.sendMethod(this.number, 'tx.commit-ok', {});
      return;
    }
    // commit-ok waits for the disk; whatever the client sends meanwhile is held, so replies keep
    // the order of the methods they answer.
    this.held = [];
    Promise.all(durables).then(
      () => this.connection.deferred(this.committed),
      (error: unknown) =>
        this.connection.deferred(() => {
          this.held = undefined;
          if (this.state !== OPEN) return;
          this.closeWithError(
            REPLY.INTERNAL_ERROR,
            `INTERNAL_ERROR - commit failed: ${String(error)}`,
            90,
            20,
          );
        }),
    );
  }

  /** The commit is durable: answer it and handle what arrived in the meantime. */
  private readonly committed = (): void => {
    const held = this.held;
    this.held = undefined;
    if (this.state !== OPEN || !held) return;
    this.connection.sendMethod(this.number, 'tx.commit-ok', {});
    // A held tx.commit may hold again: handleFrame then queues the rest behind it, in order.
    for (const frame of held) this.handleFrame(frame);
  };

  /** Forgets uncommitted publishes; acknowledgements not yet committed become unacked again. */
  private rollback(): void {
    const tx = this.tx;
    if (!tx) throw channelError(REPLY.PRECONDITION_FAILED, 'channel is not transactional');
    this.tx = { publishes: [], settles: [] };
    if (tx.settles.length === 0) return;
    const back = [...this.unacked.values()];
    for (const { entries } of tx.settles) for (const entry of entries) back.push(entry);
    back.sort(byTag);
    this.unacked.clear();
    for (const entry of back) this.unacked.set(entry.tag, entry);
  }

  // ---- Consuming ------------------------------------------------------------------------------------

  private consume(args: {
    queue: string;
    consumerTag: string;
    noAck: boolean;
    exclusive: boolean;
    nowait: boolean;
  }): void {
    const queue = this.queueName(args.queue);
    const tag =
      args.consumerTag === '' ? `amq.ctag-${randomBytes(16).toString('base64url')}` : args.consumerTag;
    if (this.consumers.has(tag)) {
      throw connectionError(REPLY.NOT_ALLOWED, `attempt to reuse consumer tag '${tag}'`);
    }
    const consumer = new Consumer(this, tag, queue, args.noAck, args.exclusive, this.consumerPrefetch);
    this.vhost.consume(queue, consumer);
    this.consumers.set(tag, consumer);
    if (!args.nowait) this.connection.sendMethod(this.number, 'basic.consume-ok', { consumerTag: tag });
    // Only now may deliveries flow: they must not overtake consume-ok.
    consumer.started = true;
    this.connection.wantPump(queue);
  }

  canDeliver(consumer: Consumer): boolean {
    if (!consumer.started || this.state !== OPEN || !this.flowActive || !this.connection.writable)
      return false;
    if (consumer.noAck) return true;
    if (consumer.prefetch !== 0 && consumer.unacked >= consumer.prefetch) return false;
    return this.channelPrefetch === 0 || this.consumerUnacked < this.channelPrefetch;
  }

  deliver(consumer: Consumer, delivery: Delivery): void {
    const tag = ++this.deliveryTag;
    if (!consumer.noAck) {
      this.unacked.set(tag, { tag, delivery, consumer });
      consumer.unacked++;
      this.consumerUnacked++;
    }
    const message = delivery.message;
    const conn = this.connection;
    conn.send(
      deliverFrames(
        this.number,
        consumer.tag,
        tag,
        delivery.redelivered,
        message.exchange,
        message.routingKey,
        message.properties,
        message.body,
        conn.frameMax,
      ),
    );
  }

  /** The queue went away: tell the client (consumer_cancel_notify) and forget the consumer. */
  cancelledByServer(consumer: Consumer): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    if (this.state === OPEN && this.connection.cancelNotify) {
      this.connection.sendMethod(this.number, 'basic.cancel', { consumerTag: consumer.tag, nowait: true });
    }
  }

  private get(queue: string, noAck: boolean): void {
    const conn = this.connection;
    const got = this.vhost.get(queue, conn.id, noAck);
    if (!got) {
      conn.sendMethod(this.number, 'basic.get-empty', { clusterId: '' });
      return;
    }
    const { delivery } = got;
    const tag = ++this.deliveryTag;
    if (!noAck) this.unacked.set(tag, { tag, delivery, consumer: undefined });
    const message = delivery.message;
    conn.send(
      contentMethodFrames(
        this.number,
        'basic.get-ok',
        {
          deliveryTag: tag,
          redelivered: delivery.redelivered,
          exchange: message.exchange,
          routingKey: message.routingKey,
          messageCount: got.messageCount,
        },
        message.properties,
        message.body,
        conn.frameMax,
      ),
    );
  }

  // ---- Acknowledgements -----------------------------------------------------------------------------

  /** Removes and returns the deliveries an ack/nack/reject names; unknown tags are a 406 as in RabbitMQ. */
  private take(tag: number, multiple: boolean): Unacked[] {
    const unacked = this.unacked;
    if (multiple && tag === 0) {
      const all = [...unacked.values()];
      unacked.clear();
      return all;
    }
    const entry = unacked.get(tag);
    if (!entry) throw channelError(REPLY.PRECONDITION_FAILED, `unknown delivery tag ${tag}`);
    if (!multiple) {
      unacked.delete(tag);
      return [entry];
    }
    // The map holds tags in ascending order (delivery order), so everything up to `tag` is a prefix.
    const taken: Unacked[] = [];
    for (const [key, value] of unacked) {
      if (key > tag) break;
      taken.push(value);
      unacked.delete(key);
    }
    return taken;
  }

  private settle(entries: Unacked[], kind: 'ack' | 'requeue' | 'discard'): void {
    const vhost = this.vhost;
    let last: Consumer | undefined;
    for (const entry of entries) {
      const consumer = entry.consumer;
      if (consumer) {
        consumer.unacked--;
        this.consumerUnacked--;
        if (consumer !== last) {
          last = consumer;
          this.connection.wantPump(consumer.queue);
        }
      }
      if (kind === 'ack') vhost.ack(entry.delivery);
      else if (kind === 'discard') vhost.discard(entry.delivery);
    }
    if (kind === 'requeue') vhost.requeue(entries.map(deliveryOf));
  }

  /** basic.recover and channel close: every unacked delivery goes back to its queue, redelivered. */
  private requeueAll(): void {
    const pending = [...this.unacked.values()];
    this.unacked.clear();
    if (this.tx && this.tx.settles.length > 0) {
      // Acks not yet committed never happened; the queue wants everything back oldest first.
      for (const { entries } of this.tx.settles) for (const entry of entries) pending.push(entry);
      this.tx.settles = [];
      pending.sort(byTag);
    }
    for (const consumer of this.consumers.values()) consumer.unacked = 0;
    this.consumerUnacked = 0;
    if (pending.length > 0) this.vhost.requeue(pending.map(deliveryOf));
  }

  /**
   * The channel is going away (close either way, or the connection is gone): cancel its consumers
   * and requeue what they had not acknowledged. Idempotent.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.held = undefined;
    if (this.state === OPEN) this.state = CLOSING;
    this.expect = EXPECT_METHOD;
    this.pubParts = [];
    const vhost = this.connection.vhost;
    if (!vhost) return;
    for (const consumer of this.consumers.values()) {
      try {
        vhost.cancel(consumer.queue, consumer.tag, consumer);
      } catch {
        // The queue may already be gone; nothing to cancel then.
      }
    }
    this.consumers.clear();
    this.requeueAll();
    this.tx = undefined;
    this.batches = [];
    this.batchHead = 0;
  }
}

const deliveryOf = (entry: Unacked): Delivery => entry.delivery;
const byTag = (a: Unacked, b: Unacked): number => a.tag - b.tag;
