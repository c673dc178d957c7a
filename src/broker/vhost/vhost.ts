// A virtual host: exchanges, queues, bindings, routing and dispatch, written through to the
// durable store. Everything here is synchronous and runs on the event loop, so there are no
// locks; the only asynchronous thing is the store's fsync, surfaced as PublishResult.durable.
//
// Costs per message: one map lookup (default/direct exchanges) or one cached lookup (topic) to
// route, one deque push per queue, and dispatch only for queues that have consumers. pump() visits
// only "starved" queues: those holding ready messages while every consumer was at its prefetch
// limit the last time we tried.
import { channelError, connectionError, REPLY } from '../errors.ts';
import type { BindingDefinition, BrokerStore, PersistedMessage, RecoveredState } from '../store/contracts.ts';
import { describeArgument, describeField, fieldString, fieldValuesEqual, resourceName } from './arguments.ts';
import type {
  BasicProperties,
  ConsumerSink,
  Delivery,
  ExchangeOptions,
  PublishResult,
  QueueDeclareOk,
  QueueOptions,
  VirtualHost,
} from './contracts.ts';
import {
  type DeathReason,
  deadLetterProperties,
  deadLetterTarget,
  isDeadLetterCycle,
} from './dead-letter.ts';
import { type Binding, bindingKey, type Destination, Exchange, PREDECLARED_EXCHANGES } from './exchange.ts';
import {
  GONE,
  type HeldMessage,
  QUEUE_EQUIVALENT_ARGS,
  Queue,
  type QueueEntry,
  type QueueHost,
  queueLimits,
  READY,
  serverQueueName,
  UNACKED,
} from './queue.ts';
import { EXCHANGE_TYPES, type ExchangeType, parseXMatch } from './routing.ts';

/**
 * The contract plus three optional extensions the channel should use:
 * - get(…, noAck): with noAck=true the message is settled at once (no ack() needed);
 * - cancel(…, consumer): consumer tags are unique per channel, not per queue, so pass the sink
 *   to cancel exactly that consumer;
 * - pump(queues): after an ack, only the queues that channel consumes from need a look.
 */
export interface BrokerVirtualHost extends VirtualHost {
  get(
    queue: string,
    connectionId: string,
    noAck?: boolean,
  ): { delivery: Delivery; messageCount: number } | undefined;
  cancel(queue: string, consumerTag: string, consumer?: ConsumerSink): void;
  pump(queues?: Iterable<string>): void;
  /** The broker is closing: stop the queues' timers (expiry, x-expires) before the store closes. */
  close(): void;
}

/** A message on its way from a queue to that queue's dead-letter exchange. */
interface DeadLetter {
  message: HeldMessage;
  queue: Queue;
  reason: DeathReason;
}

const RESOLVED: Promise<void> = Promise.resolve();
const UNROUTED: PublishResult = Object.freeze({ routed: false, durable: RESOLVED });
const NO_QUEUES: readonly Queue[] = Object.freeze([]);

export function createVirtualHost(
  name: string,
  store: BrokerStore,
  recovered?: RecoveredState,
): BrokerVirtualHost {
  return new Vhost(name, store, recovered);
}

class Vhost implements BrokerVirtualHost {
  private readonly exchanges = new Map<string, Exchange>();
  private readonly queues = new Map<string, Queue>();
  private readonly exclusiveQueues = new Map<string, Set<Queue>>();
  /** Queues with ready messages and consumers that had no capacity at the last attempt. */
  private readonly starved = new Set<Queue>();
  private lastMessageId = 0;
  private routingEpoch = 0;
  private heldBytes = 0;
  private pumping = false;
  private pumpAgain = false;
  private pumpScheduled = false;
  /** Dead letters not republished yet; see deadLetter(). */
  private readonly deadLetters: DeadLetter[] = [];
  private deadLettering = false;
  private readonly host: QueueHost = {
    released: (entry, reason) => {
      if (reason !== undefined && entry.owner.deadLetter !== undefined) this.deadLetter(entry, reason);
      this.settle(entry);
    },
    delivered: (entry) => {
      // The store only needs to hear about the first delivery: redelivered is already recorded.
      if (!entry.redelivered && entry.message.persistent && entry.owner.durable) {
        this.store.delivered(entry.owner.name, entry.message.id);
      }
    },
    unused: (queue) => {
      // x-expires: deleted as by queue.delete; a queue without consumers has nobody to tell.
      if (!queue.deleted && queue.consumers.length === 0) this.destroyQueue(queue, true);
    },
  };

