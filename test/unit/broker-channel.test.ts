// The broker's channel on its own, without a socket: driven frame by frame through a small fake
// ChannelHost over a real virtual host whose store says when writes are durable. Covers the parts
// the channel is made of: the publish assembly (frame order and its reply codes), publisher
// confirms (in publish order, only once the store says durable), transactions (commit, rollback,
// replies in order while a commit waits for the disk) and the unacknowledged deliveries.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/broker/channel/channel.ts';
import { Consumer } from '../../src/broker/channel/consumer.ts';
import type { ChannelHost, ReadyConfirms } from '../../src/broker/channel/host.ts';
import { PublishAssembly } from '../../src/broker/channel/publish-assembly.ts';
import { UnackedDeliveries } from '../../src/broker/channel/unacked.ts';
import {
  type BasicProperties,
  contentMethodFrames,
  type DecodedMethod,
  decodeContentHeader,
  decodeMethod,
  encodeContentHeader,
  encodeFrame,
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_METHOD,
  type Frame,
  FrameReader,
  type MethodArgsInput,
  type MethodName,
  methodFrame,
} from '../../src/broker/codec/index.ts';
import { AmqpError, REPLY } from '../../src/broker/errors.ts';
import type { BrokerStore } from '../../src/broker/store/contracts.ts';
import { memoryStore } from '../../src/broker/store/memory-store.ts';
import type { Delivery } from '../../src/broker/vhost/contracts.ts';
import { type BrokerVirtualHost, createVirtualHost } from '../../src/broker/vhost/vhost.ts';

const CH = 1;
const PERSISTENT: BasicProperties = { deliveryMode: 2 };

function parse(bytes: Buffer): Frame[] {
  return new FrameReader(0).push(bytes);
}

function methodOf<N extends MethodName>(name: N, args: MethodArgsInput<N>): Frame {
  return parse(methodFrame(CH, name, args))[0]!;
}

function publishFrames(
  routingKey: string,
  body: string | Buffer,
  options: { properties?: BasicProperties; mandatory?: boolean; frameMax?: number; exchange?: string } = {},
): Frame[] {
  return parse(
    contentMethodFrames(
      CH,
      'basic.publish',
      { exchange: options.exchange ?? '', routingKey, mandatory: options.mandatory ?? false },
      options.properties ?? {},
      typeof body === 'string' ? Buffer.from(body) : body,
      options.frameMax ?? 131072,
    ),
  );
}

function headerFrame(bodySize: number, classId = 60, properties: BasicProperties = {}): Frame {
  return parse(encodeFrame(FRAME_HEADER, CH, encodeContentHeader(classId, bodySize, properties)))[0]!;
}

function bodyFrame(text: string): Frame {
  return parse(encodeFrame(FRAME_BODY, CH, Buffer.from(text)))[0]!;
}

interface Sent {
  method: DecodedMethod;
  /** The content that followed a content-bearing method (basic.deliver, get-ok, return). */
  body?: string;
}

/**
 * A store whose writes become durable when the test says so: every sync() until commit() shares
 * one promise, as a group commit does in the log store.
 */
function gatedStore() {
  let pending: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | undefined;
  const store: BrokerStore = {
    ...memoryStore(),
    sync() {
      if (!pending) {
        let resolve!: () => void;
        let reject!: (error: Error) => void;
        const promise = new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        pending = { promise, resolve, reject };
      }
      return pending.promise;
    },
  };
  return {
    store,
    /** Everything synced so far is durable. */
    commit() {
      pending?.resolve();
      pending = undefined;
    },
    /** The disk failed for everything synced so far. */
    fail(error: Error) {
      pending?.reject(error);
      pending = undefined;
    },
  };
}

/** The connection side, recorded: what the channel sent, asked for and handed back. */
class FakeHost implements ChannelHost {
  readonly id = 'conn-1';
  readonly user = 'guest';
  readonly frameMax = 131072;
  readonly maxMessageBytes = 64;
  readonly writable = true;
  readonly cancelNotify = true;
  readonly vhost: BrokerVirtualHost;
  readonly sent: Sent[] = [];
  readonly released: number[] = [];
  /** Errors thrown by deferred work (the connection would close with them). */
  readonly failures: unknown[] = [];
  publishedCount = 0;
  private readonly pumpQueues = new Set<string>();
  private readonly ready: ReadyConfirms[] = [];

  constructor(store: BrokerStore) {
    this.vhost = createVirtualHost('/', store);
  }

