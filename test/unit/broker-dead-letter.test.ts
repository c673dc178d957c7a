// Dead-lettering, TTL 0 and x-expires in the virtual host, on a fake clock: the reasons RabbitMQ
// dead-letters for (rejected, expired, maxlen), the x-death history it keeps, the cycles it
// breaks, and the queue lease that x-expires sets. broker.test.ts checks the same against
// RabbitMQ through amqplib; this covers the cases it would take seconds to wait for.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../../src/broker/store/memory-store.ts';
import type { ConsumerSink, Delivery, QueueOptions } from '../../src/broker/vhost/contracts.ts';
import { deadLetterProperties, isDeadLetterCycle } from '../../src/broker/vhost/dead-letter.ts';
import { type BrokerVirtualHost, createVirtualHost } from '../../src/broker/vhost/vhost.ts';

const C1 = 'conn-1';
const Q: QueueOptions = { durable: false, exclusive: false, autoDelete: false, arguments: {} };
const withArgs = (args: Record<string, unknown>, durable = false): QueueOptions => ({
  ...Q,
  durable,
  arguments: args,
});

/** A noAck consumer that takes everything it is offered. */
function sink(tag: string): ConsumerSink & { received: Delivery[] } {
  const received: Delivery[] = [];
  return {
    tag,
    noAck: true,
    exclusive: false,
    connectionId: C1,
    received,
    hasCapacity: () => true,
    deliver: (d) => received.push(d),
    cancelledByServer: () => {},
  };
}

/** Every ready message of a queue (noAck), oldest first. */
function drain(vhost: BrokerVirtualHost, queue: string): Delivery[] {
  const out: Delivery[] = [];
  for (let got = vhost.get(queue, C1, true); got; got = vhost.get(queue, C1, true)) out.push(got.delivery);
  return out;
}