  constructor(
    readonly name: string,
    private readonly store: BrokerStore,
    recovered?: RecoveredState,
  ) {
    const durable: ExchangeOptions = { durable: true, autoDelete: false, internal: false, arguments: {} };
    for (const [exchangeName, type] of PREDECLARED_EXCHANGES) {
      this.exchanges.set(exchangeName, new Exchange(exchangeName, type, durable));
    }
    if (recovered) this.recover(recovered);
  }

  // ---- exchanges -------------------------------------------------------------------------

  declareExchange(name: string, type: string, options: ExchangeOptions, passive: boolean): void {
    if (passive) {
      this.refuseDefaultExchange(name);
      this.exchangeOrDie(name);
      return;
    }
    // RabbitMQ checks the type first, and an unknown type is a connection error.
    if (!EXCHANGE_TYPES.has(type))
      throw connectionError(REPLY.COMMAND_INVALID, `unknown exchange type '${type}'`);
    this.refuseDefaultExchange(name);
    const existing = this.exchanges.get(name);
    if (existing) {
      this.assertExchangeEquivalent(existing, type, options);
      return;
    }
    if (name.startsWith('amq.')) {
      throw channelError(REPLY.ACCESS_REFUSED, `exchange name '${name}' contains reserved prefix 'amq.*'`);
    }
    const exchange = new Exchange(name, type as ExchangeType, options);
    this.exchanges.set(name, exchange);
    if (exchange.durable) {
      this.store.putExchange({
        name,
        type,
        autoDelete: options.autoDelete,
        internal: options.internal,
        arguments: options.arguments,
      });
    }
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    this.refuseDefaultExchange(name);
    if (name.startsWith('amq.')) {
      throw channelError(
        REPLY.ACCESS_REFUSED,
        `deletion of system ${resourceName('exchange', name, this.name)} not allowed`,
      );
    }
    const exchange = this.exchanges.get(name);
    if (!exchange) return; // Deleting what is not there succeeds, as in RabbitMQ.
    if (ifUnused && exchange.bindings.size > 0) {
      throw channelError(REPLY.PRECONDITION_FAILED, `${resourceName('exchange', name, this.name)} in use`);
    }
    this.destroyExchange(exchange);
  }

  bindExchange(destination: string, source: string, routingKey: string, args: Record<string, unknown>): void {
    this.refuseDefaultExchange(destination);
    this.refuseDefaultExchange(source);
    const from = this.exchangeOrDie(source);
    const to = this.exchangeOrDie(destination);
    this.addBinding(from, to, routingKey, args);
  }

  unbindExchange(
    destination: string,
    source: string,
    routingKey: string,
    args: Record<string, unknown>,
  ): void {
    this.refuseDefaultExchange(destination);
    this.refuseDefaultExchange(source);
    const from = this.exchangeOrDie(source);
    const to = this.exchangeOrDie(destination);
    const binding = from.bindings.get(bindingKey(to, routingKey, args));
    if (binding) this.removeBinding(binding, true);
  }

  // ---- queues ----------------------------------------------------------------------------