  send(bytes: Buffer): void {
    let content: Buffer[] | undefined;
    for (const frame of parse(bytes)) {
      if (frame.type === FRAME_METHOD) {
        this.sent.push({ method: decodeMethod(frame.payload) });
        content = undefined;
      } else if (frame.type === FRAME_HEADER) {
        content = [];
        if (decodeContentHeader(frame.payload).bodySize === 0) this.sent.at(-1)!.body = '';
      } else if (frame.type === FRAME_BODY && content) {
        content.push(frame.payload);
        this.sent.at(-1)!.body = Buffer.concat(content).toString();
      }
    }
  }

  sendMethod<N extends MethodName>(channel: number, name: N, args: MethodArgsInput<N>): void {
    this.send(methodFrame(channel, name, args));
  }

  messagePublished(): void {
    this.publishedCount++;
  }

  wantPump(queue: string): void {
    this.pumpQueues.add(queue);
  }

  confirmsReady(confirms: ReadyConfirms): void {
    this.ready.push(confirms);
  }

  deferred(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.failures.push(error);
    }
  }

  channelReleased(number: number): void {
    this.released.push(number);
  }

  /** What the connection does at the end of a batch and on its flush: pump, then emit confirms. */
  endOfBatch(): void {
    this.vhost.pump(this.pumpQueues);
    this.pumpQueues.clear();
    for (const confirms of this.ready.splice(0)) confirms.emitConfirms();
  }

  names(): string[] {
    return this.sent.map((s) => s.method.name);
  }

  /** Forgets what was sent so far. */
  take(): Sent[] {
    return this.sent.splice(0);
  }

  readyCount(queue: string): number {
    return this.vhost.stats().find((q) => q.queue === queue)?.ready ?? -1;
  }

  unackedCount(queue: string): number {
    return this.vhost.stats().find((q) => q.queue === queue)?.unacked ?? -1;
  }
}

/** An open channel on a fresh host, with the queues declared (durable ones for persistence). */
function openChannel(queues: Record<string, { durable: boolean }> = {}) {
  const gate = gatedStore();
  const host = new FakeHost(gate.store);
  const channel = new Channel(host, CH);
  const feed = (...frames: Frame[]) => {
    for (const frame of frames) channel.handleFrame(frame);
    host.endOfBatch();
  };
  feed(methodOf('channel.open', {}));
  for (const [queue, { durable }] of Object.entries(queues)) {
    feed(methodOf('queue.declare', { queue, durable }));
  }
  host.take();
  return { host, channel, gate, feed };
}

/** Lets promise callbacks (the store's durability) run, then does the host's end-of-batch work. */
async function settle(host: FakeHost): Promise<void> {
  await nextTurn();
  host.endOfBatch();
}

function thrown(fn: () => unknown): AmqpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AmqpError) return error;
    throw error;
  }
  throw new Error('expected an AmqpError, nothing was thrown');
}