const deaths = (d: Delivery) => d.message.properties.headers?.['x-death'] as Array<Record<string, unknown>>;
const exists = (vhost: BrokerVirtualHost, queue: string) => vhost.stats().some((s) => s.queue === queue);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('dead-lettering', () => {
  function setUp(args: Record<string, unknown>) {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('dead', Q, false, C1);
    vhost.declareQueue(
      'q',
      withArgs({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'dead', ...args }),
      false,
      C1,
    );
    return vhost;
  }

  it('rejected: republished to the dead-letter exchange with an x-death entry and first-death headers', () => {
    const vhost = setUp({});
    vhost.publish('', 'q', { expiration: '60000', headers: { keep: 'me' } }, Buffer.from('m'));
    vhost.discard(vhost.get('q', C1)!.delivery);
    const [d] = drain(vhost, 'dead');
    expect(d!.message).toMatchObject({ exchange: '', routingKey: 'dead' });
    const { properties } = d!.message;
    expect(properties.expiration).toBeUndefined();
    expect(properties.headers).toMatchObject({
      keep: 'me',
      'x-first-death-reason': 'rejected',
      'x-first-death-queue': 'q',
      'x-first-death-exchange': '',
    });
    expect(deaths(d!)).toEqual([
      {
        count: { '!': 'long', value: 1 },
        reason: 'rejected',
        queue: 'q',
        time: { '!': 'timestamp', value: Math.floor(Date.now() / 1000) },
        exchange: '',
        'routing-keys': ['q'],
        'original-expiration': '60000',
      },
    ]);
    expect(drain(vhost, 'q')).toEqual([]);
  });

  it('maxlen: the head pushed out by x-max-length is dead-lettered', () => {
    const vhost = setUp({ 'x-max-length': 1 });
    for (const body of ['a', 'b', 'c']) vhost.publish('', 'q', {}, Buffer.from(body));
    const dead = drain(vhost, 'dead');
    expect(dead.map((d) => d.message.body.toString())).toEqual(['a', 'b']);
    expect(deaths(dead[0]!)[0]).toMatchObject({ reason: 'maxlen', queue: 'q' });
  });

  it('expired: without anyone reading the queue, when the head expires', () => {
    const vhost = setUp({ 'x-message-ttl': 1000 });
    vhost.publish('', 'q', {}, Buffer.from('a'));
    vi.advanceTimersByTime(500);
    vhost.publish('', 'q', { expiration: '100' }, Buffer.from('b'));
    vi.advanceTimersByTime(499);
    expect(drain(vhost, 'dead')).toEqual([]);
    // 'b' expired long ago but waits behind the head, as in RabbitMQ.
    vi.advanceTimersByTime(1);
    expect(drain(vhost, 'dead').map((d) => d.message.body.toString())).toEqual(['a', 'b']);
  });

  it('TTL 0: handed straight to a consumer that can take it, else dead-lettered as expired', () => {
    const vhost = setUp({});
    vhost.publish('', 'q', { expiration: '0' }, Buffer.from('nobody'));
    expect(drain(vhost, 'q')).toEqual([]);
    expect(deaths(drain(vhost, 'dead')[0]!)[0]).toMatchObject({
      reason: 'expired',
      'original-expiration': '0',
    });
    const consumer = sink('c');
    vhost.consume('q', consumer);
    vhost.publish('', 'q', { expiration: '0' }, Buffer.from('taken'));
    expect(consumer.received.map((d) => d.message.body.toString())).toEqual(['taken']);
    expect(drain(vhost, 'dead')).toEqual([]);
  });

  it('counts repeated deaths in one entry, newest first; a rejection loop is allowed', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue(
      'a',
      withArgs({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'b' }),
      false,
      C1,
    );
    vhost.declareQueue(
      'b',
      withArgs({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'a' }),
      false,
      C1,
    );
    vhost.publish('', 'a', {}, Buffer.from('m'));
    for (const q of ['a', 'b', 'a']) vhost.discard(vhost.get(q, C1)!.delivery);
    const [d] = drain(vhost, 'b');
    expect(deaths(d!).map((x) => [x.queue, x.reason, x.count])).toEqual([
      ['a', 'rejected', { '!': 'long', value: 2 }],
      ['b', 'rejected', { '!': 'long', value: 1 }],
    ]);
    expect(d!.message.properties.headers?.['x-first-death-queue']).toBe('a');
  });

  it('drops a message that would cycle back without a rejection', () => {
    const vhost = createVirtualHost('/', memoryStore());
    const ttl = (next: string) =>
      withArgs({ 'x-message-ttl': 10, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': next });
    vhost.declareQueue('a', ttl('b'), false, C1);
    vhost.declareQueue('b', ttl('a'), false, C1);
    vhost.publish('', 'a', {}, Buffer.from('m'));
    vi.advanceTimersByTime(10);
    expect(vhost.stats().map((s) => [s.queue, s.ready])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    vi.advanceTimersByTime(10);
    expect(vhost.stats().map((s) => s.ready)).toEqual([0, 0]);
    expect(vhost.memoryUsed()).toBe(0);
  });

  it('keeps persistent dead letters persistent: the durable target gets them in the store', () => {
    const store = memoryStore();
    const enqueue = vi.spyOn(store, 'enqueue');
    const vhost = createVirtualHost('/', store);
    vhost.declareQueue('dead', withArgs({}, true), false, C1);
    vhost.declareQueue(
      'q',
      withArgs({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'dead' }, true),
      false,
      C1,
    );
    vhost.publish('', 'q', { deliveryMode: 2 }, Buffer.from('m'));
    vhost.discard(vhost.get('q', C1)!.delivery);
    expect(enqueue.mock.calls.map(([queue, m]) => [queue, m.properties.deliveryMode])).toEqual([
      ['q', 2],
      ['dead', 2],
    ]);
  });
});

describe('x-death helpers', () => {
  const message = { id: 1, exchange: 'x', routingKey: 'rk', body: Buffer.alloc(0), persistent: false };

  it('take CC and BCC keys into routing-keys, and drop CC for a new routing key', () => {
    const properties = { headers: { CC: ['c1'], BCC: ['b1'] } };
    const moved = deadLetterProperties(
      { ...message, properties },
      'rejected',
      'q',
      { exchange: 'd', routingKey: 'k' },
      0,
    );
    expect(moved.headers?.CC).toBeUndefined();
    const [death] = moved.headers!['x-death'] as Array<Record<string, unknown>>;
    expect(death!['routing-keys']).toEqual(['rk', 'c1', 'b1']);
  });

  it('see a cycle only when no rejection lies between the queue and now', () => {
    const death = (queue: string, reason: string) => ({ queue, reason, count: 1 });
    expect(isDeadLetterCycle({ 'x-death': [death('q', 'expired')] }, 'q')).toBe(true);
    expect(isDeadLetterCycle({ 'x-death': [death('p', 'maxlen'), death('q', 'expired')] }, 'q')).toBe(true);
    expect(isDeadLetterCycle({ 'x-death': [death('p', 'rejected'), death('q', 'expired')] }, 'q')).toBe(
      false,
    );
    expect(isDeadLetterCycle({ 'x-death': [death('q', 'rejected')] }, 'q')).toBe(false);
    expect(isDeadLetterCycle({ 'x-death': [death('p', 'expired')] }, 'q')).toBe(false);
    expect(isDeadLetterCycle(undefined, 'q')).toBe(false);
  });
});

describe('x-expires', () => {
  it('deletes a queue unused for that long; declare and basic.get start the lease again', () => {
    const vhost = createVirtualHost('/', memoryStore());
    const options = withArgs({ 'x-expires': 1000 });
    vhost.declareQueue('q', options, false, C1);
    vhost.publish('', 'q', {}, Buffer.from('publishing is no use'));
    vi.advanceTimersByTime(900);
    vhost.get('q', C1, true);
    vi.advanceTimersByTime(900);
    vhost.declareQueue('q', options, true, C1);
    vi.advanceTimersByTime(999);
    expect(exists(vhost, 'q')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(exists(vhost, 'q')).toBe(false);
  });

  it('a queue with consumers is in use; the lease starts when the last one goes', () => {
    const vhost = createVirtualHost('/', memoryStore());
    vhost.declareQueue('q', withArgs({ 'x-expires': 1000 }), false, C1);
    vhost.consume('q', sink('c'));
    vi.advanceTimersByTime(5000);
    expect(exists(vhost, 'q')).toBe(true);
    vhost.cancel('q', 'c');
    vi.advanceTimersByTime(999);
    expect(exists(vhost, 'q')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(exists(vhost, 'q')).toBe(false);
  });

  it('refuses 0 and negative leases with 406, as RabbitMQ does', () => {
    const vhost = createVirtualHost('/', memoryStore());
    for (const value of [0, -1, 'soon']) {
      expect(() => vhost.declareQueue('q', withArgs({ 'x-expires': value }), false, C1)).toThrow(
        expect.objectContaining({ code: 406 }),
      );
    }
  });
});
