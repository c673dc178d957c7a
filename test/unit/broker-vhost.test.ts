// The virtual host with fake consumers: dispatch (round robin, prefetch, requeue), the queue
// rules RabbitMQ enforces (exclusive, auto-delete, equivalence, reserved names) and their reply
// codes, and recovery through a store.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AmqpError } from '../../src/broker/errors.ts';
import type { BrokerStore } from '../../src/broker/store/contracts.ts';
import { memoryStore } from '../../src/broker/store/memory-store.ts';
import type { ConsumerSink, Delivery, QueueOptions } from '../../src/broker/vhost/contracts.ts';
import { type BrokerVirtualHost, createVirtualHost } from '../../src/broker/vhost/vhost.ts';

const Q: QueueOptions = { durable: false, exclusive: false, autoDelete: false, arguments: {} };
const DURABLE: QueueOptions = { ...Q, durable: true };
const C1 = 'conn-1';
const C2 = 'conn-2';

/** A consumer that records what it gets; capacity works like a per-consumer prefetch. */
class FakeSink implements ConsumerSink {
  readonly received: Delivery[] = [];
  outstanding = 0;
  cancelled = false;
  onDeliver: ((delivery: Delivery) => void) | undefined;

  constructor(
    readonly tag: string,
    readonly connectionId = C1,
    readonly options: { noAck?: boolean; exclusive?: boolean; prefetch?: number } = {},
  ) {}

  get noAck() {
    return this.options.noAck ?? false;
  }

  get exclusive() {
    return this.options.exclusive ?? false;
  }

  hasCapacity() {
    return this.noAck || this.outstanding < (this.options.prefetch ?? Number.POSITIVE_INFINITY);
  }

  deliver(delivery: Delivery) {
    this.received.push(delivery);
    if (!this.noAck) this.outstanding++;
    this.onDeliver?.(delivery);
  }

  cancelledByServer() {
    this.cancelled = true;
  }

  bodies() {
    return this.received.map((d) => d.message.body.toString());
  }
}

function amqpError(fn: () => unknown): AmqpError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AmqpError);
    return error as AmqpError;
  }
  throw new Error('expected an AmqpError');
}

const text = (s: string) => Buffer.from(s);

function publishAll(vhost: BrokerVirtualHost, queue: string, bodies: string[], persistent = false) {
  for (const b of bodies) vhost.publish('', queue, persistent ? { deliveryMode: 2 } : {}, text(b));
}

const stat = (vhost: BrokerVirtualHost, queue: string) => vhost.stats().find((s) => s.queue === queue);