describe('publish assembly', () => {
  it('assembles a body split across frames, with the header properties, once the last part is in', () => {
    const assembly = new PublishAssembly(1024);
    assembly.begin('ex', 'key', true);
    expect(assembly.active).toBe(true);
    expect(
      assembly.accept(headerFrame(11, 60, { contentType: 'text/plain', messageId: 'm1' })),
    ).toBeUndefined();
    expect(assembly.accept(bodyFrame('hello'))).toBeUndefined();
    expect(assembly.accept(bodyFrame(' '))).toBeUndefined();
    const message = assembly.accept(bodyFrame('world'));
    expect(message).toMatchObject({
      exchange: 'ex',
      routingKey: 'key',
      mandatory: true,
      properties: { contentType: 'text/plain', messageId: 'm1' },
    });
    expect(message!.body.toString()).toBe('hello world');
    expect(assembly.active).toBe(false);
  });

  it('completes an empty message at its header', () => {
    const assembly = new PublishAssembly(1024);
    assembly.begin('', 'q', false);
    const message = assembly.accept(headerFrame(0));
    expect(message?.body.length).toBe(0);
    expect(assembly.active).toBe(false);
  });

  it('copies a small body out of the frame it came in, so a stored message does not pin the read buffer', () => {
    const assembly = new PublishAssembly(1024);
    assembly.begin('', 'q', false);
    assembly.accept(headerFrame(3));
    const frame = bodyFrame('abc');
    const message = assembly.accept(frame)!;
    frame.payload.write('xyz');
    expect(message.body.toString()).toBe('abc');
  });

  it('rejects a body frame where the content header is due with 505 UNEXPECTED_FRAME', () => {
    const assembly = new PublishAssembly(1024);
    assembly.begin('', 'q', false);
    const error = thrown(() => assembly.accept(bodyFrame('early')));
    expect(error.code).toBe(REPLY.UNEXPECTED_FRAME);
    expect(error.scope).toBe('connection');
    expect(error.replyText).toBe(
      'UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead',
    );
  });

  it('rejects a content header of another class, and a method frame where a body is due, with 505', () => {
    const other = new PublishAssembly(1024);
    other.begin('', 'q', false);
    expect(thrown(() => other.accept(headerFrame(5, 50))).replyText).toBe(
      'UNEXPECTED_FRAME - expected content header for class 60, got one for class 50 instead',
    );
    const assembly = new PublishAssembly(1024);
    assembly.begin('', 'q', false);
    assembly.accept(headerFrame(5));
    const error = thrown(() => assembly.accept(methodOf('basic.qos', { prefetchCount: 1 })));
    expect(error.code).toBe(REPLY.UNEXPECTED_FRAME);
    expect(error.replyText).toBe(
      'UNEXPECTED_FRAME - expected content body, got non content body frame instead',
    );
  });

  it('rejects more body than the header announced with 501 FRAME_ERROR', () => {
    const assembly = new PublishAssembly(1024);
    assembly.begin('', 'q', false);
    assembly.accept(headerFrame(4));
    assembly.accept(bodyFrame('ab'));
    const error = thrown(() => assembly.accept(bodyFrame('cde')));
    expect(error.code).toBe(REPLY.FRAME_ERROR);
    expect(error.scope).toBe('connection');
  });

  it('refuses a message above the size limit with a channel-scope 406 and is idle again', () => {
    const assembly = new PublishAssembly(10);
    assembly.begin('', 'q', false);
    const error = thrown(() => assembly.accept(headerFrame(11)));
    expect(error.code).toBe(REPLY.PRECONDITION_FAILED);
    expect(error.scope).toBe('channel');
    expect(error.detail).toBe('message size 11 is larger than configured max size 10');
    expect(assembly.active).toBe(false);
  });
});

describe('channel frames through a fake host', () => {
  it('publishes a message split across body frames, tells the host, and answers nothing', () => {
    const { host, feed } = openChannel({ q: { durable: false } });
    const frames = publishFrames('q', 'x'.repeat(50), { frameMax: 20 });
    expect(frames.length).toBeGreaterThan(3);
    feed(...frames);
    expect(host.readyCount('q')).toBe(1);
    expect(host.publishedCount).toBe(1);
    expect(host.names()).toEqual([]);
  });

  it('closes the connection with 505 naming basic.publish when a body comes before the header', () => {
    const { channel } = openChannel({ q: { durable: false } });
    channel.handleFrame(publishFrames('q', 'hi')[0]!);
    const error = thrown(() => channel.handleFrame(bodyFrame('hi')));
    expect(error).toMatchObject({
      code: REPLY.UNEXPECTED_FRAME,
      scope: 'connection',
      classId: 60,
      methodId: 40,
    });
  });

  it('closes the connection with 505 and class 0 when content arrives with no publish', () => {
    const { channel } = openChannel();
    const error = thrown(() => channel.handleFrame(headerFrame(2)));
    expect(error).toMatchObject({ code: REPLY.UNEXPECTED_FRAME, classId: 0, methodId: 0 });
    expect(error.detail).toBe('expected method frame, got non method frame instead');
  });

  it('closes only the channel on an oversized message, then ignores all but channel.close-ok', () => {
    const { host, channel, feed } = openChannel({ q: { durable: false } });
    const [method, header] = publishFrames('q', 'y'.repeat(host.maxMessageBytes + 1));
    feed(method!, header!);
    const [close] = host.take();
    expect(close!.method).toMatchObject({
      name: 'channel.close',
      args: {
        replyCode: REPLY.PRECONDITION_FAILED,
        replyText: 'PRECONDITION_FAILED - message size 65 is larger than configured max size 64',
        classId: 60,
        methodId: 40,
      },
    });
    feed(methodOf('basic.qos', { prefetchCount: 1 }), bodyFrame('late'));
    expect(host.names()).toEqual([]);
    expect(host.released).toEqual([]);
    channel.handleFrame(methodOf('channel.close-ok', {}));
    expect(host.released).toEqual([CH]);
    expect(host.readyCount('q')).toBe(0);
  });

  it('refuses a user-id that is not the connection user with a channel-scope 406', () => {
    const { host, feed } = openChannel({ q: { durable: false } });
    feed(...publishFrames('q', 'forged', { properties: { userId: 'admin' } }));
    expect(host.take()[0]!.method).toMatchObject({
      name: 'channel.close',
      args: {
        replyCode: REPLY.PRECONDITION_FAILED,
        replyText: "PRECONDITION_FAILED - user_id property set to 'admin' but authenticated user was 'guest'",
      },
    });
    expect(host.readyCount('q')).toBe(0);
  });
});