  declareQueue(name: string, options: QueueOptions, passive: boolean, connectionId: string): QueueDeclareOk {
    if (passive) {
      const queue = this.queueOrDie(name);
      this.checkExclusiveAccess(queue, connectionId);
      // As in RabbitMQ, even a passive declare counts as a use for x-expires.
      queue.touch();
      return this.declareOk(queue);
    }
    if (name === '') name = serverQueueName();
    else if (name.startsWith('amq.')) {
      throw channelError(REPLY.ACCESS_REFUSED, `queue name '${name}' contains reserved prefix 'amq.*'`);
    }
    // RabbitMQ: an exclusive queue is never durable, whatever the declare says.
    const durable = options.durable && !options.exclusive;
    const owner = options.exclusive ? connectionId : undefined;
    const existing = this.queues.get(name);
    if (existing) {
      if (existing.owner !== owner) throw this.locked(existing);
      this.assertField('queue', name, 'durable', durable, existing.durable);
      this.assertField('queue', name, 'auto_delete', options.autoDelete, existing.autoDelete);
      this.assertQueueArguments(existing, options.arguments);
      existing.touch();
      return this.declareOk(existing);
    }
    const queue = new Queue(
      {
        name,
        durable,
        exclusive: options.exclusive,
        autoDelete: options.autoDelete,
        arguments: options.arguments,
        owner,
        limits: queueLimits(name, this.name, options.arguments),
        deadLetter: deadLetterTarget(name, this.name, options.arguments),
      },
      this.host,
    );
    this.queues.set(name, queue);
    queue.touch();
    if (owner !== undefined) {
      const owned = this.exclusiveQueues.get(owner);
      if (owned) owned.add(queue);
      else this.exclusiveQueues.set(owner, new Set([queue]));
    }
    if (durable) this.store.putQueue({ name, autoDelete: options.autoDelete, arguments: options.arguments });
    return { queue: name, messageCount: 0, consumerCount: 0 };
  }

  bindQueue(
    queue: string,
    exchange: string,
    routingKey: string,
    args: Record<string, unknown>,
    connectionId: string,
  ): void {
    this.refuseDefaultExchange(exchange);
    const source = this.exchangeOrDie(exchange);
    const destination = this.queueOrDie(queue);
    this.checkExclusiveAccess(destination, connectionId);
    this.addBinding(source, destination, routingKey, args);
  }

  unbindQueue(
    queue: string,
    exchange: string,
    routingKey: string,
    args: Record<string, unknown>,
    connectionId: string,
  ): void {
    this.refuseDefaultExchange(exchange);
    const source = this.exchangeOrDie(exchange);
    const destination = this.queueOrDie(queue);
    this.checkExclusiveAccess(destination, connectionId);
    // Unbinding what is not bound succeeds, as in RabbitMQ.
    const binding = source.bindings.get(bindingKey(destination, routingKey, args));
    if (binding) this.removeBinding(binding, true);
  }

  purgeQueue(queue: string, connectionId: string): number {
    const q = this.queueOrDie(queue);
    this.checkExclusiveAccess(q, connectionId);
    const entries = q.takeAllReady();
    this.starved.delete(q);
    if (q.durable && entries.length > 0) {
      // One purge record when nothing is out for ack; otherwise the unacked messages must stay
      // in the store, so remove the purged ones one by one.
      if (q.unacked === 0) this.store.purge(q.name);
      else
        for (const entry of entries)
          if (entry.message.persistent) this.store.remove(q.name, entry.message.id);
    }
    for (const entry of entries) this.unhold(entry.message);
    return entries.length;
  }

  deleteQueue(queue: string, ifUnused: boolean, ifEmpty: boolean, connectionId: string): number {
    const q = this.queues.get(queue);
    if (!q) return 0; // Deleting what is not there succeeds, as in RabbitMQ.
    this.checkExclusiveAccess(q, connectionId);
    if (ifUnused && q.consumers.length > 0) {
      throw channelError(REPLY.PRECONDITION_FAILED, `${resourceName('queue', queue, this.name)} in use`);
    }
    if (ifEmpty) q.expireHead();
    if (ifEmpty && q.ready.length > 0) {
      throw channelError(REPLY.PRECONDITION_FAILED, `${resourceName('queue', queue, this.name)} not empty`);
    }
    return this.destroyQueue(q, true);
  }

  // ---- messages --------------------------------------------------------------------------