/** Wraps a store to count calls. */
function countingStore(inner: BrokerStore = memoryStore()) {
  const calls: Record<string, number> = {};
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { store, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('dispatch', () => {
  it('round-robins among consumers', async () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    const sinks = [new FakeSink('a'), new FakeSink('b'), new FakeSink('c')];
    for (const s of sinks) vhost.consume('q', s);
    publishAll(vhost, 'q', ['1', '2', '3', '4', '5', '6', '7']);
    expect(sinks.map((s) => s.bodies())).toEqual([
      ['1', '4', '7'],
      ['2', '5'],
      ['3', '6'],
    ]);
    expect(stat(vhost, 'q')).toEqual({ queue: 'q', ready: 0, unacked: 7, consumers: 3, durable: false });
  });

  it('delivers only to consumers with capacity, and pump() resumes after an ack', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    const a = new FakeSink('a', C1, { prefetch: 1 });
    const b = new FakeSink('b', C1, { prefetch: 2 });
    vhost.consume('q', a);
    vhost.consume('q', b);
    publishAll(vhost, 'q', ['1', '2', '3', '4', '5']);
    expect(a.bodies()).toEqual(['1']);
    expect(b.bodies()).toEqual(['2', '3']);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 2, unacked: 3 });

    vhost.ack(a.received[0]!);
    a.outstanding--;
    vhost.pump();
    expect(a.bodies()).toEqual(['1', '4']);
    // pump with names looks only at those queues.
    vhost.ack(b.received[0]!);
    b.outstanding--;
    vhost.pump(['other']);
    expect(b.bodies()).toEqual(['2', '3']);
    vhost.pump(['q']);
    expect(b.bodies()).toEqual(['2', '3', '5']);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 0, unacked: 3 });
  });

  it('does not deliver before consume returns (basic.consume-ok goes first)', async () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    publishAll(vhost, 'q', ['1', '2']);
    const sink = new FakeSink('a');
    vhost.consume('q', sink);
    expect(sink.received).toEqual([]);
    await nextTurn();
    expect(sink.bodies()).toEqual(['1', '2']);
  });

  it('noAck consumers settle messages at once', () => {
    const { store, calls } = countingStore();
    const vhost = createVirtualHost('/', store);
    vhost.declareQueue('q', DURABLE, false, C1);
    const sink = new FakeSink('a', C1, { noAck: true });
    vhost.consume('q', sink);
    publishAll(vhost, 'q', ['1', '2'], true);
    expect(sink.bodies()).toEqual(['1', '2']);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 0, unacked: 0 });
    expect(calls.remove).toBe(2);
    expect(vhost.memoryUsed()).toBe(0);
  });

  it('copes with a consumer that acks inside deliver', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    const sink = new FakeSink('a', C1, { prefetch: 1 });
    sink.onDeliver = (d) => {
      vhost.ack(d);
      sink.outstanding--;
      vhost.pump();
    };
    publishAll(
      vhost,
      'q',
      Array.from({ length: 20_000 }, (_, i) => String(i)),
    );
    vhost.consume('q', sink);
    vhost.pump();
    expect(sink.received).toHaveLength(20_000);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 0, unacked: 0 });
  });

  it('requeue puts messages back at the head in their original order, redelivered', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    publishAll(vhost, 'q', ['1', '2', '3', '4', '5']);
    const got = [0, 1, 2].map(() => vhost.get('q', C1)!.delivery);
    expect(got.map((d) => d.redelivered)).toEqual([false, false, false]);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 2, unacked: 3 });
    vhost.requeue([got[2]!, got[0]!]);
    vhost.requeue([got[1]!]);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 5, unacked: 0 });
    const again: Delivery[] = [];
    for (let d = vhost.get('q', C1, true); d; d = vhost.get('q', C1, true)) again.push(d.delivery);
    expect(again.map((d) => d.message.body.toString())).toEqual(['1', '2', '3', '4', '5']);
    expect(again.map((d) => d.redelivered)).toEqual([true, true, true, false, false]);
  });

  it('requeue redelivers to waiting consumers; ack after requeue and double acks are ignored', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    const a = new FakeSink('a');
    vhost.consume('q', a);
    publishAll(vhost, 'q', ['1']);
    const first = a.received[0]!;
    vhost.requeue([first]);
    expect(a.received).toHaveLength(2);
    expect(a.received[1]!.redelivered).toBe(true);
    vhost.ack(first);
    vhost.ack(first);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 0, unacked: 0 });
  });

  it('basic.get reports the remaining count and tracks unacked', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    expect(vhost.get('q', C1)).toBeUndefined();
    publishAll(vhost, 'q', ['1', '2', '3']);
    const got = vhost.get('q', C1)!;
    expect(got.messageCount).toBe(2);
    expect(got.delivery.queue).toBe('q');
    expect(got.delivery.message.routingKey).toBe('q');
    expect(stat(vhost, 'q')).toMatchObject({ ready: 2, unacked: 1 });
    vhost.discard(got.delivery);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 2, unacked: 0 });
    expect(vhost.get('q', C1, true)!.messageCount).toBe(1);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 1, unacked: 0 });
  });
});