describe('publisher confirms', () => {
  it('acks only once the store says the messages are durable, coalesced into one multiple ack', async () => {
    const { host, gate, feed } = openChannel({ d: { durable: true } });
    feed(methodOf('confirm.select', {}));
    expect(host.take().map((s) => s.method.name)).toEqual(['confirm.select-ok']);
    for (let i = 0; i < 3; i++) feed(...publishFrames('d', `m${i}`, { properties: PERSISTENT }));
    await settle(host);
    expect(host.names()).toEqual([]);
    gate.commit();
    await settle(host);
    expect(host.take().map((s) => s.method)).toEqual([
      expect.objectContaining({ name: 'basic.ack', args: { deliveryTag: 3, multiple: true } }),
    ]);
  });

  it('confirms in publish order: a transient message waits behind a persistent one before it', async () => {
    const { host, gate, feed } = openChannel({ d: { durable: true }, t: { durable: false } });
    feed(methodOf('confirm.select', {}));
    host.take();
    feed(...publishFrames('d', 'persistent', { properties: PERSISTENT }));
    feed(...publishFrames('t', 'transient'));
    await settle(host);
    // Message 2 is safe already, but 1 is not: nothing may be confirmed yet.
    expect(host.names()).toEqual([]);
    gate.commit();
    await settle(host);
    expect(host.take().map((s) => s.method.args)).toEqual([{ deliveryTag: 2, multiple: true }]);
    feed(...publishFrames('t', 'third'));
    await settle(host);
    expect(host.take().map((s) => s.method)).toEqual([
      expect.objectContaining({ name: 'basic.ack', args: { deliveryTag: 3, multiple: false } }),
    ]);
  });

  it('nacks what the store failed to write, and goes on acking after it', async () => {
    const { host, gate, feed } = openChannel({ d: { durable: true }, t: { durable: false } });
    feed(methodOf('confirm.select', {}));
    host.take();
    feed(...publishFrames('d', 'lost', { properties: PERSISTENT }));
    gate.fail(new Error('disk full'));
    feed(...publishFrames('t', 'kept'));
    await settle(host);
    expect(host.take().map((s) => s.method)).toEqual([
      expect.objectContaining({
        name: 'basic.nack',
        args: { deliveryTag: 1, multiple: false, requeue: false },
      }),
      expect.objectContaining({ name: 'basic.ack', args: { deliveryTag: 2, multiple: false } }),
    ]);
  });

  it('sends basic.return for an unroutable mandatory message before its ack', async () => {
    const { host, feed } = openChannel();
    feed(methodOf('confirm.select', {}));
    host.take();
    feed(...publishFrames('nowhere', 'lost', { mandatory: true }));
    await settle(host);
    const sent = host.take();
    expect(sent.map((s) => s.method.name)).toEqual(['basic.return', 'basic.ack']);
    expect(sent[0]!.method.args).toMatchObject({ replyCode: REPLY.NO_ROUTE, routingKey: 'nowhere' });
    expect(sent[0]!.body).toBe('lost');
  });

  it('confirms nothing once the channel is closed, even when the store finishes later', async () => {
    const { host, gate, feed } = openChannel({ d: { durable: true } });
    feed(methodOf('confirm.select', {}));
    feed(...publishFrames('d', 'm', { properties: PERSISTENT }));
    feed(methodOf('channel.close', { replyCode: 200, replyText: 'bye', classId: 0, methodId: 0 }));
    expect(host.take().map((s) => s.method.name)).toEqual(['confirm.select-ok', 'channel.close-ok']);
    gate.commit();
    await settle(host);
    expect(host.names()).toEqual([]);
  });

  it('refuses tx.select on a confirming channel, and confirm.select on a transactional one', () => {
    const confirming = openChannel();
    confirming.feed(methodOf('confirm.select', {}), methodOf('tx.select', {}));
    expect(confirming.host.take().at(-1)!.method).toMatchObject({
      name: 'channel.close',
      args: { replyCode: 406, replyText: 'PRECONDITION_FAILED - cannot switch from confirm to tx mode' },
    });
    const transactional = openChannel();
    transactional.feed(methodOf('tx.select', {}), methodOf('confirm.select', {}));
    expect(transactional.host.take().at(-1)!.method).toMatchObject({
      name: 'channel.close',
      args: { replyCode: 406, replyText: 'PRECONDITION_FAILED - cannot switch from tx to confirm mode' },
    });
  });
});

