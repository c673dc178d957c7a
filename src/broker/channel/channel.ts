// One AMQP channel: the channel, exchange, queue, basic, confirm and tx classes on top of a virtual
// host. Content frames go to the publish in flight (publish-assembly.ts); everything else is one
// method in, at most one reply out. The channel reaches its connection only through ChannelHost
// (host.ts), so it can be driven without a socket.
//
// The channel is also what the queues deliver to (through one Consumer per basic.consume), and it
// keeps the unacknowledged deliveries (unacked.ts): acks, nacks, rejects and recover settle them
// with the virtual host; closing the channel (or losing the connection) requeues them. Publisher
// confirms (confirms.ts) and transactions (transaction.ts) each have their own file.
import { randomBytes } from 'node:crypto';
import {
  contentMethodFrames,
  decodeMethod,
  deliverFrames,
  FRAME_METHOD,
  type Frame,
} from '../codec/index.ts';
import { AmqpError, channelError, connectionError, REPLY } from '../errors.ts';
import type { Delivery } from '../vhost/contracts.ts';
import type { BrokerVirtualHost } from '../vhost/vhost.ts';
import { PublisherConfirms } from './confirms.ts';
import { Consumer, type ConsumerOwner } from './consumer.ts';
import type { ChannelHost } from './host.ts';
import { type Publish, PublishAssembly } from './publish-assembly.ts';
import { type CommitTarget, Transaction } from './transaction.ts';
import { type Settlement, type Unacked, UnackedDeliveries } from './unacked.ts';

// Channel states.
const OPEN = 0;
/** We sent channel.close and wait for close-ok; every other frame on the channel is dropped. */
const CLOSING = 1;
const CLOSED = 2;

/** classId << 16 | methodId of the two methods a closing channel still listens to. */
const CHANNEL_CLOSE = (20 << 16) | 40;
const CHANNEL_CLOSE_OK = (20 << 16) | 41;
const BASIC_PUBLISH_CLASS = 60;
const BASIC_PUBLISH_METHOD = 40;
const TX_COMMIT_CLASS = 90;
const TX_COMMIT_METHOD = 20;

export class Channel implements ConsumerOwner {
  private state = OPEN;
  private opened = false;
  private released = false;
  /** classId/methodId of the method being handled, for channel.close / connection.close. */
  private classId = 0;
  private methodId = 0;

  /** The publish being received: basic.publish, its content header, its body frames. */
  private readonly incoming: PublishAssembly;

  // Deliveries.
  private readonly unacked = new UnackedDeliveries();
  private readonly consumers = new Map<string, Consumer>();
  /** basic.qos global=false: the prefetch new consumers get. */
  private consumerPrefetch = 0;
  /** basic.qos global=true: a limit on all consumer deliveries of the channel together. */
  private channelPrefetch = 0;
  private flowActive = true;
  /** Queue name shortcut: the queue most recently declared on this channel. */
  private lastQueue = '';

  /** Set by confirm.select. */
  private confirms: PublisherConfirms | undefined;
  /** Set by tx.select. */
  private tx: Transaction | undefined;
  /** Frames that arrived while tx.commit waits for the store. */
  private held: Frame[] | undefined;
  /** What tx.commit applies the transaction through: this channel, outside any transaction. */
  private readonly commitTarget: CommitTarget = {
    settle: (entries, kind) => this.settle(entries, kind),
    route: (message) => this.route(message),
  };

  constructor(
    private readonly host: ChannelHost,
    readonly number: number,
  ) {
    this.incoming = new PublishAssembly(host.maxMessageBytes);
  }

