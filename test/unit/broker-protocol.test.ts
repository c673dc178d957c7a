// The embedded broker's protocol side through amqplib, in-process on a free port: handshake,
// declarations, publish/consume, confirms, prefetch, redelivery, get, returns, channel errors and
// heartbeats. The behaviour suite holds the same assertions against RabbitMQ; this one stays fast.
import { connect as netConnect } from 'node:net';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, startBroker } from '../../src/broker/index.ts';

let broker: Broker;
const open: ChannelModel[] = [];

async function connection(url = broker.url): Promise<ChannelModel> {
  const c = await amqp.connect(url);
  c.on('error', () => {});
  open.push(c);
  return c;
}

async function channel(c: ChannelModel): Promise<Channel> {
  const ch = await c.createChannel();
  ch.on('error', () => {});
  return ch;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await tick(5);
  }
}

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
});

afterAll(async () => {
  for (const c of open) await c.close().catch(() => {});
  await broker.close();
});

describe('embedded broker through amqplib', () => {
  it('connects, and refuses a wrong password with ACCESS_REFUSED', async () => {
    const c = await connection();
    expect(c.connection.serverProperties.capabilities).toMatchObject({ publisher_confirms: true });
    const bad = broker.url.replace('guest:guest', 'guest:wrong');
    await expect(amqp.connect(bad)).rejects.toThrow(/ACCESS_REFUSED/);
    await expect(amqp.connect(broker.url.replace(/\/$/, '/nope'))).rejects.toThrow();
  });

  it('answers a wrong protocol header with its own and closes', async () => {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = netConnect(broker.port, '127.0.0.1', () => socket.write('HTTP/1.1 GET /\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (d) => chunks.push(d));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    expect(reply).toEqual(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
  });

  it('declares, binds, and round-trips a message with its properties and headers', async () => {
    const c = await connection();
    const ch = await channel(c);
    await ch.assertExchange('t.direct', 'direct', { durable: false });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    expect(queue).toMatch(/^amq\.gen-/);
    await ch.bindQueue(queue, 't.direct', 'k');
    const got = new Promise<ConsumeMessage>((resolve) => {
      void ch.consume(queue, (m) => m && resolve(m), { noAck: true });
    });
    ch.publish('t.direct', 'k', Buffer.from('hello'), {
      contentType: 'text/plain',
      messageId: 'm1',
      headers: { a: 1, b: 'two', nested: { x: true } },
      timestamp: 1700000000,
      persistent: true,
    });
    const m = await got;
    expect(m.content.toString()).toBe('hello');
    expect(m.fields).toMatchObject({ exchange: 't.direct', routingKey: 'k', redelivered: false });
    expect(m.fields.consumerTag).toMatch(/^amq\.ctag-/);
    expect(m.properties).toMatchObject({
      contentType: 'text/plain',
      messageId: 'm1',
      headers: { a: 1, b: 'two', nested: { x: true } },
      timestamp: 1700000000,
      deliveryMode: 2,
    });
  });

  it('carries bodies larger than frame-max and empty bodies', async () => {
    const c = await connection();
    const ch = await channel(c);
    const { queue } = await ch.assertQueue('', { exclusive: true });
    const big = Buffer.alloc(300_000, 7);
    ch.sendToQueue(queue, big);
    ch.sendToQueue(queue, Buffer.alloc(0));
    const seen: Buffer[] = [];
    await ch.consume(queue, (m) => m && seen.push(m.content), { noAck: true });
    await until(() => seen.length === 2);
    expect(seen[0]!.equals(big)).toBe(true);
    expect(seen[1]!.length).toBe(0);
  });

  it('acks publishes on a confirm channel', async () => {
    const c = await connection();
    const ch = await c.createConfirmChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    for (let i = 0; i < 100; i++) ch.sendToQueue(queue, Buffer.from(String(i)), { persistent: i % 2 === 0 });
    ch.publish('', 'nowhere', Buffer.from('unroutable'));
    await ch.waitForConfirms();
    expect((await ch.checkQueue(queue)).messageCount).toBe(100);
  });

  it('respects prefetch 1 across two consumers', async () => {
    const c = await connection();
    const setup = await channel(c);
    const { queue } = await setup.assertQueue('', { exclusive: true });
    const a = await channel(c);
    const b = await channel(c);
    await a.prefetch(1);
    await b.prefetch(1);
    const heldA: ConsumeMessage[] = [];
    const heldB: ConsumeMessage[] = [];
    await a.consume(queue, (m) => m && heldA.push(m));
    await b.consume(queue, (m) => m && heldB.push(m));
    for (let i = 0; i < 6; i++) setup.sendToQueue(queue, Buffer.from(String(i)));
    await until(() => heldA.length === 1 && heldB.length === 1);
    await tick(50);
    expect(heldA.length + heldB.length).toBe(2);
    a.ack(heldA[0]!);
    await until(() => heldA.length === 2);
    await tick(30);
    expect(heldB.length).toBe(1);
  });

  it('redelivers unacked messages when the consumer channel closes or its socket dies', async () => {
    const c = await connection();
    const ch = await channel(c);
    const { queue } = await ch.assertQueue('redeliver-test', { durable: false, autoDelete: false });
    await ch.purgeQueue(queue);
    ch.sendToQueue(queue, Buffer.from('x'));

    const c1 = await connection();
    const ch1 = await channel(c1);
    const first: ConsumeMessage[] = [];
    await ch1.consume(queue, (m) => m && first.push(m));
    await until(() => first.length === 1);
    expect(first[0]!.fields.redelivered).toBe(false);
    await ch1.close();

    const c2 = await connection();
    const ch2 = await channel(c2);
    const second: ConsumeMessage[] = [];
    await ch2.consume(queue, (m) => m && second.push(m));
    await until(() => second.length === 1);
    expect(second[0]!.fields.redelivered).toBe(true);
    // Kill the socket under amqplib: the broker must notice and requeue.
    (c2.connection as unknown as { stream: { destroy(): void } }).stream.destroy();
    open.splice(open.indexOf(c2), 1);

    const third: ConsumeMessage[] = [];
    await ch.consume(queue, (m) => m && third.push(m));
    await until(() => third.length === 1);
    expect(third[0]!.fields.redelivered).toBe(true);
    expect(third[0]!.content.toString()).toBe('x');
    ch.ack(third[0]!);
    await ch.deleteQueue(queue);
  });

  it('basic.get returns a message, then get-empty', async () => {
    const c = await connection();
    const ch = await channel(c);
    const { queue } = await ch.assertQueue('', { exclusive: true });
    ch.sendToQueue(queue, Buffer.from('one'));
    ch.sendToQueue(queue, Buffer.from('two'));
    await until(() => true);
    const m = await ch.get(queue);
    expect(m ? m.content.toString() : null).toBe('one');
    expect(m ? m.fields.messageCount : null).toBe(1);
    if (m) ch.ack(m);
    const n = await ch.get(queue, { noAck: true });
    expect(n ? n.content.toString() : null).toBe('two');
    expect(await ch.get(queue)).toBe(false);
  });

  it('returns an unroutable mandatory message', async () => {
    const c = await connection();
    const ch = await channel(c);
    const returned = new Promise<ConsumeMessage>((resolve) => ch.on('return', resolve));
    ch.publish('amq.direct', 'no-such-binding', Buffer.from('back'), { mandatory: true });
    const m = await returned;
    expect(m.content.toString()).toBe('back');
    expect(m.fields).toMatchObject({ replyCode: 312, replyText: 'NO_ROUTE', exchange: 'amq.direct' });
  });

  it('closes the channel, not the connection, on 404 / 406 / 405 / unknown delivery tag', async () => {
    const c = await connection();
    const ch = await channel(c);
    await expect(ch.checkQueue('no-such-queue')).rejects.toMatchObject({ code: 404 });
    const ch2 = await channel(c);
    await ch2.assertQueue('inequivalent', { durable: false, autoDelete: true });
    await expect(ch2.assertQueue('inequivalent', { durable: true })).rejects.toMatchObject({ code: 406 });
    const ch3 = await channel(c);
    const { queue } = await ch3.assertQueue('', { exclusive: true });

    const other = await connection();
    const och = await channel(other);
    await expect(och.consume(queue, () => {})).rejects.toMatchObject({ code: 405 });

    const ch4 = await channel(c);
    const closed = new Promise((resolve) => ch4.on('close', resolve));
    const errored = new Promise<Error>((resolve) => ch4.on('error', resolve));
    ch4.ack({ fields: { deliveryTag: 99 } } as unknown as ConsumeMessage);
    await closed;
    expect((await errored).message).toMatch(/unknown delivery tag 99/);

    // Still usable.
    const ok = await channel(c);
    await ok.assertQueue('', { exclusive: true });
  });

  it('closes the connection on a reused consumer tag (530)', async () => {
    const c = await connection();
    const closed = new Promise<Error>((resolve) => c.on('error', resolve));
    const ch = await channel(c);
    const { queue } = await ch.assertQueue('', { exclusive: false, autoDelete: true });
    await ch.consume(queue, () => {}, { consumerTag: 'dup' });
    await expect(ch.consume(queue, () => {}, { consumerTag: 'dup' })).rejects.toThrow();
    expect((await closed).message).toMatch(/530/);
  });

  it('keeps an idle connection with heartbeat=1 alive', async () => {
    const c = await connection(`${broker.url}?heartbeat=1`);
    expect((c.connection as unknown as { heartbeat: number }).heartbeat).toBe(1);
    let closed = false;
    c.on('close', () => {
      closed = true;
    });
    await tick(3000);
    expect(closed).toBe(false);
    const ch = await channel(c);
    await ch.assertQueue('', { exclusive: true });
  });

  it('blocks a publishing connection above the memory watermark and unblocks it once drained', async () => {
    const small = await startBroker({ port: 0, memoryHighWatermarkBytes: 100_000 });
    try {
      const c = await amqp.connect(small.url);
      const events: string[] = [];
      c.on('blocked', (reason: string) => events.push(`blocked: ${reason}`));
      c.on('unblocked', () => events.push('unblocked'));
      const ch = await c.createChannel();
      await ch.assertQueue('mem', { durable: false });
      for (let i = 0; i < 30; i++) ch.sendToQueue('mem', Buffer.alloc(10_000));
      await until(() => events.length === 1);
      expect(events).toEqual(['blocked: low on memory']);
      const drain = await amqp.connect(small.url);
      const dch = await drain.createChannel();
      let got = 0;
      await dch.consume('mem', () => got++, { noAck: true });
      await until(() => events.length === 2 && got === 30);
      expect(events[1]).toBe('unblocked');
      await drain.close();
      await c.close();
    } finally {
      await small.close();
    }
  });
});