describe('transactions', () => {
  it('holds publishes until tx.commit, and forgets them on tx.rollback', async () => {
    const { host, feed } = openChannel({ q: { durable: false } });
    feed(methodOf('tx.select', {}));
    feed(...publishFrames('q', 'one'), ...publishFrames('q', 'two'));
    expect(host.readyCount('q')).toBe(0);
    feed(methodOf('tx.commit', {}));
    expect(host.readyCount('q')).toBe(2);
    // Even transient publishes answer commit-ok after the store's (here immediate) durability.
    expect(host.names()).toEqual(['tx.select-ok']);
    await settle(host);
    feed(...publishFrames('q', 'three'), methodOf('tx.rollback', {}), methodOf('tx.commit', {}));
    expect(host.readyCount('q')).toBe(2);
    expect(host.names()).toEqual(['tx.select-ok', 'tx.commit-ok', 'tx.rollback-ok', 'tx.commit-ok']);
  });

  it('answers commit-ok only once the store is durable, and holds later methods so replies stay in order', async () => {
    const { host, gate, feed } = openChannel({ d: { durable: true } });
    feed(methodOf('tx.select', {}));
    host.take();
    feed(...publishFrames('d', 'm', { properties: PERSISTENT }), methodOf('tx.commit', {}));
    feed(methodOf('queue.declare', { queue: 'd', passive: true }));
    await settle(host);
    expect(host.names()).toEqual([]);
    gate.commit();
    await settle(host);
    expect(host.take().map((s) => s.method)).toEqual([
      expect.objectContaining({ name: 'tx.commit-ok' }),
      expect.objectContaining({
        name: 'queue.declare-ok',
        args: { queue: 'd', messageCount: 1, consumerCount: 0 },
      }),
    ]);
  });

  it('closes the channel with 541 naming tx.commit when the store fails the commit', async () => {
    const { host, gate, feed } = openChannel({ d: { durable: true } });
    feed(
      methodOf('tx.select', {}),
      ...publishFrames('d', 'm', { properties: PERSISTENT }),
      methodOf('tx.commit', {}),
    );
    host.take();
    gate.fail(new Error('disk full'));
    await settle(host);
    expect(host.take().map((s) => s.method)).toEqual([
      expect.objectContaining({
        name: 'channel.close',
        args: {
          replyCode: REPLY.INTERNAL_ERROR,
          replyText: 'INTERNAL_ERROR - commit failed: Error: disk full',
          classId: 90,
          methodId: 20,
        },
      }),
    ]);
    expect(host.failures).toEqual([]);
  });

  it('makes rolled-back acknowledgements unacknowledged again, in tag order', () => {
    const { host, feed } = openChannel({ q: { durable: false } });
    feed(...publishFrames('q', 'a'), ...publishFrames('q', 'b'));
    feed(methodOf('basic.get', { queue: 'q' }), methodOf('basic.get', { queue: 'q' }));
    expect(host.take().map((s) => [s.method.name, s.body])).toEqual([
      ['basic.get-ok', 'a'],
      ['basic.get-ok', 'b'],
    ]);
    feed(methodOf('tx.select', {}), methodOf('basic.ack', { deliveryTag: 1 }));
    expect(host.unackedCount('q')).toBe(2);
    feed(methodOf('tx.rollback', {}));
    expect(host.unackedCount('q')).toBe(2);
    // Tag 1 is unacked again, so acking everything up to 2 takes both.
    feed(methodOf('basic.ack', { deliveryTag: 2, multiple: true }), methodOf('tx.commit', {}));
    expect(host.unackedCount('q')).toBe(0);
    expect(host.readyCount('q')).toBe(0);
    expect(host.names()).toEqual(['tx.select-ok', 'tx.rollback-ok', 'tx.commit-ok']);
  });

  it('requeues acknowledgements not yet committed when the channel closes', () => {
    const { host, feed } = openChannel({ q: { durable: false } });
    feed(...publishFrames('q', 'a'), methodOf('basic.get', { queue: 'q' }));
    feed(methodOf('tx.select', {}), methodOf('basic.ack', { deliveryTag: 1 }));
    feed(methodOf('channel.close', { replyCode: 200, replyText: 'bye', classId: 0, methodId: 0 }));
    expect(host.readyCount('q')).toBe(1);
    expect(host.unackedCount('q')).toBe(0);
    expect(host.released).toEqual([CH]);
  });

  it('refuses tx.commit and tx.rollback on a channel that is not transactional with 406', () => {
    for (const name of ['tx.commit', 'tx.rollback'] as const) {
      const { host, feed } = openChannel();
      feed(methodOf(name, {}));
      expect(host.take()[0]!.method).toMatchObject({
        name: 'channel.close',
        args: { replyCode: 406, replyText: 'PRECONDITION_FAILED - channel is not transactional' },
      });
    }
  });
});

