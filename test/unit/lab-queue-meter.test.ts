// The queue meter (src/lab/queue-meter.ts) against real brokers: the embedded one, started in this
// process, and RabbitMQ (a throw-away vhost; under CI it must be up, elsewhere the suite is skipped
// loudly). Publish N messages and see depth N; attach a consumer and see it counted and the depth
// fall to 0; a queue that does not exist reads `unavailable` and the meter carries on.
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QueueSample, queueMeter } from '../../src/lab/queue-meter.ts';
import { brokerTargets, type RunningBroker } from '../helpers/brokers.ts';

const QUEUE = 'normal';
const N = 25;

/**
 * Reads the meter until `test` holds for a sample; returns all it saw. (next() by hand: leaving a
 * for-await loop early would end the meter.)
 */
async function until(meter: AsyncGenerator<QueueSample>, test: (s: QueueSample) => boolean) {
  const seen: QueueSample[] = [];
  for (let next = await meter.next(); !next.done; next = await meter.next()) {
    seen.push(next.value);
    if (test(next.value)) return seen;
  }
  throw new Error(`The meter ended before the expected sample; it saw ${JSON.stringify(seen.slice(-3))}`);
}

describe.each(brokerTargets)('the queue meter on $name', (target) => {
  let run = false;
  let broker: RunningBroker;
  let connection: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    run = await target.available();
    if (!run) return;
    broker = await target.start();
    connection = await amqp.connect(broker.url);
    channel = await connection.createChannel();
  }, 30_000);

  afterAll(async () => {
    await connection?.close().catch(() => {});
    await broker?.stop();
  }, 30_000);

  it('reads a missing queue as unavailable, then its depth once it exists', async (ctx) => {
    if (!run) return ctx.skip();
    const controller = new AbortController();
    const meter = queueMeter({
      url: broker.url,
      queue: QUEUE,
      intervalMs: 50,
      maxSamples: 200,
      signal: controller.signal,
    });
    const first = await meter.next();
    expect(first.done).toBe(false);
    const missing = first.value as QueueSample;
    expect(missing.unavailable).toMatch(
      /^Could not read queue normal at amqp:\/\/.*: .*NOT_FOUND|^Could not read queue normal at amqp:\/\/.*404/,
    );
    expect(missing.unavailable).not.toContain(':guest@');
    expect(typeof missing.at).toBe('number');
    await channel.assertQueue(QUEUE, { durable: true });
    const seen = await until(meter, (s) => s.unavailable === undefined);
    expect(seen.at(-1)).toMatchObject({ queue: QUEUE, depth: 0, consumers: 0 });
    controller.abort();
    // Aborted: the meter ends at its next wait.
    const rest: QueueSample[] = [];
    for await (const s of meter) rest.push(s);
    expect(rest.length).toBeLessThanOrEqual(1);
  });

  it('sees N published messages, a consumer, and the depth falling to 0', async (ctx) => {
    if (!run) return ctx.skip();
    await channel.assertQueue(QUEUE, { durable: true });
    for (let i = 0; i < N; i++) channel.sendToQueue(QUEUE, Buffer.from(`task ${i}`));
    const controller = new AbortController();
    const meter = queueMeter({ url: broker.url, intervalMs: 50, maxSamples: 400, signal: controller.signal });
    const full = await until(meter, (s) => s.unavailable === undefined && s.depth === N);
    expect(full.at(-1)).toMatchObject({ depth: N, consumers: 0 });

    const consumer = await connection.createChannel();
    await consumer.prefetch(1);
    let consumed = 0;
    // Acknowledge slowly, so the meter sees the depth fall step by step rather than at once.
    await consumer.consume(QUEUE, (message) => {
      if (!message) return;
      setTimeout(() => {
        consumed += 1;
        consumer.ack(message);
      }, 10);
    });
    const draining = await until(
      meter,
      (s) => s.unavailable === undefined && s.depth === 0 && s.consumers === 1,
    );
    controller.abort();
    for await (const _ of meter) break;
    const depths = draining.flatMap((s) => (s.unavailable === undefined ? [s.depth] : []));
    // Depth never rises while the consumer works, and it was seen in between the ends.
    for (let i = 1; i < depths.length; i++) expect(depths[i]!).toBeLessThanOrEqual(depths[i - 1]!);
    expect(depths.some((d) => d > 0 && d < N)).toBe(true);
    // The last message may still be unacknowledged (prefetch 1): wait for it before closing.
    for (let i = 0; i < 100 && consumed < N; i++) await new Promise((r) => setTimeout(r, 20));
    expect(consumed).toBe(N);
    // Timestamps are in order.
    const times = draining.map((s) => s.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    await consumer.close();
  }, 30_000);

  it('stops after maxSamples and refuses unbounded settings', async (ctx) => {
    if (!run) return ctx.skip();
    const samples: QueueSample[] = [];
    for await (const s of queueMeter({ url: broker.url, intervalMs: 50, maxSamples: 3 })) samples.push(s);
    expect(samples).toHaveLength(3);
    await expect(queueMeter({ url: broker.url, intervalMs: 1 }).next()).rejects.toThrow(/at least 50 ms/);
    await expect(queueMeter({ url: broker.url, maxSamples: 0 }).next()).rejects.toThrow(/from 1 to/);
  });
});
