// One AMQP 0-9-1 behaviour suite, run with amqplib against two brokers: the embedded one
// (src/broker, in this process, on a free port with a temp data dir) and a real RabbitMQ (each
// suite in its own throw-away vhost). Every assertion is the same for both: whatever amqplib can
// observe — replies, deliveries, reply codes — must not tell them apart. Errors are compared by
// reply code only, never by text.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerOptions, startBroker } from '../../src/broker/server.ts';
import { createVhost } from '../helpers/rabbitmq.ts';
import { rabbitmqAvailable, TEST_RABBITMQ_URL } from '../helpers/services.ts';

const run = promisify(execFile);

const USER = 'guest';
const PASSWORD = 'guest';

/** A broker under test, as the suite sees it. */
interface Env {
  /** amqp://guest:guest@host:port/vhost */
  url: string;
  /** The suite's vhost name, as the server knows it. */
  vhost: string;
  close(): Promise<void>;
}

/** How to raise and clear a memory alarm on a broker dedicated to (or safe for) that test. */
interface MemoryAlarm {
  url: string;
  /** Bytes the publisher sends to the filler queue once the alarm is armed. */
  fillerBytes: number;
  arm(): Promise<void>;
  /** Clears the alarm; `admin` is a channel on a connection that never published. */
  clear(admin: Channel, fillerQueue: string): Promise<void>;
  close(): Promise<void>;
}

interface Target {
  name: 'embedded' | 'rabbitmq';
  run: boolean;
  setUp(): Promise<Env>;
  memoryAlarm(): Promise<MemoryAlarm>;
}

const EMBEDDED_ALARM_BYTES = 1024 * 1024;

async function embeddedBroker(extra: Partial<BrokerOptions> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'faafo-broker-behaviour-'));
  const broker = await startBroker({
    // Both loopbacks, as RabbitMQ listens by default (the suite's [::1] test holds both to it).
    host: 'localhost',
    port: 0,
    dataDir,
    users: { [USER]: PASSWORD },
    ...extra,
  });
  return {
    broker,
    url: `amqp://${USER}:${PASSWORD}@127.0.0.1:${broker.port}/`,
    async close() {
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function rabbitWatermark(): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['eval', 'vm_memory_monitor:get_vm_memory_high_watermark().']);
  const value = stdout.trim();
  return /^[0-9.]+$/.test(value) ? value : '0.4';
}

const targets: Target[] = [
  {
    name: 'embedded',
    run: true,
    async setUp() {
      const b = await embeddedBroker();
      return { url: b.url, vhost: '/', close: b.close };
    },
    async memoryAlarm() {
      const b = await embeddedBroker({ memoryHighWatermarkBytes: EMBEDDED_ALARM_BYTES });
      return {
        url: b.url,
        fillerBytes: 2 * EMBEDDED_ALARM_BYTES,
        async arm() {},
        async clear(admin, fillerQueue) {
          await admin.purgeQueue(fillerQueue);
        },
        close: b.close,
      };
    },
  },
  {
    name: 'rabbitmq',
    run: await rabbitmqAvailable(),
    async setUp() {
      const vhost = await createVhost('faafo-broker-behaviour');
      return { url: vhost.url, vhost: vhost.name, close: vhost.remove };
    },
    async memoryAlarm() {
      // The alarm is node-wide: keep it up for as short a time as possible, and always restore.
      const vhost = await createVhost('faafo-broker-alarm');
      const previous = await rabbitWatermark();
      let armed = false;
      const restore = async () => {
        if (armed) await run('rabbitmqctl', ['set_vm_memory_high_watermark', previous]);
        armed = false;
      };
      return {
        url: vhost.url,
        fillerBytes: 1024,
        async arm() {
          armed = true;
          await run('rabbitmqctl', ['set_vm_memory_high_watermark', '0.0000001']);
        },
        async clear() {
          await restore();
        },
        async close() {
          await restore();
          await vhost.remove();
        },
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Helpers

/** Resolves when the promise rejects; returns the AMQP reply code amqplib attached. */
async function replyCodeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: number }).code;
  }
  throw new Error('expected the broker to refuse, but the operation succeeded');
}

/** The reply code of the next channel.close the server sends on this channel. */
function nextChannelError(ch: Channel): Promise<number | undefined> {
  return new Promise((resolve) => ch.once('error', (error: { code?: number }) => resolve(error.code)));
}

/** The reply code in amqplib's "Handshake terminated by server: 403 (...)" message. */
function handshakeCode(error: unknown): number | undefined {
  const match = /Handshake terminated by server: (\d+)/.exec(String((error as Error)?.message));
  return match ? Number(match[1]) : undefined;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Waits until the broker has confirmed everything published on the channel so far, so that the
 * messages are in their queues (a RabbitMQ channel hands publishes on asynchronously).
 */
async function settle(ch: Channel): Promise<void> {
  if ('waitForConfirms' in ch) await (ch as ConfirmChannel).waitForConfirms();
}

/** Gets every ready message (noAck), in queue order, once earlier publishes have landed. */
async function drain(ch: Channel, queue: string): Promise<Message[]> {
  await settle(ch);
  const out: Message[] = [];
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (m === false) return out;
    out.push(m);
  }
}

const bodies = (messages: Message[]) => messages.map((m) => m.content.toString());