describe('consumers', () => {
  it('delivers up to the prefetch, and one more per ack once the host pumps the queue', () => {
    const { host, feed } = openChannel({ q: { durable: false } });
    for (const text of ['a', 'b', 'c']) feed(...publishFrames('q', text));
    feed(
      methodOf('basic.qos', { prefetchCount: 1 }),
      methodOf('basic.consume', { queue: 'q', consumerTag: 'c1' }),
    );
    expect(host.take().map((s) => [s.method.name, s.body])).toEqual([
      ['basic.qos-ok', undefined],
      ['basic.consume-ok', undefined],
      ['basic.deliver', 'a'],
    ]);
    feed(methodOf('basic.ack', { deliveryTag: 1 }));
    expect(host.take().map((s) => [s.method.name, s.method.args, s.body])).toEqual([
      ['basic.deliver', expect.objectContaining({ consumerTag: 'c1', deliveryTag: 2 }), 'b'],
    ]);
    // Closing the channel gives the unacknowledged delivery back to its queue.
    feed(methodOf('channel.close', { replyCode: 200, replyText: 'bye', classId: 0, methodId: 0 }));
    expect(host.readyCount('q')).toBe(2);
  });
});

describe('unacknowledged deliveries', () => {
  const delivery = (n: number): Delivery => ({
    queue: 'q',
    redelivered: false,
    message: {
      id: n,
      exchange: '',
      routingKey: 'q',
      properties: {},
      body: Buffer.from(String(n)),
      persistent: false,
    },
  });

  it('takes one tag, every tag up to one, or all; an unknown tag is a 406', () => {
    const ledger = new UnackedDeliveries();
    for (let i = 0; i < 5; i++) {
      const tag = ledger.nextTag();
      ledger.add(tag, delivery(tag), undefined);
    }
    expect(ledger.take(2, false).map((e) => e.tag)).toEqual([2]);
    expect(ledger.take(4, true).map((e) => e.tag)).toEqual([1, 3, 4]);
    const error = thrown(() => ledger.take(3, false));
    expect(error).toMatchObject({ code: REPLY.PRECONDITION_FAILED, scope: 'channel' });
    expect(error.detail).toBe('unknown delivery tag 3');
    expect(ledger.take(0, true).map((e) => e.tag)).toEqual([5]);
  });

  it('gives back restored and outstanding deliveries oldest first, and frees every prefetch', () => {
    const ledger = new UnackedDeliveries();
    const owner = { canDeliver: () => true, deliver: () => {}, cancelledByServer: () => {} };
    const consumer = new Consumer(owner, 'conn-1', 'ctag', 'q', false, false, 0);
    for (let i = 0; i < 4; i++) {
      const tag = ledger.nextTag();
      ledger.add(tag, delivery(tag), consumer);
    }
    expect(consumer.unacked).toBe(4);
    expect(ledger.consumerUnacked).toBe(4);
    const acked = ledger.take(3, true);
    ledger.restore(acked.slice(1));
    // Restored in tag order: "every tag up to 3" is a prefix again.
    const again = ledger.take(3, true);
    expect(again.map((e) => e.tag)).toEqual([2, 3]);
    ledger.restore(again);
    const back = ledger.takeAll([acked[0]!]);
    expect(back.map((d) => d.message.id)).toEqual([1, 2, 3, 4]);
    expect(consumer.unacked).toBe(0);
    expect(ledger.consumerUnacked).toBe(0);
  });
});