describe('queue rules', () => {
  it('names server-named queues amq.gen-… and reserves the amq. prefix', () => {
    const vhost = createVirtualHost('/', memoryStore());
    const ok = vhost.declareQueue('', Q, false, C1);
    expect(ok.queue).toMatch(/^amq\.gen-[A-Za-z0-9_-]{22}$/);
    expect(vhost.declareQueue('', Q, false, C1).queue).not.toBe(ok.queue);
    expect(vhost.declareQueue(ok.queue, Q, true, C1)).toEqual({
      queue: ok.queue,
      messageCount: 0,
      consumerCount: 0,
    });
    const err = amqpError(() => vhost.declareQueue('amq.mine', Q, false, C1));
    expect(err.code).toBe(403);
    expect(err.replyText).toBe("ACCESS_REFUSED - queue name 'amq.mine' contains reserved prefix 'amq.*'");
  });

  it('passive declare of a missing queue is 404; declare-ok counts ready messages and consumers', () => {
    const vhost = createVirtualHost('/', memoryStore());
    const err = amqpError(() => vhost.declareQueue('nope', Q, true, C1));
    expect(err.code).toBe(404);
    expect(err.replyText).toBe("NOT_FOUND - no queue 'nope' in vhost '/'");
    vhost.declareQueue('q', Q, false, C1);
    publishAll(vhost, 'q', ['1', '2']);
    vhost.get('q', C1);
    vhost.consume('q', new FakeSink('a', C1, { prefetch: 0 }));
    expect(vhost.declareQueue('q', Q, true, C1)).toEqual({ queue: 'q', messageCount: 1, consumerCount: 1 });
    expect(vhost.declareQueue('q', Q, false, C1)).toEqual({ queue: 'q', messageCount: 1, consumerCount: 1 });
  });

  it('redeclaring with different properties is 406 with RabbitMQ wording', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', { ...Q, arguments: { 'x-max-length': 10, 'x-custom': 1 } }, false, C1);
    const cases: Array<[QueueOptions, string]> = [
      [
        { ...Q, durable: true, arguments: { 'x-max-length': 10 } },
        "inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current is 'false'",
      ],
      [
        { ...Q, autoDelete: true, arguments: { 'x-max-length': 10 } },
        "inequivalent arg 'auto_delete' for queue 'q' in vhost '/': received 'true' but current is 'false'",
      ],
      [
        { ...Q, arguments: {} },
        "inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received none but current is the value '10' of type 'byte'",
      ],
      [
        { ...Q, arguments: { 'x-max-length': 11 } },
        "inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received '11' but current is '10'",
      ],
    ];
    for (const [options, detail] of cases) {
      const err = amqpError(() => vhost.declareQueue('q', options, false, C1));
      expect(err.code).toBe(406);
      expect(err.replyText).toBe(`PRECONDITION_FAILED - ${detail}`);
    }
    // Arguments RabbitMQ does not compare may differ; 64-bit and 32-bit numbers compare by value.
    vhost.declareQueue('q', { ...Q, arguments: { 'x-max-length': 10n, 'x-custom': 2 } }, false, C1);
    // x-queue-type absent means classic.
    vhost.declareQueue(
      'q',
      { ...Q, arguments: { 'x-max-length': 10, 'x-queue-type': 'classic' } },
      false,
      C1,
    );
  });

  it('validates x-max-length and x-message-ttl (406)', () => {
    const vhost = createVirtualHost('/', memoryStore());
    const err = amqpError(() =>
      vhost.declareQueue('q', { ...Q, arguments: { 'x-max-length': -1 } }, false, C1),
    );
    expect(err.code).toBe(406);
    expect(err.replyText).toBe(
      "PRECONDITION_FAILED - invalid arg 'x-max-length' for queue 'q' in vhost '/': {value_negative,-1}",
    );
    expect(
      amqpError(() => vhost.declareQueue('q', { ...Q, arguments: { 'x-message-ttl': 1.5 } }, false, C1))
        .replyText,
    ).toBe(
      "PRECONDITION_FAILED - invalid arg 'x-message-ttl' for queue 'q' in vhost '/': \"expected integer, got double\"",
    );
  });

  it('exclusive queues are locked to their connection (405) and go with it', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('mine', { ...Q, exclusive: true, durable: true }, false, C1);
    expect(stat(vhost, 'mine')?.durable).toBe(false); // exclusive queues are never durable
    const attempts = [
      () => vhost.declareQueue('mine', { ...Q, exclusive: true }, false, C2),
      () => vhost.declareQueue('mine', Q, false, C2),
      () => vhost.declareQueue('mine', Q, true, C2),
      () => vhost.consume('mine', new FakeSink('x', C2)),
      () => vhost.get('mine', C2),
      () => vhost.purgeQueue('mine', C2),
      () => vhost.deleteQueue('mine', false, false, C2),
      () => vhost.bindQueue('mine', 'amq.direct', 'k', {}, C2),
      // The owner redeclaring it as non-exclusive does not match either.
      () => vhost.declareQueue('mine', Q, false, C1),
    ];
    for (const attempt of attempts) {
      const err = amqpError(attempt);
      expect(err.code).toBe(405);
      expect(err.replyText).toBe(
        "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'mine' in vhost '/'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.",
      );
    }
    // Anyone may publish to it.
    expect(vhost.publish('', 'mine', {}, text('hi')).routed).toBe(true);
    vhost.declareQueue('mine', { ...Q, exclusive: true }, false, C1);
    vhost.declareQueue('other', { ...Q, exclusive: true }, false, C2);
    vhost.declareQueue('shared', Q, false, C1);
    vhost.connectionClosed(C1);
    expect(vhost.stats().map((s) => s.queue)).toEqual(['other', 'shared']);
    expect(vhost.memoryUsed()).toBe(0);
  });

  it('exclusive consumers: refused on a queue with consumers, and they lock others out (403)', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    vhost.consume('q', new FakeSink('a'));
    let err = amqpError(() => vhost.consume('q', new FakeSink('b', C1, { exclusive: true })));
    expect(err.code).toBe(403);
    expect(err.replyText).toBe("ACCESS_REFUSED - queue 'q' in vhost '/' in exclusive use");
    vhost.cancel('q', 'a');
    vhost.consume('q', new FakeSink('b', C1, { exclusive: true }));
    err = amqpError(() => vhost.consume('q', new FakeSink('c', C2)));
    expect(err.code).toBe(403);
    vhost.cancel('q', 'b');
    vhost.consume('q', new FakeSink('c', C2));
  });

  it('cancel with the sink removes exactly that consumer when tags repeat across channels', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    const first = new FakeSink('same', C1);
    const second = new FakeSink('same', C2);
    vhost.consume('q', first);
    vhost.consume('q', second);
    vhost.cancel('q', 'same', second);
    publishAll(vhost, 'q', ['1']);
    expect(first.bodies()).toEqual(['1']);
    expect(second.bodies()).toEqual([]);
  });

  it('an auto-delete queue goes with its last consumer, but only once it had one', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('ad', { ...Q, autoDelete: true }, false, C1);
    vhost.bindQueue('ad', 'amq.fanout', '', {}, C1);
    publishAll(vhost, 'ad', ['1']);
    expect(stat(vhost, 'ad')).toBeDefined();
    vhost.consume('ad', new FakeSink('a'));
    vhost.consume('ad', new FakeSink('b'));
    vhost.cancel('ad', 'a');
    expect(stat(vhost, 'ad')).toBeDefined();
    vhost.cancel('ad', 'b');
    expect(stat(vhost, 'ad')).toBeUndefined();
    expect(vhost.publish('amq.fanout', '', {}, text('x')).routed).toBe(false);
    expect(vhost.memoryUsed()).toBe(0);
  });

  it('delete: ifUnused/ifEmpty are 406; deleting cancels consumers and drops messages', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    const sink = new FakeSink('a', C1, { prefetch: 1 });
    vhost.consume('q', sink);
    publishAll(vhost, 'q', ['1', '2', '3']);
    let err = amqpError(() => vhost.deleteQueue('q', true, false, C1));
    expect(err.replyText).toBe("PRECONDITION_FAILED - queue 'q' in vhost '/' in use");
    err = amqpError(() => vhost.deleteQueue('q', false, true, C1));
    expect(err.replyText).toBe("PRECONDITION_FAILED - queue 'q' in vhost '/' not empty");
    expect(vhost.deleteQueue('q', false, false, C1)).toBe(2);
    expect(sink.cancelled).toBe(true);
    expect(vhost.stats()).toEqual([]);
    // The unacked delivery can still be acked (or requeued) without effect.
    expect(vhost.memoryUsed()).toBe(1);
    vhost.requeue([sink.received[0]!]);
    expect(vhost.memoryUsed()).toBe(0);
    vhost.ack(sink.received[0]!);
    // Deleting a missing queue succeeds with 0, as in RabbitMQ.
    expect(vhost.deleteQueue('q', false, false, C1)).toBe(0);
    // A queue of the same name is a new queue.
    vhost.declareQueue('q', Q, false, C1);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 0, unacked: 0 });
  });

  it('purge drops ready messages only', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', Q, false, C1);
    publishAll(vhost, 'q', ['1', '2', '3']);
    const d = vhost.get('q', C1)!.delivery;
    expect(vhost.purgeQueue('q', C1)).toBe(2);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 0, unacked: 1 });
    vhost.requeue([d]);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 1, unacked: 0 });
    expect(amqpError(() => vhost.purgeQueue('nope', C1)).code).toBe(404);
  });

  it('x-max-length drops from the head', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', { ...Q, arguments: { 'x-max-length': 2 } }, false, C1);
    publishAll(vhost, 'q', ['1', '2', '3', '4']);
    expect(stat(vhost, 'q')).toMatchObject({ ready: 2 });
    expect(vhost.get('q', C1, true)!.delivery.message.body.toString()).toBe('3');
    expect(vhost.memoryUsed()).toBe(1);
    // A requeue past the limit drops the head, which is the requeued message (as RabbitMQ does).
    const out = vhost.get('q', C1)!.delivery;
    publishAll(vhost, 'q', ['5', '6']);
    vhost.requeue([out]);
    const rest: string[] = [];
    for (let g = vhost.get('q', C1, true); g; g = vhost.get('q', C1, true))
      rest.push(g.delivery.message.body.toString());
    expect(rest).toEqual(['5', '6']);
    expect(vhost.memoryUsed()).toBe(0);
  });

  it('x-message-ttl and per-message expiration drop messages lazily', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', { ...Q, arguments: { 'x-message-ttl': 1000 } }, false, C1);
    vhost.declareQueue('p', Q, false, C1);
    publishAll(vhost, 'q', ['1']);
    vhost.publish('', 'p', { expiration: '500' }, text('short'));
    vhost.publish('', 'p', {}, text('forever'));
    vi.setSystemTime(1_000_600);
    publishAll(vhost, 'q', ['2']);
    expect(vhost.get('p', C1, true)!.delivery.message.body.toString()).toBe('forever');
    vi.setSystemTime(1_001_200);
    expect(vhost.declareQueue('q', Q, true, C1).messageCount).toBe(1);
    expect(vhost.get('q', C1, true)!.delivery.message.body.toString()).toBe('2');
    expect(vhost.memoryUsed()).toBe(0);
    let err = amqpError(() => vhost.publish('', 'p', { expiration: '-5' }, text('x')));
    expect(err.code).toBe(406);
    expect(err.replyText).toBe("PRECONDITION_FAILED - invalid expiration '-5': {value_negative,-5}");
    err = amqpError(() => vhost.publish('', 'p', { expiration: 'soon' }, text('x')));
    expect(err.replyText).toBe("PRECONDITION_FAILED - invalid expiration 'soon': no_integer");
  });
});