/** Collects deliveries of a consumer; `next(n)` waits until n have arrived in total. */
function collector() {
  const messages: Message[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  return {
    messages,
    onMessage(m: Message | null) {
      if (m === null) return;
      messages.push(m);
      for (const w of [...waiters]) {
        if (messages.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
    async next(n: number, timeoutMs = 10_000): Promise<Message[]> {
      if (messages.length < n) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`only ${messages.length} of ${n} deliveries arrived`)),
            timeoutMs,
          );
          waiters.push({
            n,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return messages.slice(0, n);
    },
  };
}

// A minimal raw AMQP client for the handshake: amqplib reports a refused connection.open without
// its reply code, so this reads the connection.close frame itself.
function frame(type: number, channel: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(7);
  header.writeUInt8(type, 0);
  header.writeUInt16BE(channel, 1);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([0xce])]);
}

function shortstr(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

function longstr(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length, 0);
  return Buffer.concat([len, b]);
}

function method(classId: number, methodId: number, ...args: Buffer[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(classId, 0);
  head.writeUInt16BE(methodId, 2);
  return frame(1, 0, Buffer.concat([head, ...args]));
}

type HandshakeOutcome = { opened: true } | { opened: false; closeCode: number | undefined };

/** Runs the handshake by hand; returns whether connection.open succeeded or the close code. */
function rawHandshake(url: string, user: string, password: string, vhost: string): Promise<HandshakeOutcome> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port || 5672) });
    let buffered = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: HandshakeOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish(new Error('raw handshake timed out')), 10_000);
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish({ opened: false, closeCode: undefined }));
    socket.on('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 7) {
        const size = buffered.readUInt32BE(3);
        if (buffered.length < size + 8) return;
        const type = buffered[0];
        const payload = buffered.subarray(7, 7 + size);
        buffered = buffered.subarray(size + 8);
        if (type !== 1) continue;
        const classId = payload.readUInt16BE(0);
        const methodId = payload.readUInt16BE(2);
        if (classId !== 10) continue;
        if (methodId === 10) {
          // connection.start → start-ok, PLAIN, en_US. Like amqplib, ask to be told why a login
          // failed (RabbitMQ otherwise just drops the socket).
          const response = Buffer.from(`\0${user}\0${password}`, 'utf8');
          const capability = Buffer.concat([
            shortstr('authentication_failure_close'),
            Buffer.from('t\x01', 'latin1'),
          ]);
          const capabilities = Buffer.concat([
            shortstr('capabilities'),
            Buffer.from('F'),
            longstr(capability),
          ]);
          socket.write(
            method(10, 11, longstr(capabilities), shortstr('PLAIN'), longstr(response), shortstr('en_US')),
          );
        } else if (methodId === 30) {
          // connection.tune → tune-ok (accept the server's values), then open
          socket.write(method(10, 31, payload.subarray(4, 12)));
          socket.write(method(10, 40, shortstr(vhost), shortstr(''), Buffer.from([0])));
        } else if (methodId === 41) {
          finish({ opened: true });
        } else if (methodId === 50) {
          socket.write(method(10, 51));
          finish({ opened: false, closeCode: payload.readUInt16BE(4) });
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe.each(targets.filter((t) => t.run))('AMQP 0-9-1 behaviour on $name', (target) => {
  let env: Env;
  const open: ChannelModel[] = [];
  let counter = 0;
  /** A name no other test in this suite uses. */
  const unique = (what: string) => `${what}-${++counter}-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    env = await target.setUp();
  });
  afterAll(async () => {
    await env?.close();
  });
  afterEach(async () => {
    // Bounded: amqplib never notices a socket a test destroyed, and would wait forever.
    for (const conn of open.splice(0)) await Promise.race([conn.close().catch(() => {}), sleep(2000)]);
  });

  async function connect(query = ''): Promise<ChannelModel> {
    const conn = await amqp.connect(env.url + query);
    conn.on('error', () => {});
    open.push(conn);
    return conn;
  }

  /**
   * A channel (in confirm mode, so a test can wait until its publishes have landed) whose
   * server-side errors are observed through promises, not 'error' crashes.
   */
  async function channel(conn?: ChannelModel): Promise<ConfirmChannel> {
    const ch = await (conn ?? (await connect())).createConfirmChannel();
    ch.on('error', () => {});
    return ch;
  }

  /** A plain channel, not in confirm mode. */
  async function plainChannel(conn?: ChannelModel): Promise<Channel> {
    const ch = await (conn ?? (await connect())).createChannel();
    ch.on('error', () => {});
    return ch;
  }

  /** An exclusive, server-named queue. */
  async function tempQueue(ch: Channel): Promise<string> {
    return (await ch.assertQueue('', { exclusive: true })).queue;
  }

  function withVhost(vhost: string): string {
    const u = new URL(env.url);
    u.pathname = `/${encodeURIComponent(vhost)}`;
    return u.toString();
  }

  function withPassword(password: string): string {
    const u = new URL(env.url);
    u.password = password;
    return u.toString();
  }

  // -------------------------------------------------------------------------------------------
  describe('connection', () => {
    it('refuses a wrong password with ACCESS_REFUSED (403)', async () => {
      const error = await amqp.connect(withPassword('not-the-password')).then(
        (conn) => {
          open.push(conn);
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(handshakeCode(error)).toBe(403);
      expect(await rawHandshake(env.url, USER, 'not-the-password', env.vhost)).toEqual({
        opened: false,
        closeCode: 403,
      });
      expect(await rawHandshake(env.url, 'no-such-user', PASSWORD, env.vhost)).toEqual({
        opened: false,
        closeCode: 403,
      });
    });

    it('refuses an unknown vhost with NOT_ALLOWED (530) and accepts the right one', async () => {
      const missing = `no-such-vhost-${randomBytes(4).toString('hex')}`;
      await expect(amqp.connect(withVhost(missing))).rejects.toThrow();
      expect(await rawHandshake(env.url, USER, PASSWORD, missing)).toEqual({
        opened: false,
        closeCode: 530,
      });
      expect(await rawHandshake(env.url, USER, PASSWORD, env.vhost)).toEqual({ opened: true });
    });

    // RabbitMQ listens on ::1 as well as 127.0.0.1 by default; amqplib's own tests connect to
    // amqp://[::1]. Only where the suite's URL is on loopback (a remote RabbitMQ has its own ::1).
    it.runIf(['127.0.0.1', 'localhost'].includes(new URL(TEST_RABBITMQ_URL).hostname))(
      'answers on amqp://[::1] too: published over ::1, consumed over 127.0.0.1',
      async () => {
        const u = new URL(env.url);
        u.hostname = '[::1]';
        const v6 = await amqp.connect(u.toString());
        v6.on('error', () => {});
        open.push(v6);
        const pub = await channel(v6);
        const q = unique('over-ipv6');
        await pub.assertQueue(q);
        pub.sendToQueue(q, Buffer.from('hello over ::1'));
        await pub.waitForConfirms();
        const sub = await channel();
        expect(bodies(await drain(sub, q))).toEqual(['hello over ::1']);
        await sub.deleteQueue(q);
      },
    );

    it('negotiates heartbeat and frame-max as RabbitMQ does, and announces its capabilities', async () => {
      const plain = await connect();
      const c = plain.connection as unknown as {
        heartbeat: number;
        frameMax: number;
        channelMax: number;
        serverProperties: { capabilities: Record<string, boolean>; product: string };
      };
      // No preference from the client: the server's proposals (RabbitMQ: 60 s, 128 KiB).
      expect(c.heartbeat).toBe(60);
      expect(c.frameMax).toBe(131072);
      expect(c.channelMax).toBeGreaterThan(0);
      expect(c.serverProperties.capabilities).toMatchObject({
        publisher_confirms: true,
        exchange_exchange_bindings: true,
        'basic.nack': true,
        consumer_cancel_notify: true,
        'connection.blocked': true,
        per_consumer_qos: true,
        authentication_failure_close: true,
      });
      expect(typeof c.serverProperties.product).toBe('string');

      // A lower client value wins; a smaller frame-max too.
      const tuned = await connect('?heartbeat=5&frameMax=8192');
      const t = tuned.connection as unknown as { heartbeat: number; frameMax: number };
      expect(t.heartbeat).toBe(5);
      expect(t.frameMax).toBe(8192);
      // And a message larger than one frame still crosses with the smaller frame size.
      const ch = await channel(tuned);
      const q = await tempQueue(ch);
      const body = randomBytes(50_000);
      ch.sendToQueue(q, body);
      const got = await eventually('the message', async () => (await ch.get(q)) || undefined);
      expect(got.content.equals(body)).toBe(true);
    });

    it('keeps an idle connection alive with heartbeats (1 s) for several intervals', async () => {
      const conn = await connect('?heartbeat=1');
      const errors: Error[] = [];
      conn.on('error', (e: Error) => errors.push(e));
      // amqplib declares the server dead after two silent intervals; RabbitMQ would close us
      // after two missed client beats. Idle well past both.
      await sleep(3500);
      const ch = await channel(conn);
      expect((await ch.assertQueue('', { exclusive: true })).queue).toMatch(/^amq\.gen-/);
      expect(errors).toEqual([]);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('channels', () => {
    it('opens and closes many channels on one connection; a closed channel frees its number', async () => {
      const conn = await connect();
      const channels = await Promise.all(Array.from({ length: 50 }, () => conn.createChannel()));
      const names = await Promise.all(channels.map((ch) => ch.assertQueue('', { exclusive: true })));
      expect(new Set(names.map((n) => n.queue)).size).toBe(50);
      await Promise.all(channels.map((ch) => ch.close()));
      // Reopen: the numbers are free again and the connection still serves.
      const again = await Promise.all(Array.from({ length: 50 }, () => conn.createChannel()));
      await Promise.all(again.map((ch) => ch.checkQueue(names[0]!.queue)));
      await Promise.all(again.map((ch) => ch.close()));
    });

    it('an error on one channel (404) leaves the connection and its other channels working', async () => {
      const conn = await connect();
      const good = await channel(conn);
      const bad = await channel(conn);
      const q = await tempQueue(good);
      const closed = new Promise<void>((resolve) => bad.once('close', () => resolve()));
      expect(await replyCodeOf(bad.checkQueue(unique('missing')))).toBe(404);
      await closed;
      good.sendToQueue(q, Buffer.from('still here'));
      expect(bodies(await drain(good, q))).toEqual(['still here']);
      const fresh = await channel(conn);
      expect((await fresh.checkQueue(q)).queue).toBe(q);
    });

    it('publishing to a missing exchange closes only that channel, with NOT_FOUND (404)', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const error = nextChannelError(ch);
      ch.publish(unique('no-such-exchange'), 'k', Buffer.from('x'));
      expect(await error).toBe(404);
      const other = await channel(conn);
      expect((await other.assertQueue('', { exclusive: true })).queue).toMatch(/^amq\.gen-/);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('exchanges', () => {
    it('declares direct, fanout, topic and headers exchanges; redeclaring the same is fine', async () => {
      const ch = await channel();
      for (const type of ['direct', 'fanout', 'topic', 'headers']) {
        const name = unique(`x-${type}`);
        expect(await ch.assertExchange(name, type, { durable: false })).toEqual({ exchange: name });
        expect(await ch.assertExchange(name, type, { durable: false })).toEqual({ exchange: name });
        await ch.checkExchange(name);
        await ch.deleteExchange(name);
        expect(await replyCodeOf((await channel()).checkExchange(name))).toBe(404);
      }
    });

    it('passive declare: fine for an existing exchange (and amq.*), NOT_FOUND (404) for a missing one', async () => {
      const ch = await channel();
      const name = unique('x');
      await ch.assertExchange(name, 'direct');
      await ch.checkExchange(name);
      for (const builtin of ['amq.direct', 'amq.fanout', 'amq.topic', 'amq.headers', 'amq.match']) {
        await ch.checkExchange(builtin);
      }
      expect(await replyCodeOf(ch.checkExchange(unique('missing')))).toBe(404);
    });

    it('an inequivalent redeclare fails with PRECONDITION_FAILED (406)', async () => {
      const conn = await connect();
      const name = unique('x');
      const ch = await channel(conn);
      await ch.assertExchange(name, 'direct', { durable: false, autoDelete: false });
      expect(
        await replyCodeOf((await channel(conn)).assertExchange(name, 'fanout', { durable: false })),
      ).toBe(406);
      expect(await replyCodeOf((await channel(conn)).assertExchange(name, 'direct', { durable: true }))).toBe(
        406,
      );
      expect(
        await replyCodeOf(
          (await channel(conn)).assertExchange(name, 'direct', { durable: false, autoDelete: true }),
        ),
      ).toBe(406);
      expect(await replyCodeOf((await channel(conn)).assertExchange('amq.direct', 'topic'))).toBe(406);
      // An equivalent redeclare of a built-in exchange is accepted.
      expect(await (await channel(conn)).assertExchange('amq.direct', 'direct')).toEqual({
        exchange: 'amq.direct',
      });
    });

    it('refuses the reserved amq. prefix and the default exchange with ACCESS_REFUSED (403)', async () => {
      const conn = await connect();
      expect(await replyCodeOf((await channel(conn)).assertExchange(unique('amq.mine'), 'direct'))).toBe(403);
      expect(await replyCodeOf((await channel(conn)).deleteExchange('amq.direct'))).toBe(403);
      expect(await replyCodeOf((await channel(conn)).deleteExchange(''))).toBe(403);
      const ch = await channel(conn);
      const q = await tempQueue(ch);
      expect(await replyCodeOf(ch.bindQueue(q, '', 'anything'))).toBe(403);
    });

    it('an unknown exchange type is a connection error: COMMAND_INVALID (503)', async () => {
      const conn = await connect();
      const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
      const ch = await channel(conn);
      await expect(ch.assertExchange(unique('x'), 'no-such-type')).rejects.toThrow();
      const error = (await closed) as { code?: number } | undefined;
      expect(error?.code).toBe(503);
    });

    it('delete with ifUnused refuses an exchange that has bindings (406); deleting a missing one is fine', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const name = unique('x');
      await ch.assertExchange(name, 'direct', { durable: false });
      const q = await tempQueue(ch);
      await ch.bindQueue(q, name, 'k');
      expect(await replyCodeOf(ch.deleteExchange(name, { ifUnused: true }))).toBe(406);
      const ch2 = await channel(conn);
      await ch2.checkExchange(name);
      await ch2.unbindQueue(q, name, 'k');
      await ch2.deleteExchange(name, { ifUnused: true });
      expect(await replyCodeOf(ch2.checkExchange(name))).toBe(404);
      const ch3 = await channel(conn);
      expect(await ch3.deleteExchange(unique('never-existed'))).toEqual({});
    });

    it('deleting an exchange removes its bindings; an auto-delete exchange goes with its last binding', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const auto = unique('x-auto');
      await ch.assertExchange(auto, 'fanout', { durable: false, autoDelete: true });
      const q = await tempQueue(ch);
      await ch.bindQueue(q, auto, '');
      await ch.unbindQueue(q, auto, '');
      await eventually('the auto-delete exchange to go', async () => {
        const code = await replyCodeOf((await channel(conn)).checkExchange(auto)).catch(() => 0);
        return code === 404 ? code : undefined;
      });
      // Delete and recreate: the old binding must not survive.
      const plain = unique('x');
      await ch.assertExchange(plain, 'fanout', { durable: false });
      await ch.bindQueue(q, plain, '');
      await ch.deleteExchange(plain);
      await ch.assertExchange(plain, 'fanout', { durable: false });
      ch.publish(plain, '', Buffer.from('lost'));
      ch.sendToQueue(q, Buffer.from('marker'));
      expect(bodies(await drain(ch, q))).toEqual(['marker']);
    });

    it('routes through exchange-to-exchange bindings, and stops after unbind', async () => {
      const ch = await channel();
      const source = unique('x-src');
      const dest = unique('x-dst');
      await ch.assertExchange(source, 'topic', { durable: false });
      await ch.assertExchange(dest, 'direct', { durable: false });
      const q = await tempQueue(ch);
      await ch.bindQueue(q, dest, 'a.b');
      expect(await ch.bindExchange(dest, source, 'a.*')).toEqual({});
      ch.publish(source, 'a.b', Buffer.from('via e2e'));
      ch.publish(source, 'a.c', Buffer.from('matches e2e binding, not the queue binding'));
      ch.publish(source, 'b.b', Buffer.from('no route'));
      ch.sendToQueue(q, Buffer.from('marker'));
      expect(bodies(await drain(ch, q))).toEqual(['via e2e', 'marker']);
      expect(await ch.unbindExchange(dest, source, 'a.*')).toEqual({});
      ch.publish(source, 'a.b', Buffer.from('after unbind'));
      ch.sendToQueue(q, Buffer.from('marker'));
      expect(bodies(await drain(ch, q))).toEqual(['marker']);
      expect(await replyCodeOf(ch.bindExchange(dest, unique('missing'), 'k'))).toBe(404);
    });

    it('the default exchange routes by queue name, and to nothing else', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      const named = unique('q');
      await ch.assertQueue(named, { exclusive: true });
      expect(ch.publish('', q, Buffer.from('one'))).toBe(true);
      ch.sendToQueue(named, Buffer.from('two'));
      ch.publish('', unique('nobody'), Buffer.from('dropped'));
      expect(bodies(await drain(ch, q))).toEqual(['one']);
      expect(bodies(await drain(ch, named))).toEqual(['two']);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('queues', () => {
    it('declares a durable queue and reports counts; passive declare reflects them', async () => {
      const ch = await channel();
      const name = unique('durable');
      expect(await ch.assertQueue(name, { durable: true })).toEqual({
        queue: name,
        messageCount: 0,
        consumerCount: 0,
      });
      ch.sendToQueue(name, Buffer.from('a'));
      ch.sendToQueue(name, Buffer.from('b'));
      await ch.consume(name, () => {}, { noAck: false });
      // One consumer now holds the messages (unacked): not counted as ready.
      await eventually('the consumer to hold both', async () => {
        const info = await ch.checkQueue(name);
        return info.messageCount === 0 ? info : undefined;
      });
      expect(await ch.checkQueue(name)).toEqual({ queue: name, messageCount: 0, consumerCount: 1 });
      const other = await channel();
      expect(await other.assertQueue(name, { durable: true })).toEqual({
        queue: name,
        messageCount: 0,
        consumerCount: 1,
      });
      expect(await replyCodeOf(other.assertQueue(name, { durable: false }))).toBe(406);
      await ch.close();
      const third = await channel();
      expect(await third.checkQueue(name)).toEqual({ queue: name, messageCount: 2, consumerCount: 0 });
      expect(await third.deleteQueue(name)).toEqual({ messageCount: 2 });
    });

    it('passive declare of a missing queue fails with NOT_FOUND (404)', async () => {
      const ch = await channel();
      expect(await replyCodeOf(ch.checkQueue(unique('missing')))).toBe(404);
    });

    it('names a queue declared with an empty name amq.gen-…, unique each time', async () => {
      const ch = await channel();
      const a = await ch.assertQueue('', { exclusive: true });
      const b = await ch.assertQueue('', { exclusive: true });
      expect(a).toMatchObject({ messageCount: 0, consumerCount: 0 });
      expect(a.queue).toMatch(/^amq\.gen-[A-Za-z0-9_-]{22}$/);
      expect(b.queue).toMatch(/^amq\.gen-/);
      expect(a.queue).not.toBe(b.queue);
    });

    it('refuses a queue name with the reserved amq. prefix (403)', async () => {
      const ch = await channel();
      expect(await replyCodeOf(ch.assertQueue(unique('amq.mine')))).toBe(403);
    });

    it('an inequivalent queue redeclare fails with 406 (durable, auto-delete, x-arguments)', async () => {
      const conn = await connect();
      const name = unique('q');
      await (await channel(conn)).assertQueue(name, { durable: false, autoDelete: false });
      expect(await replyCodeOf((await channel(conn)).assertQueue(name, { durable: true }))).toBe(406);
      expect(
        await replyCodeOf((await channel(conn)).assertQueue(name, { durable: false, autoDelete: true })),
      ).toBe(406);
      expect(
        await replyCodeOf(
          (await channel(conn)).assertQueue(name, { durable: false, arguments: { 'x-message-ttl': 1000 } }),
        ),
      ).toBe(406);
      await (await channel(conn)).deleteQueue(name);
    });

    it('an exclusive queue is locked (405) to other connections and goes with its connection', async () => {
      const owner = await connect();
      const ownerCh = await channel(owner);
      const name = unique('exclusive');
      await ownerCh.assertQueue(name, { exclusive: true });
      const stranger = await connect();
      expect(await replyCodeOf((await channel(stranger)).assertQueue(name, { exclusive: true }))).toBe(405);
      expect(await replyCodeOf((await channel(stranger)).assertQueue(name))).toBe(405);
      expect(await replyCodeOf((await channel(stranger)).checkQueue(name))).toBe(405);
      expect(await replyCodeOf((await channel(stranger)).consume(name, () => {}))).toBe(405);
      expect(await replyCodeOf((await channel(stranger)).get(name))).toBe(405);
      expect(await replyCodeOf((await channel(stranger)).deleteQueue(name))).toBe(405);
      // Another channel of the owner's connection may use it.
      const sibling = await channel(owner);
      expect((await sibling.checkQueue(name)).queue).toBe(name);
      await owner.close();
      await eventually('the exclusive queue to be deleted', async () => {
        const code = await replyCodeOf((await channel(stranger)).checkQueue(name)).catch(() => 0);
        return code === 404 ? code : undefined;
      });
    });

    it('an auto-delete queue is deleted when its last consumer cancels', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const name = unique('auto');
      await ch.assertQueue(name, { autoDelete: true });
      const a = await ch.consume(name, () => {});
      const b = await ch.consume(name, () => {});
      await ch.cancel(a.consumerTag);
      expect((await ch.checkQueue(name)).consumerCount).toBe(1);
      await ch.cancel(b.consumerTag);
      await eventually('the auto-delete queue to go', async () => {
        const code = await replyCodeOf((await channel(conn)).checkQueue(name)).catch(() => 0);
        return code === 404 ? code : undefined;
      });
    });

    it('binds and unbinds a queue; unbinding a missing binding is fine; missing parts are 404', async () => {
      const ch = await channel();
      const x = unique('x');
      await ch.assertExchange(x, 'direct', { durable: false });
      const q = await tempQueue(ch);
      expect(await ch.bindQueue(q, x, 'red')).toEqual({});
      expect(await ch.bindQueue(q, x, 'red')).toEqual({}); // idempotent
      await ch.bindQueue(q, x, 'green');
      ch.publish(x, 'red', Buffer.from('r'));
      ch.publish(x, 'green', Buffer.from('g'));
      ch.publish(x, 'blue', Buffer.from('b'));
      expect(bodies(await drain(ch, q))).toEqual(['r', 'g']);
      expect(await ch.unbindQueue(q, x, 'red')).toEqual({});
      expect(await ch.unbindQueue(q, x, 'never-bound')).toEqual({});
      ch.publish(x, 'red', Buffer.from('r2'));
      ch.publish(x, 'green', Buffer.from('g2'));
      expect(bodies(await drain(ch, q))).toEqual(['g2']);
      expect(await replyCodeOf(ch.bindQueue(q, unique('missing'), 'k'))).toBe(404);
      const ch2 = await channel();
      expect(await replyCodeOf(ch2.bindQueue(unique('missing'), x, 'k'))).toBe(404);
    });

    it('purges and reports how many messages went', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      for (let i = 0; i < 7; i++) ch.sendToQueue(q, Buffer.from(String(i)));
      await settle(ch);
      expect(await ch.purgeQueue(q)).toEqual({ messageCount: 7 });
      expect(await ch.checkQueue(q)).toMatchObject({ messageCount: 0 });
      expect(await ch.purgeQueue(q)).toEqual({ messageCount: 0 });
      expect(await replyCodeOf(ch.purgeQueue(unique('missing')))).toBe(404);
    });

    it('delete: reports the count; ifEmpty and ifUnused refuse with 406; a missing queue is fine', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const q = unique('q');
      await ch.assertQueue(q);
      ch.sendToQueue(q, Buffer.from('x'));
      await settle(ch);
      expect(await replyCodeOf(ch.deleteQueue(q, { ifEmpty: true }))).toBe(406);
      const ch2 = await channel(conn);
      const { consumerTag } = await ch2.consume(q, () => {}, { noAck: true });
      const ch3 = await channel(conn);
      expect(await replyCodeOf(ch3.deleteQueue(q, { ifUnused: true }))).toBe(406);
      await ch2.cancel(consumerTag);
      const ch4 = await channel(conn);
      ch4.sendToQueue(q, Buffer.from('y'));
      ch4.sendToQueue(q, Buffer.from('z'));
      await eventually('two ready', async () =>
        (await ch4.checkQueue(q)).messageCount === 2 ? 1 : undefined,
      );
      expect(await ch4.deleteQueue(q, { ifUnused: true })).toEqual({ messageCount: 2 });
      expect(await replyCodeOf(ch4.checkQueue(q))).toBe(404);
      const ch5 = await channel(conn);
      expect(await ch5.deleteQueue(unique('never-existed'))).toEqual({ messageCount: 0 });
    });

    it('deleting a queue cancels its consumers (basic.cancel to the client)', async () => {
      const conn = await connect();
      const consumerCh = await channel(conn);
      const q = unique('q');
      await consumerCh.assertQueue(q);
      let cancelled: unknown = 'not yet';
      const gone = new Promise<void>((resolve) => {
        consumerCh.consume(q, (m) => {
          if (m === null) {
            cancelled = m;
            resolve();
          }
        });
      });
      await (await channel(conn)).deleteQueue(q);
      await gone;
      expect(cancelled).toBeNull();
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('routing', () => {
    const topicCases: Array<[pattern: string, matches: string[]]> = [
      ['*.orange.*', ['quick.orange.rabbit', 'lazy.orange.elephant', 'quick.orange.fox']],
      ['*.*.rabbit', ['quick.orange.rabbit', 'lazy.pink.rabbit']],
      [
        'lazy.#',
        ['lazy.orange.elephant', 'lazy.brown.fox', 'lazy.pink.rabbit', 'lazy', 'lazy.orange.male.rabbit'],
      ],
      ['#', []], // everything: filled in below
      ['quick.#.rabbit', ['quick.orange.rabbit', 'quick.orange.male.rabbit', 'quick.rabbit']],
      ['#.fox', ['quick.orange.fox', 'lazy.brown.fox', 'quick.brown.fox', 'fox']],
      ['quick.orange.rabbit', ['quick.orange.rabbit']],
      ['*', ['orange', 'lazy', 'fox']], // one word: not the empty key
      ['', ['']],
      ['#.#', []], // everything
      ['*.#', []], // every key with at least one word (filled below)
    ];
    const keys = [
      'quick.orange.rabbit',
      'lazy.orange.elephant',
      'quick.orange.fox',
      'lazy.brown.fox',
      'lazy.pink.rabbit',
      'quick.brown.fox',
      'orange',
      'quick.orange.male.rabbit',
      'lazy.orange.male.rabbit',
      'lazy',
      'quick.rabbit',
      'fox',
      '',
    ];

    it('topic exchange: *, # and literal words as RabbitMQ matches them', async () => {
      const ch = await channel();
      const x = unique('topic');
      await ch.assertExchange(x, 'topic', { durable: false });
      const queues: string[] = [];
      for (const [pattern] of topicCases) {
        const q = await tempQueue(ch);
        await ch.bindQueue(q, x, pattern);
        queues.push(q);
      }
      for (const key of keys) ch.publish(x, key, Buffer.from(key));
      const expected = topicCases.map(([pattern, matches]) => {
        if (pattern === '#' || pattern === '#.#') return keys;
        if (pattern === '*.#') return keys.filter((k) => k !== '');
        return keys.filter((k) => matches.includes(k));
      });
      const got: string[][] = [];
      for (const q of queues) got.push(bodies(await drain(ch, q)));
      expect(Object.fromEntries(topicCases.map(([p], i) => [p, got[i]]))).toEqual(
        Object.fromEntries(topicCases.map(([p], i) => [p, expected[i]])),
      );
    });

    it('a queue bound twice gets one copy; fanout ignores the routing key', async () => {
      const ch = await channel();
      const topic = unique('topic');
      await ch.assertExchange(topic, 'topic', { durable: false });
      const q = await tempQueue(ch);
      await ch.bindQueue(q, topic, 'a.*');
      await ch.bindQueue(q, topic, '*.b');
      ch.publish(topic, 'a.b', Buffer.from('once'));
      expect(bodies(await drain(ch, q))).toEqual(['once']);

      const fan = unique('fanout');
      await ch.assertExchange(fan, 'fanout', { durable: false });
      const qs = [await tempQueue(ch), await tempQueue(ch), await tempQueue(ch)];
      for (const [i, name] of qs.entries()) await ch.bindQueue(name, fan, `ignored-${i}`);
      ch.publish(fan, 'whatever', Buffer.from('f1'));
      ch.publish(fan, '', Buffer.from('f2'));
      for (const name of qs) expect(bodies(await drain(ch, name))).toEqual(['f1', 'f2']);
    });

    it('headers exchange: x-match all and any, typed values, and the empty binding', async () => {
      const ch = await channel();
      const x = unique('headers');
      await ch.assertExchange(x, 'headers', { durable: false });
      const all = await tempQueue(ch);
      const any = await tempQueue(ch);
      const none = await tempQueue(ch);
      const deflt = await tempQueue(ch);
      await ch.bindQueue(all, x, '', { 'x-match': 'all', format: 'pdf', type: 'report' });
      await ch.bindQueue(any, x, '', { 'x-match': 'any', format: 'pdf', size: 42 });
      await ch.bindQueue(none, x, '', { 'x-match': 'all' });
      await ch.bindQueue(deflt, x, '', { format: 'zip' }); // x-match defaults to all
      const send = (name: string, headers: Record<string, unknown> | undefined) =>
        ch.publish(x, 'routing key ignored', Buffer.from(name), headers ? { headers } : {});
      send('pdf-report', { format: 'pdf', type: 'report' });
      send('pdf-report-extra', { format: 'pdf', type: 'report', extra: true });
      send('pdf-only', { format: 'pdf' });
      send('size-42', { size: 42 });
      send('size-42-string', { size: '42' });
      send('zip', { format: 'zip' });
      send('no-headers', undefined);
      expect(bodies(await drain(ch, all))).toEqual(['pdf-report', 'pdf-report-extra']);
      expect(bodies(await drain(ch, any))).toEqual(['pdf-report', 'pdf-report-extra', 'pdf-only', 'size-42']);
      expect(bodies(await drain(ch, none))).toEqual([
        'pdf-report',
        'pdf-report-extra',
        'pdf-only',
        'size-42',
        'size-42-string',
        'zip',
        'no-headers',
      ]);
      expect(bodies(await drain(ch, deflt))).toEqual(['zip']);
    });

    it('mandatory and unroutable: basic.return with NO_ROUTE (312) and the whole message', async () => {
      const ch = await channel();
      const returned = new Promise<Message>((resolve) => ch.once('return', resolve));
      const x = unique('direct');
      await ch.assertExchange(x, 'direct', { durable: false });
      ch.publish(x, 'nowhere', Buffer.from('come back'), {
        mandatory: true,
        messageId: 'm-1',
        headers: { h: 1 },
      });
      const m = await returned;
      expect(m.fields).toMatchObject({ replyCode: 312, exchange: x, routingKey: 'nowhere' });
      expect(m.content.toString()).toBe('come back');
      expect(m.properties).toMatchObject({ messageId: 'm-1', headers: { h: 1 } });
      // Routable mandatory messages and non-mandatory unroutable ones are not returned.
      const q = await tempQueue(ch);
      let extra = 0;
      ch.on('return', () => extra++);
      ch.sendToQueue(q, Buffer.from('routed'), { mandatory: true });
      ch.publish(x, 'nowhere', Buffer.from('dropped'));
      expect(bodies(await drain(ch, q))).toEqual(['routed']);
      expect(extra).toBe(0);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('consumers', () => {
    it('basic.qos: a consumer with prefetch 2 never holds more than 2 unacked', async () => {
      const conn = await connect();
      const pub = await channel(conn);
      const q = await tempQueue(pub);
      for (let i = 0; i < 6; i++) pub.sendToQueue(q, Buffer.from(String(i)));
      await settle(pub);
      const ch = await plainChannel(conn);
      await ch.prefetch(2);
      const c = collector();
      await ch.consume(q, c.onMessage);
      const firstTwo = await c.next(2);
      expect(bodies(firstTwo)).toEqual(['0', '1']);
      // With two outstanding, the other four stay ready.
      expect((await pub.checkQueue(q)).messageCount).toBe(4);
      expect(c.messages.length).toBe(2);
      ch.ack(firstTwo[0]!);
      await c.next(3);
      expect((await pub.checkQueue(q)).messageCount).toBe(3);
      expect(c.messages.length).toBe(3);
      // Ack the rest as they come, checking the window each time.
      let acked = 1;
      while (acked < 6) {
        const held = c.messages.length - acked;
        expect(held).toBeLessThanOrEqual(2);
        ch.ack(c.messages[acked]!);
        acked++;
        if (acked < 6) await c.next(Math.min(6, acked + 2));
      }
      expect(bodies(c.messages)).toEqual(['0', '1', '2', '3', '4', '5']);
    });

    it('two consumers with prefetch 2 share the queue: 2 each held, the rest stay ready', async () => {
      const conn = await connect();
      const pub = await channel(conn);
      const q = await tempQueue(pub);
      const a = await channel(conn);
      const b = await channel(conn);
      await a.prefetch(2);
      await b.prefetch(2);
      const ca = collector();
      const cb = collector();
      await a.consume(q, ca.onMessage);
      await b.consume(q, cb.onMessage);
      for (let i = 0; i < 10; i++) pub.sendToQueue(q, Buffer.from(String(i)));
      await settle(pub);
      await ca.next(2);
      await cb.next(2);
      expect((await pub.checkQueue(q)).messageCount).toBe(6);
      expect(ca.messages.length + cb.messages.length).toBe(4);
      // Ack everything as it comes: all ten arrive exactly once, both consumers take part.
      let ackedA = 0;
      let ackedB = 0;
      const pump = async () => {
        while (ca.messages.length + cb.messages.length < 10 || ackedA + ackedB < 10) {
          if (ackedA < ca.messages.length) a.ack(ca.messages[ackedA++]!);
          else if (ackedB < cb.messages.length) b.ack(cb.messages[ackedB++]!);
          else await sleep(5);
          expect(ca.messages.length - ackedA).toBeLessThanOrEqual(2);
          expect(cb.messages.length - ackedB).toBeLessThanOrEqual(2);
        }
      };
      await Promise.race([pump(), sleep(15_000).then(() => Promise.reject(new Error('stalled')))]);
      const all = [...bodies(ca.messages), ...bodies(cb.messages)].map(Number).sort((x, y) => x - y);
      expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(ca.messages.length).toBeGreaterThanOrEqual(2);
      expect(cb.messages.length).toBeGreaterThanOrEqual(2);
    });

    it('consume and cancel: client and server consumer tags; nothing after cancel', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const q = await tempQueue(ch);
      const mine = await ch.consume(q, () => {}, { consumerTag: 'my-tag' });
      expect(mine).toEqual({ consumerTag: 'my-tag' });
      const generated = await ch.consume(q, () => {});
      expect(generated.consumerTag).toMatch(/^amq\.ctag-/);
      expect((await ch.checkQueue(q)).consumerCount).toBe(2);
      expect(await ch.cancel('my-tag')).toEqual({ consumerTag: 'my-tag' });
      expect(await ch.cancel(generated.consumerTag)).toEqual({ consumerTag: generated.consumerTag });
      expect((await ch.checkQueue(q)).consumerCount).toBe(0);
      ch.sendToQueue(q, Buffer.from('after cancel'));
      expect(bodies(await drain(ch, q))).toEqual(['after cancel']);
      // Cancelling an unknown tag is not an error.
      expect(await ch.cancel('never-was')).toEqual({ consumerTag: 'never-was' });
    });

    it('reusing a consumer tag on the channel is a connection error: NOT_ALLOWED (530)', async () => {
      const conn = await connect();
      const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
      const ch = await channel(conn);
      const q = await tempQueue(ch);
      await ch.consume(q, () => {}, { consumerTag: 'dup' });
      await expect(ch.consume(q, () => {}, { consumerTag: 'dup' })).rejects.toThrow();
      expect(((await closed) as { code?: number } | undefined)?.code).toBe(530);
    });

    it('an exclusive consumer locks out others with ACCESS_REFUSED (403), both ways round', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const q = unique('q');
      await ch.assertQueue(q);
      await ch.consume(q, () => {}, { exclusive: true });
      expect(await replyCodeOf((await channel(conn)).consume(q, () => {}))).toBe(403);
      expect(await replyCodeOf((await channel(await connect())).consume(q, () => {}))).toBe(403);
      const q2 = unique('q');
      await ch.assertQueue(q2);
      await ch.consume(q2, () => {});
      expect(await replyCodeOf((await channel(conn)).consume(q2, () => {}, { exclusive: true }))).toBe(403);
      await ch.deleteQueue(q);
      await ch.deleteQueue(q2);
    });

    it('noAck consumers take messages for good: closing the channel requeues nothing', async () => {
      const conn = await connect();
      const pub = await channel(conn);
      const q = await tempQueue(pub);
      const ch = await channel(conn);
      const c = collector();
      await ch.consume(q, c.onMessage, { noAck: true });
      for (let i = 0; i < 5; i++) pub.sendToQueue(q, Buffer.from(String(i)));
      const got = await c.next(5);
      expect(bodies(got)).toEqual(['0', '1', '2', '3', '4']);
      expect(got.every((m) => m.fields.redelivered === false)).toBe(true);
      await ch.close();
      expect(await pub.checkQueue(q)).toMatchObject({ messageCount: 0, consumerCount: 0 });
    });

    it('deliveries carry consumer tag, delivery tags 1, 2, 3…, exchange and routing key', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      const x = unique('x');
      await ch.assertExchange(x, 'direct', { durable: false });
      await ch.bindQueue(q, x, 'rk');
      const c = collector();
      await ch.consume(q, c.onMessage, { consumerTag: 'tagged' });
      ch.publish(x, 'rk', Buffer.from('a'));
      ch.sendToQueue(q, Buffer.from('b'));
      const [a, b] = await c.next(2);
      expect(a!.fields).toMatchObject({
        consumerTag: 'tagged',
        deliveryTag: 1,
        redelivered: false,
        exchange: x,
        routingKey: 'rk',
      });
      expect(b!.fields).toMatchObject({ deliveryTag: 2, exchange: '', routingKey: q });
      ch.ack(b!, true);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('publishing', () => {
    it('publisher confirms: every publish is acked, routed or not; waitForConfirms resolves', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      const acks: number[] = [];
      ch.on('ack', (f: { deliveryTag: number; multiple: boolean }) => acks.push(f.deliveryTag));
      const results = await Promise.all(
        Array.from(
          { length: 200 },
          (_, i) =>
            new Promise<unknown>((resolve) => {
              const routed = i % 2 === 0;
              ch.publish('', routed ? q : unique('nobody'), Buffer.from(String(i)), {}, (err) =>
                resolve(err),
              );
            }),
        ),
      );
      expect(results.every((err) => err === null || err === undefined)).toBe(true);
      await ch.waitForConfirms();
      // Tags count up from 1; acks may be 'multiple', so the highest one covers all 200.
      expect(Math.max(...acks)).toBe(200);
      expect((await ch.checkQueue(q)).messageCount).toBe(100);
    });

    it('on a confirm channel a mandatory unroutable message is returned, then acked', async () => {
      const ch = await channel();
      const order: string[] = [];
      ch.on('return', () => order.push('return'));
      await new Promise<void>((resolve, reject) =>
        ch.publish('', unique('nobody'), Buffer.from('x'), { mandatory: true }, (err) => {
          order.push('ack');
          if (err) reject(err);
          else resolve();
        }),
      );
      expect(order).toEqual(['return', 'ack']);
    });

    it('basic.get: get-empty on an empty queue, then messages with the remaining count', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      expect(await ch.get(q)).toBe(false);
      ch.sendToQueue(q, Buffer.from('first'));
      ch.sendToQueue(q, Buffer.from('second'));
      await settle(ch);
      const m = await ch.get(q);
      expect(m).not.toBe(false);
      if (m === false) return;
      expect(m.fields).toMatchObject({
        deliveryTag: 1,
        redelivered: false,
        exchange: '',
        routingKey: q,
        messageCount: 1,
      });
      expect(m.content.toString()).toBe('first');
      const m2 = await ch.get(q, { noAck: true });
      expect(m2 !== false && m2.fields.messageCount).toBe(0);
      expect(await ch.get(q)).toBe(false);
      ch.ack(m);
      expect(await replyCodeOf(ch.get(unique('missing')))).toBe(404);
    });

    it('message properties round-trip, and header tables with every field type', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      const headers = {
        string: 'str',
        empty: '',
        utf8: 'héllo ✓ 🐇',
        yes: true,
        no: false,
        nothing: null,
        byte: 5,
        negativeByte: -100,
        short: 1000,
        int: 100_000,
        long: 2 ** 40,
        negativeLong: -(2 ** 40),
        double: 1.5,
        int8: { '!': 'int8', value: -7 },
        uint8: { '!': 'uint8', value: 200 },
        int16: { '!': 'int16', value: -30_000 },
        uint16: { '!': 'uint16', value: 60_000 },
        int32: { '!': 'int32', value: -2_000_000_000 },
        uint32: { '!': 'uint32', value: 4_000_000_000 },
        int64: { '!': 'int64', value: 2 ** 53 - 1 },
        float: { '!': 'float', value: 0.5 },
        float64: { '!': 'float64', value: -1e300 },
        timestamp: { '!': 'timestamp', value: 1_700_000_000 },
        decimal: { '!': 'decimal', value: { places: 2, digits: 12_345 } },
        bytes: Buffer.from([0, 1, 2, 255]),
        array: [1, 'two', true, null, [3], { x: 1 }],
        table: { nested: { deep: 'yes', n: 42 } },
        emptyTable: {},
        emptyArray: [],
      };
      const properties = {
        contentType: 'application/json',
        contentEncoding: 'gzip',
        headers,
        deliveryMode: 2,
        priority: 7,
        correlationId: 'corr-1',
        replyTo: 'reply-queue',
        expiration: '600000',
        messageId: 'msg-1',
        timestamp: 1_700_000_001,
        type: 'kind',
        userId: USER,
        appId: 'app-1',
      };
      ch.sendToQueue(q, Buffer.from('props'), properties);
      ch.sendToQueue(q, Buffer.from('bare'));
      const [full, bare] = await drain(ch, q);
      expect(full!.properties).toEqual({
        ...properties,
        clusterId: undefined,
        headers: {
          ...headers,
          int8: -7,
          uint8: 200,
          int16: -30_000,
          uint16: 60_000,
          int32: -2_000_000_000,
          uint32: 4_000_000_000,
          int64: 2 ** 53 - 1,
          float: 0.5,
          float64: -1e300,
        },
      });
      expect(bare!.properties).toEqual({
        contentType: undefined,
        contentEncoding: undefined,
        headers: {},
        deliveryMode: undefined,
        priority: undefined,
        correlationId: undefined,
        replyTo: undefined,
        expiration: undefined,
        messageId: undefined,
        timestamp: undefined,
        type: undefined,
        userId: undefined,
        appId: undefined,
        clusterId: undefined,
      });
    });

    it('drops the deprecated cluster-id property, as RabbitMQ does', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      // amqplib sends it on the wire, though its Publish type leaves it out.
      const withClusterId = { clusterId: 'cluster-1', appId: 'kept' } as Record<string, unknown>;
      ch.sendToQueue(q, Buffer.from('x'), withClusterId);
      const [m] = await drain(ch, q);
      expect(m!.properties).toMatchObject({ clusterId: undefined, appId: 'kept' });
    });

    it('a user-id that is not the connection user closes the channel with 406', async () => {
      const ch = await channel();
      const error = nextChannelError(ch);
      ch.sendToQueue(await tempQueue(ch), Buffer.from('x'), { userId: 'someone-else' });
      expect(await error).toBe(406);
    });

    it.each([
      ['1 MiB', 1024 * 1024],
      ['10 MiB', 10 * 1024 * 1024],
    ])('a %s body round-trips byte for byte (consume and get)', async (_label, size) => {
      const ch = await channel();
      const q = await tempQueue(ch);
      const body = randomBytes(size);
      ch.sendToQueue(q, body, { messageId: 'big' });
      const c = collector();
      const { consumerTag } = await ch.consume(q, c.onMessage, { noAck: true });
      const [m] = await c.next(1, 60_000);
      expect(m!.content.length).toBe(size);
      expect(m!.content.equals(body)).toBe(true);
      await ch.cancel(consumerTag);
      ch.sendToQueue(q, body);
      const got = await eventually(
        'the body via get',
        async () => (await ch.get(q, { noAck: true })) || undefined,
      );
      expect(got.content.equals(body)).toBe(true);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('acknowledgements', () => {
    async function fiveUnacked() {
      const conn = await connect();
      const ch = await channel(conn);
      const q = await tempQueue(ch);
      for (let i = 1; i <= 5; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      const c = collector();
      const { consumerTag } = await ch.consume(q, c.onMessage);
      const got = await c.next(5);
      return { conn, ch, q, c, consumerTag, got };
    }

    it('ack with multiple acks everything up to the tag', async () => {
      const { ch, q, got, consumerTag } = await fiveUnacked();
      ch.ack(got[2]!, true); // m1..m3
      await ch.cancel(consumerTag);
      await ch.recover(); // m4, m5 back (now unacked and no consumer → requeued)
      const back = await drain(ch, q);
      expect(bodies(back)).toEqual(['m4', 'm5']);
      expect(back.every((m) => m.fields.redelivered)).toBe(true);
    });

    it('nack multiple with requeue: messages come back redelivered=true, in their original order', async () => {
      const { ch, q, got, consumerTag } = await fiveUnacked();
      await ch.cancel(consumerTag);
      ch.nack(got[3]!, true, true); // m1..m4 back
      ch.ack(got[4]!); // m5 done
      const back = await drain(ch, q);
      expect(bodies(back)).toEqual(['m1', 'm2', 'm3', 'm4']);
      expect(back.map((m) => m.fields.redelivered)).toEqual([true, true, true, true]);
    });

    it('reject with and without requeue; nack without requeue drops', async () => {
      const { ch, q, got, consumerTag } = await fiveUnacked();
      await ch.cancel(consumerTag);
      ch.reject(got[0]!, false); // m1 dropped
      ch.reject(got[2]!, true); // m3 back
      ch.nack(got[3]!, false, false); // m4 dropped
      ch.nack(got[4]!, false, true); // m5 back
      ch.nack(got[1]!, false, true); // m2 back
      const back = await drain(ch, q);
      expect(bodies(back)).toEqual(['m2', 'm3', 'm5']);
      expect(back.every((m) => m.fields.redelivered)).toBe(true);
    });

    it('requeued messages go back ahead of newer ones and are redelivered to a live consumer', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const q = await tempQueue(ch);
      await ch.prefetch(3);
      for (let i = 1; i <= 5; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      const c = collector();
      await ch.consume(q, c.onMessage);
      const first = await c.next(3);
      expect(bodies(first)).toEqual(['m1', 'm2', 'm3']);
      ch.nack(first[2]!, true, true);
      const again = await c.next(6);
      expect(bodies(again.slice(3))).toEqual(['m1', 'm2', 'm3']);
      expect(again.slice(3).map((m) => m.fields.redelivered)).toEqual([true, true, true]);
      expect(again.slice(3).map((m) => m.fields.deliveryTag)).toEqual([4, 5, 6]);
      ch.ack(again[5]!, true);
      const rest = await c.next(8);
      expect(bodies(rest.slice(6))).toEqual(['m4', 'm5']);
      expect(rest.slice(6).map((m) => m.fields.redelivered)).toEqual([false, false]);
    });

    it('basic.recover redelivers every unacked message with redelivered=true', async () => {
      const { ch, c, got } = await fiveUnacked();
      ch.ack(got[0]!);
      await ch.recover();
      const again = await c.next(9);
      expect(bodies(again.slice(5)).sort()).toEqual(['m2', 'm3', 'm4', 'm5']);
      expect(again.slice(5).every((m) => m.fields.redelivered)).toBe(true);
      ch.ackAll();
    });

    it('an unknown delivery tag (or a second ack) closes the channel with PRECONDITION_FAILED (406)', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const error = nextChannelError(ch);
      ch.ack({ fields: { deliveryTag: 999 } } as unknown as Message);
      expect(await error).toBe(406);

      const ch2 = await channel(conn);
      const q = await tempQueue(ch2);
      ch2.sendToQueue(q, Buffer.from('x'));
      const m = await eventually('a message', async () => (await ch2.get(q)) || undefined);
      const error2 = nextChannelError(ch2);
      ch2.ack(m);
      ch2.ack(m);
      expect(await error2).toBe(406);
      // The connection is fine and the message was acked once: gone.
      const ch3 = await channel(conn);
      expect(await ch3.checkQueue(q)).toMatchObject({ messageCount: 0 });
    });

    it.each(['channel close', 'connection close', 'socket destroyed'] as const)(
      'unacked messages are redelivered (redelivered=true, in order) after the consumer’s %s',
      async (how) => {
        const admin = await channel();
        const q = unique('q');
        await admin.assertQueue(q);
        for (let i = 1; i <= 4; i++) admin.sendToQueue(q, Buffer.from(`m${i}`));
        const consumerConn = await connect();
        const consumerCh = await channel(consumerConn);
        const c = collector();
        await consumerCh.consume(q, c.onMessage);
        const got = await c.next(4);
        consumerCh.ack(got[1]!); // m2 done
        await consumerCh.checkQueue(q); // a round trip: the ack has been processed
        if (how === 'channel close') await consumerCh.close();
        else if (how === 'connection close') await consumerConn.close();
        else {
          const stream = (consumerConn.connection as unknown as { stream: { destroy(): void } }).stream;
          stream.destroy();
          // amqplib never notices a destroyed socket: don't ask it to close this one later.
          open.splice(open.indexOf(consumerConn), 1);
        }
        const back = await eventually('the unacked messages to be ready again', async () => {
          const info = await admin.checkQueue(q);
          return info.messageCount === 3 && info.consumerCount === 0 ? info : undefined;
        });
        expect(back.messageCount).toBe(3);
        const again = await drain(admin, q);
        expect(bodies(again)).toEqual(['m1', 'm3', 'm4']);
        expect(again.map((m) => m.fields.redelivered)).toEqual([true, true, true]);
        await admin.deleteQueue(q);
      },
    );
  });

  // -------------------------------------------------------------------------------------------
  describe('queue arguments and expiry', () => {
    it('x-max-length keeps the newest messages (drop-head)', async () => {
      const ch = await channel();
      const q = (await ch.assertQueue('', { exclusive: true, arguments: { 'x-max-length': 3 } })).queue;
      for (let i = 1; i <= 5; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      expect(bodies(await drain(ch, q))).toEqual(['m3', 'm4', 'm5']);
    });

    it('x-message-ttl: a message that waits longer than the TTL is gone; a waiting consumer still gets one', async () => {
      const ch = await channel();
      const q = (await ch.assertQueue('', { exclusive: true, arguments: { 'x-message-ttl': 100 } })).queue;
      ch.sendToQueue(q, Buffer.from('stale'));
      await settle(ch);
      await eventually('the message to expire', async () =>
        (await ch.checkQueue(q)).messageCount === 0 ? true : undefined,
      );
      expect(await ch.get(q)).toBe(false);
      const c = collector();
      await ch.consume(q, c.onMessage, { noAck: true });
      ch.sendToQueue(q, Buffer.from('fresh'));
      expect(bodies(await c.next(1))).toEqual(['fresh']);
    });

    it('per-message expiration: "0" is dropped unless a consumer takes it at once', async () => {
      const ch = await channel();
      const q = await tempQueue(ch);
      ch.sendToQueue(q, Buffer.from('nobody waiting'), { expiration: '0' });
      ch.sendToQueue(q, Buffer.from('kept'), { expiration: '60000' });
      expect(bodies(await drain(ch, q))).toEqual(['kept']);
      const c = collector();
      await ch.consume(q, c.onMessage, { noAck: true });
      ch.sendToQueue(q, Buffer.from('taken at once'), { expiration: '0' });
      const [m] = await c.next(1);
      expect(m!.content.toString()).toBe('taken at once');
      expect(m!.properties.expiration).toBe('0');
    });

    it('refuses a malformed expiration and bad x-arguments with PRECONDITION_FAILED (406)', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const q = await tempQueue(ch);
      const error = nextChannelError(ch);
      ch.sendToQueue(q, Buffer.from('x'), { expiration: 'soon' });
      expect(await error).toBe(406);
      const declare = async (args: Record<string, unknown>) =>
        replyCodeOf((await channel(conn)).assertQueue(unique('q'), { exclusive: true, arguments: args }));
      expect(await declare({ 'x-max-length': -1 })).toBe(406);
      expect(await declare({ 'x-message-ttl': 'one minute' })).toBe(406);
      expect(await declare({ 'x-message-ttl': -5 })).toBe(406);
    });

    it('x-expires: a queue nobody uses goes away', async () => {
      const conn = await connect();
      const ch = await channel(conn);
      const q = unique('expiring');
      await ch.assertQueue(q, { arguments: { 'x-expires': 200 } });
      // Probe by mandatory publishes: a declare (even passive) or a get would count as a use.
      let returned = 0;
      ch.on('return', () => returned++);
      await eventually('the unused queue to expire', async () => {
        const before = returned;
        ch.sendToQueue(q, Buffer.from('probe'), { mandatory: true });
        await ch.waitForConfirms();
        return returned > before ? true : undefined;
      });
      expect(await replyCodeOf((await channel(conn)).checkQueue(q))).toBe(404);
    });

    it('x-dead-letter-exchange: a rejected message moves there, with an x-death header', async () => {
      const ch = await channel();
      const dlx = unique('dlx');
      await ch.assertExchange(dlx, 'direct', { durable: false });
      const dead = await tempQueue(ch);
      await ch.bindQueue(dead, dlx, 'dead');
      const q = (
        await ch.assertQueue('', {
          exclusive: true,
          arguments: { 'x-dead-letter-exchange': dlx, 'x-dead-letter-routing-key': 'dead' },
        })
      ).queue;
      ch.sendToQueue(q, Buffer.from('rejected'));
      await settle(ch);
      const m = await ch.get(q);
      expect(m).not.toBe(false);
      if (m === false) return;
      ch.reject(m, false);
      const got = await eventually(
        'the dead-lettered message',
        async () => (await ch.get(dead, { noAck: true })) || undefined,
      );
      expect(got.content.toString()).toBe('rejected');
      expect(got.fields).toMatchObject({ exchange: dlx, routingKey: 'dead' });
      const death = (got.properties.headers?.['x-death'] as Array<Record<string, unknown>> | undefined)?.[0];
      expect(death).toMatchObject({
        reason: 'rejected',
        queue: q,
        exchange: '',
        'routing-keys': [q],
        count: 1,
      });
    });

    it('basic.qos global: one prefetch shared by every consumer on the channel', async () => {
      const conn = await connect();
      const pub = await channel(conn);
      const q1 = await tempQueue(pub);
      const q2 = await tempQueue(pub);
      for (let i = 0; i < 5; i++) {
        pub.sendToQueue(q1, Buffer.from(`a${i}`));
        pub.sendToQueue(q2, Buffer.from(`b${i}`));
      }
      await settle(pub);
      const ch = await plainChannel(conn);
      await ch.prefetch(3, true);
      const c = collector();
      await ch.consume(q1, c.onMessage);
      await ch.consume(q2, c.onMessage);
      await c.next(3);
      const ready = (await pub.checkQueue(q1)).messageCount + (await pub.checkQueue(q2)).messageCount;
      expect(ready).toBe(7);
      expect(c.messages.length).toBe(3);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('flow control', () => {
    it('connection.blocked when the memory alarm goes off, unblocked after, nothing lost', async () => {
      const alarm = await target.memoryAlarm();
      const conns: ChannelModel[] = [];
      try {
        const publisher = await amqp.connect(alarm.url);
        const admin = await amqp.connect(alarm.url);
        conns.push(publisher, admin);
        publisher.on('error', () => {});
        admin.on('error', () => {});
        const blocked = new Promise<string>((resolve) => publisher.once('blocked', resolve));
        const unblocked = new Promise<void>((resolve) => publisher.once('unblocked', () => resolve()));
        const adminCh = await admin.createChannel();
        const filler = unique('filler');
        const target_ = unique('marker');
        await adminCh.assertQueue(filler);
        await adminCh.assertQueue(target_);
        const pub = await publisher.createChannel();
        await alarm.arm();
        const chunk = Math.min(alarm.fillerBytes, 256 * 1024);
        for (let sent = 0; sent < alarm.fillerBytes; sent += chunk)
          pub.sendToQueue(filler, randomBytes(chunk));
        const reason = await blocked;
        expect(typeof reason).toBe('string');
        expect(reason.length).toBeGreaterThan(0);
        pub.sendToQueue(target_, Buffer.from('published while blocked'));
        await alarm.clear(adminCh, filler);
        await unblocked;
        const m = await eventually(
          'the message published while blocked',
          async () => (await adminCh.get(target_, { noAck: true })) || undefined,
        );
        expect(m.content.toString()).toBe('published while blocked');
        await adminCh.deleteQueue(filler);
        await adminCh.deleteQueue(target_);
      } finally {
        for (const conn of conns) await conn.close().catch(() => {});
        await alarm.close();
      }
    });
  });
});
