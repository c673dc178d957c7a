// Broker throughput and latency with amqplib: the embedded broker (`faafo-tutor broker`, its own
// process pinned to CPU 0, data dir on the same disk as RabbitMQ's) against the RabbitMQ on this
// machine (a throw-away vhost), same cases, same client, one run. 1 KiB messages, a publisher
// connection and a consumer connection; each message carries its send time, so every delivery gives
// one publish→deliver latency.
//   transient   non-durable queue, plain channel, at most WINDOW messages published but not delivered
//   persistent  durable queue, persistent messages, confirm channel with WINDOW unconfirmed in flight
//   ping-pong   one message in flight at a time: the latency floor
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { TUTOR_BIN } from '../src/shared/bins.ts';
import { freePort } from '../test/helpers/faafo-processes.ts';
import { createVhost } from '../test/helpers/rabbitmq.ts';
import { TEST_RABBITMQ_URL, tcpReachable } from '../test/helpers/services.ts';

export interface BrokerResult {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface BrokerRow {
  name: string;
  ours: BrokerResult;
  /** Absent when no RabbitMQ answers on this machine. */
  rabbitmq?: BrokerResult;
}

type Kind = 'transient' | 'persistent' | 'ping-pong';

const MESSAGE_BYTES = 1024;
const MESSAGES = 20_000;
const PING_PONG_MESSAGES = 2_000;
const WARMUP_MESSAGES = 2_000;
const WINDOW = 1_000;
/** Any one case that takes longer than this has hung: fail rather than wait. */
const CASE_TIMEOUT_MS = 120_000;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A promise that the next `signal()` resolves; for "wait until the window opens". */
function signaller() {
  let wake: (() => void) | undefined;
  return {
    signal() {
      const w = wake;
      wake = undefined;
      w?.();
    },
    wait(): Promise<void> {
      return new Promise((resolve) => {
        wake = resolve;
      });
    },
  };
}

async function runCase(url: string, kind: Kind, count: number): Promise<BrokerResult> {
  const connections: ChannelModel[] = [];
  const open = async () => {
    const conn = await amqp.connect(url);
    conn.on('error', () => {});
    connections.push(conn);
    return conn;
  };
  const queue = `bench-${kind}-${randomBytes(4).toString('hex')}`;
  const durable = kind === 'persistent';
  const window = kind === 'ping-pong' ? 1 : WINDOW;
  try {
    const pubConn = await open();
    const subConn = await open();
    const admin = await pubConn.createChannel();
    await admin.assertQueue(queue, { durable, autoDelete: false });

    const latencies = new Float64Array(count);
    let delivered = 0;
    let confirmed = 0;
    const progress = signaller();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });

    const sub = await subConn.createChannel();
    await sub.prefetch(WINDOW);
    await sub.consume(queue, (m: Message | null) => {
      if (!m) return;
      latencies[delivered] = performance.now() - m.content.readDoubleLE(0);
      delivered++;
      if (delivered % 100 === 0 || delivered === count) sub.ack(m, true);
      progress.signal();
      if (delivered === count) finish();
    });

    const pub: Channel | ConfirmChannel = durable
      ? await pubConn.createConfirmChannel()
      : await pubConn.createChannel();
    let drained = true;
    pub.on('drain', () => {
      drained = true;
      progress.signal();
    });
    const onConfirm = (error: unknown) => {
      if (error) throw new Error('the broker nacked a message');
      confirmed++;
      progress.signal();
    };

