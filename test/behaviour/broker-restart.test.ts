// The embedded broker as a real process (`faafo-tutor broker`, as a user starts it), killed with
// SIGKILL and restarted on the same port and data dir: confirmed persistent messages survive, acked
// ones never come back, delivered-but-unacked ones come back with redelivered=true. Also the CLI's
// own behaviour: refusals as one line, clean shutdown on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { freePort } from '../helpers/faafo-processes.ts';

interface BrokerProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

function startTutor(args: string[]): BrokerProcess {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FAAFO_')) delete env[key];
  const child = spawn(process.execPath, [TUTOR_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let partial = { stdout: '', stderr: '' };
  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = partial[stream] + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = { ...partial, [stream]: parts.pop() ?? '' };
    for (const line of parts) {
      lines.push(line);
      if (process.env.FAAFO_TEST_VERBOSE) console.log(`[broker] ${line}`);
    }
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', onData('stdout'));
  child.stderr!.on('data', onData('stderr'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) lines.push(partial[stream]);
      for (const listener of [...listeners]) listener();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => pattern.test(l));
          if (line !== undefined) {
            done();
            resolve(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`broker exited before printing ${pattern}. Output:\n${lines.join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`broker did not print ${pattern} in ${timeoutMs} ms. Output:\n${lines.join('\n')}`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

async function kill9(p: BrokerProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  const { signal } = await p.exited;
  expect(signal).toBe('SIGKILL');
}

describe('embedded broker process: kill -9 and restart', () => {
  let dataDir: string;
  let port: number;
  let url: string;
  let broker: BrokerProcess | undefined;
  const connections: ChannelModel[] = [];

  async function start(): Promise<void> {
    broker = startTutor(['broker', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir]);
    const line = await broker.waitForLine(/listening on amqp:/);
    expect(line).toBe(`faafo-tutor broker listening on amqp://127.0.0.1:${port}/ (data in ${dataDir})`);
  }

  async function restart(): Promise<void> {
    // Their sockets die with the broker; each has an 'error' listener already.
    connections.splice(0);
    await kill9(broker!);
    await start();
  }

  async function connect(): Promise<ChannelModel> {
    const conn = await amqp.connect(url);
    // The broker dies under it: that is the point, not a failure.
    conn.on('error', () => {});
    connections.push(conn);
    return conn;
  }

  async function confirmChannel(): Promise<ConfirmChannel> {
    const ch = await (await connect()).createConfirmChannel();
    ch.on('error', () => {});
    return ch;
  }

  /** Consumes until `count` messages arrived (acking each if asked); then the queue must be empty. */
  async function consumeAll(
    ch: ConfirmChannel,
    queue: string,
    count: number,
    ackEach = false,
  ): Promise<Message[]> {
    const got: Message[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} arrived`)), 30_000);
      void ch.consume(queue, (m) => {
        if (m === null) return;
        got.push(m);
        if (ackEach) ch.ack(m);
        if (got.length === count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Nothing left ready: whatever else the queue held was delivered too.
    expect((await ch.checkQueue(queue)).messageCount).toBe(0);
    return got;
  }

  /**
   * Makes sure the broker has written what came before: a round trip on the channel (so its acks
   * were processed), then a confirmed persistent publish on it (the store writes in order).
   */
  async function barrier(ch: ConfirmChannel): Promise<void> {
    await ch.assertQueue('barrier', { durable: true });
    ch.sendToQueue('barrier', Buffer.from('barrier'), { persistent: true });
    await ch.waitForConfirms();
  }

  const ids = (messages: Message[]) =>
    messages.map((m) => (JSON.parse(m.content.toString()) as { id: number }).id);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'faafo-broker-restart-'));
    port = await freePort();
    url = `amqp://guest:guest@127.0.0.1:${port}/`;
    await start();
  });

  afterEach(async () => {
    for (const conn of connections.splice(0)) await conn.close().catch(() => {});
  });

  afterAll(async () => {
    if (broker && broker.child.exitCode === null && broker.child.signalCode === null) {
      broker.child.kill('SIGKILL');
      await broker.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('1,000 confirmed persistent messages survive kill -9, each delivered once', async () => {
    const ch = await confirmChannel();
    await ch.assertQueue('orders', { durable: true });
    for (let id = 0; id < 1000; id++) {
      ch.sendToQueue('orders', Buffer.from(JSON.stringify({ id })), {
        persistent: true,
        messageId: `m-${id}`,
      });
    }
    await ch.waitForConfirms();
    expect((await ch.checkQueue('orders')).messageCount).toBe(1000);

    await restart();

    const consumer = await confirmChannel();
    await consumer.prefetch(200);
    expect((await consumer.checkQueue('orders')).messageCount).toBe(1000);
    const got = await consumeAll(consumer, 'orders', 1000, true);
    expect(ids(got)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(got.every((m) => m.properties.deliveryMode === 2)).toBe(true);
    expect(got.map((m) => m.properties.messageId)).toEqual(Array.from({ length: 1000 }, (_, i) => `m-${i}`));
    // Never delivered before the crash: not redelivered.
    expect(got.filter((m) => m.fields.redelivered).length).toBe(0);
    await barrier(consumer);
  });

  it('after acking them and another kill -9, none is delivered again', async () => {
    await restart();
    const ch = await confirmChannel();
    expect(await ch.checkQueue('orders')).toEqual({ queue: 'orders', messageCount: 0, consumerCount: 0 });
    expect(await ch.get('orders')).toBe(false);
    // The barrier messages were confirmed, so they survived both crashes.
    expect((await ch.checkQueue('barrier')).messageCount).toBe(1);
    await ch.purgeQueue('barrier');
  });

  it('delivered but unacked messages come back after kill -9 with redelivered=true, in order', async () => {
    const ch = await confirmChannel();
    await ch.assertQueue('work', { durable: true });
    for (let id = 0; id < 50; id++)
      ch.sendToQueue('work', Buffer.from(JSON.stringify({ id })), { persistent: true });
    await ch.waitForConfirms();
    const got = await consumeAll(ch, 'work', 50);
    expect(got.every((m) => !m.fields.redelivered)).toBe(true);
    ch.ack(got[9]!, true); // 0..9 done; 10..49 delivered, not acked
    await barrier(ch);

    await restart();

    const again = await confirmChannel();
    expect((await again.checkQueue('work')).messageCount).toBe(40);
    const back = await consumeAll(again, 'work', 40);
    expect(ids(back)).toEqual(Array.from({ length: 40 }, (_, i) => i + 10));
    expect(back.map((m) => m.fields.redelivered)).toEqual(Array(40).fill(true));
    again.ack(back.at(-1)!, true);
    await barrier(again);
  });

  it('durable definitions survive; transient messages and non-durable queues do not', async () => {
    const ch = await confirmChannel();
    await ch.assertExchange('events', 'topic', { durable: true });
    await ch.assertQueue('audit', { durable: true });
    await ch.bindQueue('audit', 'events', 'order.*');
    await ch.assertQueue('scratch', { durable: false });
    ch.publish('events', 'order.created', Buffer.from('persistent'), { persistent: true });
    ch.publish('events', 'order.created', Buffer.from('transient'), { persistent: false });
    ch.sendToQueue('scratch', Buffer.from('gone'), { persistent: true });
    await ch.waitForConfirms();

    await restart();

    const after = await confirmChannel();
    await after.checkExchange('events');
    const audit = await after.get('audit', { noAck: true });
    expect(audit !== false && audit.content.toString()).toBe('persistent');
    expect(await after.get('audit')).toBe(false);
    // The binding came back too: routing still works.
    after.publish('events', 'order.paid', Buffer.from('routed after restart'));
    await after.waitForConfirms();
    const routed = await after.get('audit', { noAck: true });
    expect(routed !== false && routed.content.toString()).toBe('routed after restart');
    const probe = await (await connect()).createChannel();
    probe.on('error', () => {});
    await expect(probe.checkQueue('scratch')).rejects.toMatchObject({ code: 404 });
  });
});

describe('faafo-tutor broker: the command line', () => {
  it('shuts down cleanly on SIGTERM, closing client connections with CONNECTION_FORCED (320)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faafo-broker-cli-'));
    const port = await freePort();
    const p = startTutor(['broker', '--listen', `127.0.0.1:${port}`, '--data-dir', dir]);
    try {
      await p.waitForLine(/listening on amqp:/);
      const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}/`);
      const closed = new Promise<unknown>((resolve) => conn.once('close', resolve));
      conn.on('error', () => {});
      p.child.kill('SIGTERM');
      expect(await p.exited).toEqual({ code: 0, signal: null });
      const error = (await closed) as { code?: number } | undefined;
      expect(error?.code).toBe(320);
      expect(p.lines.some((line) => /stopped/.test(line))).toBe(true);
    } finally {
      p.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a port in use is one readable line and a non-zero exit', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const p = startTutor(['broker', '--listen', `127.0.0.1:${port}`]);
      const { code } = await p.exited;
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      const output = p.lines.filter((line) => line.trim() !== '');
      expect(output).toHaveLength(1);
      expect(output[0]).toMatch(/^faafo-tutor broker: .*in use/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('refuses a non-loopback address unless --allow-remote, and a malformed --listen', async () => {
    const remote = startTutor(['broker', '--listen', '0.0.0.0:0']);
    const r = await remote.exited;
    expect(r.code).not.toBe(0);
    expect(remote.lines.filter((l) => l.trim())).toEqual([expect.stringMatching(/--allow-remote/)]);

    const bad = startTutor(['broker', '--listen', 'not-an-address']);
    const b = await bad.exited;
    expect(b.code).toBe(2);
    expect(bad.lines.filter((l) => l.trim())).toEqual([
      expect.stringMatching(/^faafo-tutor broker: .*--listen/),
    ]);

    const user = startTutor(['broker', '--user', 'no-colon']);
    expect((await user.exited).code).toBe(2);
  });

  it('takes --user (repeatable) and refuses other logins', async () => {
    const port = await freePort();
    const p = startTutor([
      'broker',
      '--listen',
      `127.0.0.1:${port}`,
      '--user',
      'alice:secret',
      '--user',
      'bob:pa:ss',
    ]);
    try {
      const line = await p.waitForLine(/listening on amqp:/);
      expect(line).toMatch(/\(data in memory/);
      for (const who of ['alice:secret', 'bob:pa%3Ass']) {
        const conn = await amqp.connect(`amqp://${who}@127.0.0.1:${port}/`);
        await conn.close();
      }
      await expect(amqp.connect(`amqp://guest:guest@127.0.0.1:${port}/`)).rejects.toThrow(/403/);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  it('without a command, prints the overview as before', async () => {
    const p = startTutor([]);
    expect((await p.exited).code).toBe(0);
    expect(p.lines[0]).toMatch(/^faafo-tutor 0\.1\.0 — learn how cloud applications scale out\.$/);
    expect(p.lines.join('\n')).toMatch(/npx faafo render/);
  });
});