  private get vhost(): BrokerVirtualHost {
    return this.host.vhost!;
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
      if (this.incoming.active) {
        const message = this.incoming.accept(frame);
        if (message) this.publish(message);
        return;
      }
      if (frame.type !== FRAME_METHOD) {
        // Not about any method: RabbitMQ reports class and method 0.
        this.classId = 0;
        this.methodId = 0;
        throw connectionError(REPLY.UNEXPECTED_FRAME, 'expected method frame, got non method frame instead');
      }
      this.handleMethod(frame.payload);
    } catch (error) {
      this.handleError(error);
    }
  }

  /** After our channel.close only close (answer it) and close-ok (done) matter. */
  private whileClosing(frame: Frame): void {
    if (this.state !== CLOSING || frame.type !== FRAME_METHOD || frame.payload.length < 4) return;
    const id = frame.payload.readUInt32BE(0);
    if (id === CHANNEL_CLOSE) this.host.sendMethod(this.number, 'channel.close-ok', {});
    else if (id === CHANNEL_CLOSE_OK) {
      this.state = CLOSED;
      this.host.channelReleased(this.number);
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
    this.host.sendMethod(this.number, 'channel.close', {
      replyCode: code,
      replyText: text,
      classId,
      methodId,
    });
  }

  // ---- Methods --------------------------------------------------------------------------------------

  private handleMethod(payload: Buffer): void {
    const method = decodeMethod(payload);
    this.classId = method.classId;
    this.methodId = method.methodId;
    const host = this.host;
    const ch = this.number;
    if (!this.opened && method.name !== 'channel.open') {
      throw connectionError(REPLY.CHANNEL_ERROR, "expected 'channel.open'");
    }
    switch (method.name) {
      // The hot ones first.
      case 'basic.publish': {
        const { args } = method;
        if (args.immediate) throw connectionError(REPLY.NOT_IMPLEMENTED, 'immediate=true');
        this.incoming.begin(args.exchange, args.routingKey, args.mandatory);
        return;
      }
      case 'basic.ack': {
        const entries = this.unacked.take(method.args.deliveryTag, method.args.multiple);
        if (this.tx) this.tx.settle(entries, 'ack');
        else this.settle(entries, 'ack');
        return;
      }
      case 'basic.nack': {
        const { args } = method;
        const entries = this.unacked.take(args.deliveryTag, args.multiple);
        const kind = args.requeue ? 'requeue' : 'discard';
        if (this.tx) this.tx.settle(entries, kind);
        else this.settle(entries, kind);
        return;
      }
      case 'basic.reject': {
        const { args } = method;
        const entries = this.unacked.take(args.deliveryTag, false);
        const kind = args.requeue ? 'requeue' : 'discard';
        if (this.tx) this.tx.settle(entries, kind);
        else this.settle(entries, kind);
        return;
      }

      case 'channel.open':
        if (this.opened) throw connectionError(REPLY.CHANNEL_ERROR, "second 'channel.open' seen");
        this.opened = true;
        host.sendMethod(ch, 'channel.open-ok', { channelId: '' });
        return;
      case 'channel.close':
        this.release();
        this.state = CLOSED;
        host.sendMethod(ch, 'channel.close-ok', {});
        host.channelReleased(ch);
        return;
      case 'channel.flow':
        this.flowActive = method.args.active;
        host.sendMethod(ch, 'channel.flow-ok', { active: method.args.active });
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
        if (!args.nowait) host.sendMethod(ch, 'exchange.declare-ok', {});
        return;
      }
      case 'exchange.delete':
        this.vhost.deleteExchange(method.args.exchange, method.args.ifUnused);
        if (!method.args.nowait) host.sendMethod(ch, 'exchange.delete-ok', {});
        return;
      case 'exchange.bind': {
        const { args } = method;
        this.vhost.bindExchange(args.destination, args.source, args.routingKey, args.arguments);
        if (!args.nowait) host.sendMethod(ch, 'exchange.bind-ok', {});
        return;
      }
      case 'exchange.unbind': {
        const { args } = method;
        this.vhost.unbindExchange(args.destination, args.source, args.routingKey, args.arguments);
        if (!args.nowait) host.sendMethod(ch, 'exchange.unbind-ok', {});
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
          host.id,
        );
        this.lastQueue = ok.queue;
        if (!args.nowait) {
          host.sendMethod(ch, 'queue.declare-ok', {
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
        this.vhost.bindQueue(queue, args.exchange, routingKey, args.arguments, host.id);
        if (!args.nowait) host.sendMethod(ch, 'queue.bind-ok', {});
        return;
      }
      case 'queue.unbind': {
        const { args } = method;
        const queue = this.queueName(args.queue);
        const routingKey = args.queue === '' && args.routingKey === '' ? queue : args.routingKey;
        this.vhost.unbindQueue(queue, args.exchange, routingKey, args.arguments, host.id);
        host.sendMethod(ch, 'queue.unbind-ok', {});
        return;
      }
      case 'queue.purge': {
        const messageCount = this.vhost.purgeQueue(this.queueName(method.args.queue), host.id);
        if (!method.args.nowait) host.sendMethod(ch, 'queue.purge-ok', { messageCount });
        return;
      }
      case 'queue.delete': {
        const { args } = method;
        const messageCount = this.vhost.deleteQueue(
          this.queueName(args.queue),
          args.ifUnused,
          args.ifEmpty,
          host.id,
        );
        if (!args.nowait) host.sendMethod(ch, 'queue.delete-ok', { messageCount });
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
        host.sendMethod(ch, 'basic.qos-ok', {});
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
        if (!nowait) host.sendMethod(ch, 'basic.cancel-ok', { consumerTag });
        return;
      }
      case 'basic.get':
        this.get(this.queueName(method.args.queue), method.args.noAck);
        return;
      case 'basic.recover-async':
      case 'basic.recover':
        if (!method.args.requeue) throw connectionError(REPLY.NOT_IMPLEMENTED, 'requeue=false');
        this.requeueAll();
        if (method.name === 'basic.recover') host.sendMethod(ch, 'basic.recover-ok', {});
        this.pumpConsumers();
        return;

      case 'confirm.select':
        if (this.tx) throw channelError(REPLY.PRECONDITION_FAILED, 'cannot switch from tx to confirm mode');
        this.confirms ??= new PublisherConfirms(host, ch);
        if (!method.args.nowait) host.sendMethod(ch, 'confirm.select-ok', {});
        return;

      case 'tx.select':
        if (this.confirms) {
          throw channelError(REPLY.PRECONDITION_FAILED, 'cannot switch from confirm to tx mode');
        }
        this.tx ??= new Transaction();
        host.sendMethod(ch, 'tx.select-ok', {});
        return;
      case 'tx.commit':
        this.commit();
        return;
      case 'tx.rollback':
        this.unacked.restore(this.transaction().rollback());
        host.sendMethod(ch, 'tx.rollback-ok', {});
        return;

      default:
        // Server-side methods, and channel.close-ok for a close we never sent: as RabbitMQ.
        throw connectionError(REPLY.COMMAND_INVALID, 'unimplemented method');
    }
  }

  /** Our consumers may take more now (qos, flow, recover): have their queues pumped. */
  private pumpConsumers(): void {
    for (const consumer of this.consumers.values()) this.host.wantPump(consumer.queue);
  }

  /** '' means the queue last declared on this channel (spec: queue name shortcut). */
  private queueName(name: string): string {
    if (name !== '') return name;
    if (this.lastQueue === '') throw channelError(REPLY.NOT_FOUND, 'no previously declared queue');
    return this.lastQueue;
  }

  // ---- Publishing -----------------------------------------------------------------------------------

  private publish(message: Publish): void {
    this.classId = BASIC_PUBLISH_CLASS;
    this.methodId = BASIC_PUBLISH_METHOD;
    const host = this.host;
    host.messagePublished();
    const userId = message.properties.userId;
    if (userId !== undefined && userId !== host.user) {
      // RabbitMQ validates user-id so consumers can trust it.
      throw channelError(
        REPLY.PRECONDITION_FAILED,
        `user_id property set to '${userId}' but authenticated user was '${host.user}'`,
      );
    }
    if (this.tx) {
      this.tx.publish(message);
      return;
    }
    const confirms = this.confirms;
    const seq = confirms ? confirms.next() : 0;
    const durable = this.route(message);
    if (seq !== 0) confirms!.track(seq, durable);
  }

  /**
   * Hands a message to the virtual host; an unroutable mandatory one goes back as basic.return,
   * before its confirm, as the spec asks. Resolves once the message is durable.
   */
  private route(message: Publish): Promise<void> {
    const { exchange, routingKey, properties, body } = message;
    const result = this.vhost.publish(exchange, routingKey, properties, body);
    if (!result.routed && message.mandatory) {
      this.host.send(
        contentMethodFrames(
          this.number,
          'basic.return',
          { replyCode: REPLY.NO_ROUTE, replyText: 'NO_ROUTE', exchange, routingKey },
          properties,
          body,
          this.host.frameMax,
        ),
      );
    }
    return result.durable;
  }

  // ---- Transactions ---------------------------------------------------------------------------------

  private transaction(): Transaction {
    if (!this.tx) throw channelError(REPLY.PRECONDITION_FAILED, 'channel is not transactional');
    return this.tx;
  }

  private commit(): void {
    const durable = this.transaction().commit(this.commitTarget);
    if (!durable) {
      this.host.sendMethod(this.number, 'tx.commit-ok', {});
      return;
    }
    // commit-ok waits for the disk; whatever the client sends meanwhile is held, so replies keep
    // the order of the methods they answer.
    this.held = [];
    durable.then(
      () => this.host.deferred(this.committed),
      (error: unknown) =>
        this.host.deferred(() => {
          this.held = undefined;
          if (this.state !== OPEN) return;
          this.closeWithError(
            REPLY.INTERNAL_ERROR,
            `INTERNAL_ERROR - commit failed: ${String(error)}`,
            TX_COMMIT_CLASS,
            TX_COMMIT_METHOD,
          );
        }),
    );
  }

  /** The commit is durable: answer it and handle what arrived in the meantime. */
  private readonly committed = (): void => {
    const held = this.held;
    this.held = undefined;
    if (this.state !== OPEN || !held) return;
    this.host.sendMethod(this.number, 'tx.commit-ok', {});
    // A held tx.commit may hold again: handleFrame then queues the rest behind it, in order.
    for (const frame of held) this.handleFrame(frame);
  };

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
    const consumer = new Consumer(
      this,
      this.host.id,
      tag,
      queue,
      args.noAck,
      args.exclusive,
      this.consumerPrefetch,
    );
    this.vhost.consume(queue, consumer);
    this.consumers.set(tag, consumer);
    if (!args.nowait) this.host.sendMethod(this.number, 'basic.consume-ok', { consumerTag: tag });
    // Only now may deliveries flow: they must not overtake consume-ok.
    consumer.started = true;
    this.host.wantPump(queue);
  }

  canDeliver(consumer: Consumer): boolean {
    if (!consumer.started || this.state !== OPEN || !this.flowActive || !this.host.writable) return false;
    if (consumer.noAck) return true;
    if (consumer.prefetch !== 0 && consumer.unacked >= consumer.prefetch) return false;
    return this.channelPrefetch === 0 || this.unacked.consumerUnacked < this.channelPrefetch;
  }

  deliver(consumer: Consumer, delivery: Delivery): void {
    const tag = this.unacked.nextTag();
    if (!consumer.noAck) this.unacked.add(tag, delivery, consumer);
    const message = delivery.message;
    const host = this.host;
    host.send(
      deliverFrames(
        this.number,
        consumer.tag,
        tag,
        delivery.redelivered,
        message.exchange,
        message.routingKey,
        message.properties,
        message.body,
        host.frameMax,
      ),
    );
  }

  /** The queue went away: tell the client (consumer_cancel_notify) and forget the consumer. */
  cancelledByServer(consumer: Consumer): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    if (this.state === OPEN && this.host.cancelNotify) {
      this.host.sendMethod(this.number, 'basic.cancel', { consumerTag: consumer.tag, nowait: true });
    }
  }

  private get(queue: string, noAck: boolean): void {
    const host = this.host;
    const got = this.vhost.get(queue, host.id, noAck);
    if (!got) {
      host.sendMethod(this.number, 'basic.get-empty', { clusterId: '' });
      return;
    }
    const { delivery } = got;
    const tag = this.unacked.nextTag();
    if (!noAck) this.unacked.add(tag, delivery, undefined);
    const message = delivery.message;
    host.send(
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
        host.frameMax,
      ),
    );
  }

  // ---- Acknowledgements -----------------------------------------------------------------------------

  /** Settles deliveries now (outside a transaction, or when one commits). */
  private settle(entries: Unacked[], kind: Settlement): void {
    this.unacked.settle(entries, kind, this.vhost, this.host);
  }

  /** basic.recover and channel close: every unacked delivery goes back to its queue, redelivered. */
  private requeueAll(): void {
    // Acknowledgements not yet committed never happened: those deliveries go back too.
    const pending = this.unacked.takeAll(this.tx ? this.tx.takeSettled() : []);
    if (pending.length > 0) this.vhost.requeue(pending);
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
    this.incoming.reset();
    this.confirms?.close();
    const vhost = this.host.vhost;
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
  }
}