describe('memory and stats', () => {
  it('counts a body once however many queues hold it', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('a', Q, false, C1);
    vhost.declareQueue('b', Q, false, C1);
    vhost.bindQueue('a', 'amq.fanout', '', {}, C1);
    vhost.bindQueue('b', 'amq.fanout', '', {}, C1);
    vhost.publish('amq.fanout', '', {}, Buffer.alloc(1000));
    expect(vhost.memoryUsed()).toBe(1000);
    const fromA = vhost.get('a', C1)!.delivery;
    vhost.ack(fromA);
    expect(vhost.memoryUsed()).toBe(1000);
    vhost.purgeQueue('b', C1);
    expect(vhost.memoryUsed()).toBe(0);
    expect(vhost.stats()).toEqual([
      { queue: 'a', ready: 0, unacked: 0, consumers: 0, durable: false },
      { queue: 'b', ready: 0, unacked: 0, consumers: 0, durable: false },
    ]);
  });
});

describe('durability', () => {
  it('writes persistent messages in durable queues only, and waits for sync then', async () => {
    const { store, calls } = countingStore();
    const vhost = createVirtualHost('/', store);
    vhost.declareQueue('d', DURABLE, false, C1);
    vhost.declareQueue('t', Q, false, C1);
    vhost.bindQueue('d', 'amq.fanout', '', {}, C1);
    vhost.bindQueue('t', 'amq.fanout', '', {}, C1);
    expect(calls.putQueue).toBe(1);
    expect(calls.putBinding).toBe(1); // only durable → durable bindings are stored

    const transient = vhost.publish('amq.fanout', '', {}, text('t'));
    expect(calls.enqueue).toBeUndefined();
    expect(calls.sync).toBeUndefined();
    await transient.durable;

    const persistent = vhost.publish('amq.fanout', '', { deliveryMode: 2 }, text('p'));
    expect(calls.enqueue).toBe(1);
    expect(calls.sync).toBe(1);
    await persistent.durable;

    vhost.ack(vhost.get('d', C1)!.delivery); // the transient one: nothing for the store
    expect(calls.delivered).toBeUndefined();
    expect(calls.remove).toBeUndefined();
    const got = vhost.get('d', C1)!.delivery;
    expect(calls.delivered).toBe(1);
    vhost.ack(got);
    expect(calls.remove).toBe(1);
  });

  it('recovers definitions and messages, with redelivered for delivered ones', async () => {
    const store = memoryStore();
    const before = createVirtualHost('/', store);
    before.declareExchange(
      'events',
      'topic',
      { durable: true, autoDelete: false, internal: false, arguments: {} },
      false,
    );
    before.declareExchange(
      'scratch',
      'topic',
      { durable: false, autoDelete: false, internal: false, arguments: {} },
      false,
    );
    before.declareQueue('jobs', DURABLE, false, C1);
    before.declareQueue('temp', Q, false, C1);
    before.bindQueue('jobs', 'events', 'job.*', {}, C1);
    before.bindQueue('temp', 'events', 'job.*', {}, C1);
    for (const n of ['1', '2', '3', '4']) before.publish('events', 'job.new', { deliveryMode: 2 }, text(n));
    before.publish('events', 'job.new', {}, text('transient'));
    const first = before.get('jobs', C1)!.delivery; // 1: acked
    before.ack(first);
    before.get('jobs', C1); // 2: delivered, never acked (the broker "crashes")

    const after = createVirtualHost('/', store, await store.load());
    expect(after.stats()).toEqual([{ queue: 'jobs', ready: 3, unacked: 0, consumers: 0, durable: true }]);
    const recovered: Delivery[] = [];
    for (let g = after.get('jobs', C1); g; g = after.get('jobs', C1)) recovered.push(g.delivery);
    expect(recovered.map((d) => [d.message.body.toString(), d.redelivered])).toEqual([
      ['2', true],
      ['3', false],
      ['4', false],
    ]);
    expect(recovered.every((d) => d.message.persistent && d.message.exchange === 'events')).toBe(true);
    // Bindings came back; new ids do not collide with recovered ones.
    after.publish('events', 'job.x', { deliveryMode: 2 }, text('5'));
    const fresh = after.get('jobs', C1)!.delivery;
    expect(fresh.message.id).toBeGreaterThan(Math.max(...recovered.map((d) => d.message.id)));
    expect(() => after.declareExchange('scratch', 'topic', Q as never, true)).toThrow(AmqpError);
  });

  it('deleting durable things removes them from the store', async () => {
    const store = memoryStore();
    const vhost = createVirtualHost('/', store);
    const durableExchange = { durable: true, autoDelete: false, internal: false, arguments: {} };
    vhost.declareExchange('x', 'direct', durableExchange, false);
    vhost.declareQueue('q', DURABLE, false, C1);
    vhost.bindQueue('q', 'x', 'k', {}, C1);
    vhost.publish('x', 'k', { deliveryMode: 2 }, text('m'));
    vhost.deleteQueue('q', false, false, C1);
    vhost.deleteExchange('x', false);
    const state = await store.load();
    expect(state.queues).toEqual([]);
    expect(state.exchanges).toEqual([]);
    expect(state.bindings).toEqual([]);
    expect(state.messages.size).toBe(0);
  });
});