  publish(exchange: string, routingKey: string, properties: BasicProperties, body: Buffer): PublishResult {
    const source = this.exchanges.get(exchange);
    if (!source) throw this.noExchange(exchange);
    if (source.internal) {
      throw channelError(
        REPLY.ACCESS_REFUSED,
        `cannot publish to internal ${resourceName('exchange', exchange, this.name)}`,
      );
    }
    const messageTtl =
      properties.expiration === undefined ? undefined : parseExpiration(properties.expiration);
    const targets = this.route(source, routingKey, properties.headers);
    if (targets.length === 0) return UNROUTED;

    const stored = this.enqueue(targets, exchange, routingKey, properties, body, messageTtl);
    return { routed: true, durable: stored ? this.store.sync() : RESOLVED };
  }

  /**
   * A new message into the queues it was routed to (written to the store for the durable ones
   * when persistent), then handed to their consumers. Returns whether the store got a copy.
   */
  private enqueue(
    targets: readonly Queue[],
    exchange: string,
    routingKey: string,
    properties: BasicProperties,
    body: Buffer,
    messageTtl: number | undefined,
  ): boolean {
    const persistent = properties.deliveryMode === 2;
    const message: HeldMessage = {
      id: ++this.lastMessageId,
      exchange,
      routingKey,
      properties,
      body,
      persistent,
      refs: 0,
    };
    let stored: PersistedMessage | undefined;
    for (const queue of targets) {
      if (persistent && queue.durable) {
        stored ??= { id: message.id, exchange, routingKey, properties, body, redelivered: false };
        this.store.enqueue(queue.name, stored);
      }
      this.hold(message);
      queue.enqueue(message, false, messageTtl);
    }
    for (const queue of targets) if (queue.consumers.length > 0) this.dispatch(queue);
    return stored !== undefined;
  }

  consume(queue: string, consumer: ConsumerSink): void {
    const q = this.queueOrDie(queue);
    this.checkExclusiveAccess(q, consumer.connectionId);
    if (q.exclusiveConsumer || (consumer.exclusive && q.consumers.length > 0)) {
      throw channelError(REPLY.ACCESS_REFUSED, `${resourceName('queue', queue, this.name)} in exclusive use`);
    }
    q.addConsumer(consumer);
    // Deliveries must not overtake basic.consume-ok, which the channel sends after this returns:
    // the first dispatch to the new consumer happens on the next turn of the event loop.
    if (q.ready.length > 0) {
      this.starved.add(q);
      this.schedulePump();
    }
  }

  cancel(queue: string, consumerTag: string, consumer?: ConsumerSink): void {
    const q = this.queues.get(queue);
    if (!q) return;
    if (!q.removeConsumer(consumerTag, consumer)) return;
    if (q.consumers.length > 0) return;
    this.starved.delete(q);
    if (q.autoDelete && q.hadConsumer) this.destroyQueue(q, false);
  }

  get(
    queue: string,
    connectionId: string,
    noAck = false,
  ): { delivery: Delivery; messageCount: number } | undefined {
    const q = this.queueOrDie(queue);
    this.checkExclusiveAccess(q, connectionId);
    // basic.get is a use for x-expires, whether or not it finds a message.
    q.touch();
    const entry = q.take();
    if (!entry) return undefined;
    if (noAck) {
      entry.state = GONE;
      this.settle(entry);
    } else {
      entry.state = UNACKED;
      q.unacked++;
      this.host.delivered(entry);
    }
    if (q.ready.length === 0) this.starved.delete(q);
    return { delivery: entry, messageCount: q.ready.length };
  }

  ack(delivery: Delivery): void {
    const entry = delivery as QueueEntry;
    if (entry.state !== UNACKED) return;
    entry.state = GONE;
    entry.owner.unacked--;
    this.settle(entry);
  }

  discard(delivery: Delivery): void {
    const entry = delivery as QueueEntry;
    if (entry.state !== UNACKED) return;
    entry.state = GONE;
    const q = entry.owner;
    q.unacked--;
    // A queue deleted meanwhile dead-letters nothing (RabbitMQ: the message went with it).
    if (q.deadLetter !== undefined && !q.deleted) this.deadLetter(entry, 'rejected');
    this.settle(entry);
  }