    const timeout = setTimeout(() => finish(), CASE_TIMEOUT_MS);
    const started = performance.now();
    for (let sent = 0; sent < count; sent++) {
      // Keep the pipeline bounded: unconfirmed publishes (persistent) or undelivered ones.
      while (
        !drained ||
        (durable ? sent - confirmed >= window : sent - delivered >= window) ||
        sent - delivered >= 4 * WINDOW
      ) {
        await progress.wait();
      }
      const body = Buffer.allocUnsafe(MESSAGE_BYTES);
      body.fill(0x61, 12);
      body.writeUInt32LE(sent, 8);
      body.writeDoubleLE(performance.now(), 0);
      const ok = durable
        ? (pub as ConfirmChannel).sendToQueue(queue, body, { persistent: true }, onConfirm)
        : pub.sendToQueue(queue, body);
      if (!ok) drained = false;
    }
    await finished;
    clearTimeout(timeout);
    const seconds = (performance.now() - started) / 1000;
    if (delivered < count) throw new Error(`${kind}: only ${delivered} of ${count} delivered in time`);
    const sorted = latencies.slice(0, delivered).sort();
    await admin.deleteQueue(queue);
    return {
      messages: count,
      seconds,
      messagesPerSecond: count / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
    };
  } finally {
    for (const conn of connections) await conn.close().catch(() => {});
  }
}

const CASES: Array<{ name: string; kind: Kind; count: number }> = [
  { name: `transient, window ${WINDOW}`, kind: 'transient', count: MESSAGES },
  { name: `persistent + confirms, window ${WINDOW}`, kind: 'persistent', count: MESSAGES },
  { name: 'ping-pong (1 in flight)', kind: 'ping-pong', count: PING_PONG_MESSAGES },
];

async function benchTarget(url: string): Promise<BrokerResult[]> {
  await runCase(url, 'transient', WARMUP_MESSAGES);
  await runCase(url, 'persistent', WARMUP_MESSAGES);
  const results: BrokerResult[] = [];
  for (const c of CASES) results.push(await runCase(url, c.kind, c.count));
  return results;
}

async function startOurs(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const args = [TUTOR_BIN, 'broker', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir];
  const child =
    availableParallelism() > 1
      ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the broker did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on amqp:/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the broker exited (${code}) before listening:\n${output}`));
    });
  });
  child.stdout!.resume();
  return { url: `amqp://guest:guest@127.0.0.1:${port}/`, child };
}

export async function benchBroker(): Promise<BrokerRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faafo-bench-broker-'));
  let ours: BrokerResult[];
  const { url, child } = await startOurs(dataDir);
  try {
    ours = await benchTarget(url);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }

  let rabbit: BrokerResult[] | undefined;
  if (await tcpReachable(TEST_RABBITMQ_URL, 5672)) {
    const vhost = await createVhost('faafo-bench');
    try {
      rabbit = await benchTarget(vhost.url);
    } finally {
      await vhost.remove();
    }
  } else {
    console.warn(
      `\n!!! RabbitMQ is not reachable at ${TEST_RABBITMQ_URL}: broker figures without a baseline.\n`,
    );
  }
  return CASES.map((c, i) => ({ name: c.name, ours: ours[i]!, rabbitmq: rabbit?.[i] }));
}

export function printBroker(rows: BrokerRow[]): void {
  console.log(
    `\nBroker publish→consume with amqplib, ${MESSAGE_BYTES} B messages, ${MESSAGES} per case (ping-pong ${PING_PONG_MESSAGES}); ours = faafo-tutor broker (own process${availableParallelism() > 1 ? ', CPU 0' : ''})`,
  );
  console.log(
    '  case                                   ours msg/s  RabbitMQ msg/s  ratio   ours p50/p99 ms   RabbitMQ p50/p99 ms  p50 ratio',
  );
  const f = (n: number | undefined, digits = 0) => (n === undefined ? 'n/a' : n.toFixed(digits));
  for (const row of rows) {
    const r = row.rabbitmq;
    const ratio = r ? (row.ours.messagesPerSecond / r.messagesPerSecond).toFixed(2) : 'n/a';
    const latencyRatio = r ? (row.ours.p50Ms / r.p50Ms).toFixed(2) : 'n/a';
    console.log(
      `  ${row.name.padEnd(37)} ${f(row.ours.messagesPerSecond).padStart(11)}  ${f(r?.messagesPerSecond).padStart(14)}  ${`${ratio}x`.padStart(5)}  ${`${f(row.ours.p50Ms, 2)}/${f(row.ours.p99Ms, 2)}`.padStart(16)}  ${`${f(r?.p50Ms, 2)}/${f(r?.p99Ms, 2)}`.padStart(19)}  ${`${latencyRatio}x`.padStart(9)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printBroker(await benchBroker());
}