  requeue(deliveries: Delivery[]): void {
    let byQueue: Map<Queue, QueueEntry[]> | undefined;
    for (const delivery of deliveries) {
      const entry = delivery as QueueEntry;
      if (entry.state !== UNACKED) continue;
      const q = entry.owner;
      q.unacked--;
      if (q.deleted) {
        entry.state = GONE;
        this.unhold(entry.message);
        continue;
      }
      entry.state = READY;
      entry.redelivered = true;
      byQueue ??= new Map();
      const list = byQueue.get(q);
      if (list) list.push(entry);
      else byQueue.set(q, [entry]);
    }
    if (!byQueue) return;
    for (const [q, entries] of byQueue) {
      q.requeue(entries);
      if (q.consumers.length > 0) this.dispatch(q);
    }
  }

  pump(queues?: Iterable<string>): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      let targets: Queue[] = [];
      if (queues) {
        for (const name of queues) {
          const q = this.queues.get(name);
          if (q && this.starved.has(q)) targets.push(q);
        }
      } else {
        targets = Array.from(this.starved);
      }
      for (;;) {
        for (const q of targets) {
          if (q.deleted || q.consumers.length === 0 || q.ready.length === 0) {
            this.starved.delete(q);
            continue;
          }
          this.dispatch(q);
          // Still starved: move it to the back, so queues whose consumers share a channel's
          // prefetch take turns instead of the first one always winning.
          if (this.starved.delete(q)) this.starved.add(q);
        }
        if (!this.pumpAgain) break;
        this.pumpAgain = false;
        targets = Array.from(this.starved);
      }
    } finally {
      this.pumping = false;
    }
  }

  connectionClosed(connectionId: string): void {
    const owned = this.exclusiveQueues.get(connectionId);
    if (!owned) return;
    this.exclusiveQueues.delete(connectionId);
    // The consumers belong to the closing connection, so there is nobody to tell.
    for (const q of owned) if (!q.deleted) this.destroyQueue(q, false);
  }

  memoryUsed(): number {
    return this.heldBytes;
  }

  close(): void {
    for (const q of this.queues.values()) q.stopTimers();
  }

  stats(): Array<{ queue: string; ready: number; unacked: number; consumers: number; durable: boolean }> {
    return Array.from(this.queues.values(), (q) => ({
      queue: q.name,
      ready: q.ready.length,
      unacked: q.unacked,
      consumers: q.consumers.length,
      durable: q.durable,
    }));
  }

  // ---- internals -------------------------------------------------------------------------

  /** The queues a message goes to, each once, following exchange-to-exchange bindings. */
  private route(
    source: Exchange,
    routingKey: string,
    headers: Record<string, unknown> | undefined,
  ): readonly Queue[] {
    if (source.isDefault) {
      const q = this.queues.get(routingKey);
      return q ? [q] : NO_QUEUES;
    }
    const epoch = ++this.routingEpoch;
    const out: Queue[] = [];
    this.collect(source, routingKey, headers, epoch, out);
    return out;
  }

  private collect(
    exchange: Exchange,
    routingKey: string,
    headers: Record<string, unknown> | undefined,
    epoch: number,
    out: Queue[],
  ): void {
    exchange.mark = epoch;
    const before = out.length;
    for (const destination of exchange.routes.match(routingKey, headers)) {
      if (destination.mark === epoch) continue;
      if (destination.kind === 'queue') {
        destination.mark = epoch;
        out.push(destination);
      } else {
        this.collect(destination, routingKey, headers, epoch, out);
      }
    }
    // alternate-exchange: what this exchange could not route goes there instead.
    if (out.length === before && exchange.alternate !== undefined) {
      const alternate = this.exchanges.get(exchange.alternate);
      if (alternate && alternate.mark !== epoch) this.collect(alternate, routingKey, headers, epoch, out);
    }
  }

  private dispatch(q: Queue): void {
    q.dispatch();
    if (q.ready.length > 0 && q.consumers.length > 0 && !q.deleted) this.starved.add(q);
    else this.starved.delete(q);
  }

  /**
   * Republishes a message leaving a queue with a dead-letter exchange. Dead letters that this
   * causes (x-max-length or TTL 0 in the queues it lands in) wait in a list and are handled by
   * the outermost call, in order: no recursion, however the queues chain. Called before the entry
   * is settled, so a durable target has the message before the source forgets it.
   */
  private deadLetter(entry: QueueEntry, reason: DeathReason): void {
    this.deadLetters.push({ message: entry.message, queue: entry.owner, reason });
    if (this.deadLettering) return;
    this.deadLettering = true;
    try {
      // The list grows while we walk it.
      for (let i = 0; i < this.deadLetters.length; i++) this.republish(this.deadLetters[i]!);
    } finally {
      this.deadLetters.length = 0;
      this.deadLettering = false;
    }
  }

  private republish({ message, queue, reason }: DeadLetter): void {
    const target = queue.deadLetter!;
    // RabbitMQ drops the message when the dead-letter exchange does not exist (any more).
    const exchange = this.exchanges.get(target.exchange);
    if (!exchange) return;
    const properties = deadLetterProperties(message, reason, queue.name, target, Date.now());
    const routingKey = target.routingKey ?? message.routingKey;
    // A queue the message would cycle back to without any rejection on the way does not get it.
    const targets = this.route(exchange, routingKey, properties.headers).filter(
      (q) => !isDeadLetterCycle(properties.headers, q.name),
    );
    if (targets.length === 0) return;
    // The expiration went into x-death: a dead letter starts with no per-message TTL.
    this.enqueue(targets, exchange.name, routingKey, properties, message.body, undefined);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** The message left this queue for good: forget it in the store and in memory accounting. */
  private settle(entry: QueueEntry): void {
    const q = entry.owner;
    // A deleted queue's messages were dropped from the store with it.
    if (entry.message.persistent && q.durable && !q.deleted) this.store.remove(q.name, entry.message.id);
    this.unhold(entry.message);
  }

  private hold(message: HeldMessage): void {
    if (message.refs++ === 0) this.heldBytes += message.body.length;
  }

  private unhold(message: HeldMessage): void {
    if (--message.refs === 0) this.heldBytes -= message.body.length;
  }

  private addBinding(
    source: Exchange,
    destination: Destination,
    routingKey: string,
    args: Record<string, unknown>,
  ) {
    if (source.type === 'headers') {
      const mode = parseXMatch(args);
      if (typeof mode !== 'string') throw channelError(REPLY.PRECONDITION_FAILED, mode.error);
    }
    const binding: Binding = {
      source,
      destination,
      routingKey,
      args,
      key: bindingKey(destination, routingKey, args),
    };
    if (source.addBinding(binding) && this.isDurableBinding(binding)) {
      this.store.putBinding(this.bindingDefinition(binding));
    }
  }

  /**
   * Removes a binding; an auto-delete source goes with its last binding. `writeStore` is false
   * when the store drops the binding anyway (its queue or exchange is being deleted).
   */
  private removeBinding(binding: Binding, writeStore: boolean): void {
    const source = binding.source;
    source.removeBinding(binding);
    if (writeStore && this.isDurableBinding(binding))
      this.store.deleteBinding(this.bindingDefinition(binding));
    if (source.autoDelete && source.bindings.size === 0 && !source.deleted) this.destroyExchange(source);
  }

  private isDurableBinding(binding: Binding): boolean {
    return binding.source.durable && binding.destination.durable;
  }

  private bindingDefinition(binding: Binding): BindingDefinition {
    return {
      kind: binding.destination.kind,
      destination: binding.destination.name,
      source: binding.source.name,
      routingKey: binding.routingKey,
      arguments: binding.args,
    };
  }

  private destroyExchange(exchange: Exchange): void {
    exchange.deleted = true;
    this.exchanges.delete(exchange.name);
    // The store drops every binding from or to a deleted exchange along with its definition.
    if (exchange.durable) this.store.deleteExchange(exchange.name);
    for (const binding of Array.from(exchange.bindings.values())) exchange.removeBinding(binding);
    for (const binding of Array.from(exchange.incoming)) this.removeBinding(binding, false);
  }

  /** Deletes a queue: bindings, ready messages, consumers (told with basic.cancel when `notify`). */
  private destroyQueue(q: Queue, notify: boolean): number {
    if (q.durable) this.store.deleteQueue(q.name);
    q.deleted = true;
    q.stopTimers();
    this.queues.delete(q.name);
    this.starved.delete(q);
    if (q.owner !== undefined) this.exclusiveQueues.get(q.owner)?.delete(q);
    for (const binding of Array.from(q.incoming)) this.removeBinding(binding, false);
    const entries = q.takeAllReady();
    for (const entry of entries) this.unhold(entry.message);
    const consumers = q.consumers.splice(0);
    if (notify) for (const consumer of consumers) consumer.cancelledByServer();
    return entries.length;
  }

  private recover(state: RecoveredState): void {
    // First: recovering messages can dead-letter some (TTL 0, a lowered x-max-length), and those
    // new messages must not take the ids of recovered ones.
    this.lastMessageId = Math.max(this.lastMessageId, state.lastMessageId);
    for (const def of state.exchanges) {
      if (this.exchanges.has(def.name) || !EXCHANGE_TYPES.has(def.type)) continue;
      this.exchanges.set(
        def.name,
        new Exchange(def.name, def.type as ExchangeType, {
          durable: true,
          autoDelete: def.autoDelete,
          internal: def.internal,
          arguments: def.arguments,
        }),
      );
    }
    for (const def of state.queues) {
      if (this.queues.has(def.name)) continue;
      let limits: ReturnType<typeof queueLimits>;
      try {
        limits = queueLimits(def.name, this.name, def.arguments);
      } catch {
        limits = { maxLength: undefined, messageTtl: undefined, expires: undefined };
      }
      let deadLetter: ReturnType<typeof deadLetterTarget>;
      try {
        deadLetter = deadLetterTarget(def.name, this.name, def.arguments);
      } catch {
        deadLetter = undefined;
      }
      const queue = new Queue(
        {
          name: def.name,
          durable: true,
          exclusive: false,
          autoDelete: def.autoDelete,
          arguments: def.arguments,
          owner: undefined,
          limits,
          deadLetter,
        },
        this.host,
      );
      this.queues.set(def.name, queue);
      // RabbitMQ starts the x-expires lease of a recovered queue afresh.
      queue.touch();
    }
    for (const def of state.bindings) {
      const source = this.exchanges.get(def.source);
      const destination =
        def.kind === 'queue' ? this.queues.get(def.destination) : this.exchanges.get(def.destination);
      if (!source || !destination || source.isDefault) continue;
      source.addBinding({
        source,
        destination,
        routingKey: def.routingKey,
        args: def.arguments,
        key: bindingKey(destination, def.routingKey, def.arguments),
      });
    }
    // One message in several queues is held once.
    const byId = new Map<number, HeldMessage>();
    for (const [queueName, messages] of state.messages) {
      const queue = this.queues.get(queueName);
      if (!queue) continue;
      for (const m of messages) {
        let message = byId.get(m.id);
        if (!message) {
          message = {
            id: m.id,
            exchange: m.exchange,
            routingKey: m.routingKey,
            properties: m.properties,
            body: m.body,
            persistent: true,
            refs: 0,
          };
          byId.set(m.id, message);
        }
        this.hold(message);
        let ttl: number | undefined;
        try {
          ttl = m.properties.expiration === undefined ? undefined : parseExpiration(m.properties.expiration);
        } catch {
          ttl = undefined;
        }
        queue.enqueue(message, m.redelivered, ttl);
      }
    }
  }

  private declareOk(q: Queue): QueueDeclareOk {
    q.expireHead();
    return { queue: q.name, messageCount: q.ready.length, consumerCount: q.consumers.length };
  }

  private exchangeOrDie(name: string): Exchange {
    const exchange = this.exchanges.get(name);
    if (!exchange) throw this.noExchange(name);
    return exchange;
  }

  private queueOrDie(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw channelError(REPLY.NOT_FOUND, `no ${resourceName('queue', name, this.name)}`);
    return q;
  }

  private noExchange(name: string) {
    return channelError(REPLY.NOT_FOUND, `no ${resourceName('exchange', name, this.name)}`);
  }

  private refuseDefaultExchange(name: string): void {
    if (name === '')
      throw channelError(REPLY.ACCESS_REFUSED, 'operation not permitted on the default exchange');
  }

  /** Exclusive queues are usable only from the connection that declared them. */
  private checkExclusiveAccess(q: Queue, connectionId: string): void {
    if (q.exclusive && q.owner !== connectionId) throw this.locked(q);
  }

  private locked(q: Queue) {
    return channelError(
      REPLY.RESOURCE_LOCKED,
      `cannot obtain exclusive access to locked ${resourceName('queue', q.name, this.name)}. It could be ` +
        'originally declared on another connection or the exclusive property value does not match that ' +
        'of the original declaration.',
    );
  }

  private assertExchangeEquivalent(exchange: Exchange, type: string, options: ExchangeOptions): void {
    this.assertField('exchange', exchange.name, 'type', type, exchange.type);
    this.assertField('exchange', exchange.name, 'durable', options.durable, exchange.durable);
    this.assertField('exchange', exchange.name, 'auto_delete', options.autoDelete, exchange.autoDelete);
    this.assertField('exchange', exchange.name, 'internal', options.internal, exchange.internal);
    const received = options.arguments['alternate-exchange'];
    const current = exchange.arguments['alternate-exchange'];
    if (!sameArgument(received, current)) {
      this.inequivalent(
        'exchange',
        exchange.name,
        'alternate-exchange',
        received ?? undefined,
        current ?? undefined,
        true,
      );
    }
  }

  private assertQueueArguments(q: Queue, args: Record<string, unknown>): void {
    for (const key of QUEUE_EQUIVALENT_ARGS) {
      let received = args[key];
      let current = q.arguments[key];
      // A queue declared without a type is a classic queue.
      if (key === 'x-queue-type') {
        received = fieldString(received) ?? received ?? 'classic';
        current = fieldString(current) ?? current ?? 'classic';
      }
      if (!sameArgument(received, current)) {
        this.inequivalent('queue', q.name, key, received ?? undefined, current ?? undefined, true);
      }
    }
  }

  private assertField(
    kind: 'queue' | 'exchange',
    name: string,
    field: string,
    received: unknown,
    current: unknown,
  ) {
    if (received !== current) this.inequivalent(kind, name, field, received, current, false);
  }

  private inequivalent(
    kind: 'queue' | 'exchange',
    name: string,
    field: string,
    received: unknown,
    current: unknown,
    argument: boolean,
  ): never {
    // RabbitMQ names the type of an argument only when the other side is absent.
    const typed = argument && (received === undefined || current === undefined);
    const describe = typed ? describeArgument : describeField;
    throw channelError(
      REPLY.PRECONDITION_FAILED,
      `inequivalent arg '${field}' for ${resourceName(kind, name, this.name)}: ` +
        `received ${describe(received)} but current is ${describe(current)}`,
    );
  }
}

function sameArgument(a: unknown, b: unknown): boolean {
  const absentA = a === undefined || a === null;
  const absentB = b === undefined || b === null;
  if (absentA || absentB) return absentA && absentB;
  return fieldValuesEqual(a, b);
}

/** The expiration property: a non-negative integer of milliseconds, as text; 406 otherwise. */
function parseExpiration(value: unknown): number {
  const text = fieldString(value) ?? String(value);
  const n = /^[-+]?\d+$/.test(text) ? Number(text) : undefined;
  const problem = n === undefined ? 'no_integer' : n < 0 ? `{value_negative,${n}}` : undefined;
  if (n === undefined || problem !== undefined) {
    throw channelError(REPLY.PRECONDITION_FAILED, `invalid expiration '${text}': ${problem}`);
  }
  return n;
}
