// The append-only log store: round trip through load(), torn tails, group commit, compaction,
// and a writer killed with SIGKILL mid-stream.
import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PersistedMessage } from '../../src/broker/store/contracts.ts';
import { crc32 } from '../../src/broker/store/log-record.ts';
import { LOG_FILE, type LogStore, openLogStore } from '../../src/broker/store/log-store.ts';
import { createVirtualHost } from '../../src/broker/vhost/vhost.ts';

let root: string;
const open: LogStore[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'broker-log-'));
});
afterEach(async () => {
  for (const store of open.splice(0)) await store.close().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

async function openStore(dir = join(root, 'data'), options?: Parameters<typeof openLogStore>[1]) {
  const store = await openLogStore(dir, options);
  open.push(store);
  return store;
}

async function closeStore(store: LogStore) {
  await store.close();
  open.splice(open.indexOf(store), 1);
}

const message = (
  id: number,
  body: string | Buffer = `message ${id}`,
  extra: Partial<PersistedMessage> = {},
) => ({
  id,
  exchange: 'amq.direct',
  routingKey: 'jobs',
  properties: { deliveryMode: 2, contentType: 'text/plain' },
  body: typeof body === 'string' ? Buffer.from(body) : body,
  redelivered: false,
  ...extra,
});

const ids = (list: PersistedMessage[] | undefined) => (list ?? []).map((m) => m.id);

describe('log store', () => {
  it('round-trips definitions and messages through load()', async () => {
    const dir = join(root, 'data');
    const store = await openStore(dir);
    expect(await store.load()).toEqual({
      exchanges: [],
      queues: [],
      bindings: [],
      messages: new Map(),
      lastMessageId: 0,
    });

    store.putExchange({
      name: 'events',
      type: 'topic',
      autoDelete: false,
      internal: false,
      arguments: { 'alternate-exchange': 'ae' },
    });
    store.putExchange({ name: 'gone', type: 'fanout', autoDelete: false, internal: false, arguments: {} });
    store.putQueue({
      name: 'jobs',
      autoDelete: false,
      arguments: { 'x-max-length': 100, 'x-big': 2n ** 40n },
    });
    store.putQueue({ name: 'audit', autoDelete: true, arguments: {} });
    store.putQueue({ name: 'dropped', autoDelete: false, arguments: {} });
    store.putBinding({
      kind: 'queue',
      destination: 'jobs',
      source: 'events',
      routingKey: 'job.*',
      arguments: {},
    });
    store.putBinding({
      kind: 'queue',
      destination: 'audit',
      source: 'events',
      routingKey: '#',
      arguments: { a: 1 },
    });
    store.putBinding({
      kind: 'queue',
      destination: 'audit',
      source: 'events',
      routingKey: 'x',
      arguments: {},
    });
    store.deleteBinding({
      kind: 'queue',
      destination: 'audit',
      source: 'events',
      routingKey: 'x',
      arguments: {},
    });
    store.putBinding({
      kind: 'exchange',
      destination: 'gone',
      source: 'events',
      routingKey: '',
      arguments: {},
    });
    store.deleteExchange('gone');

    const rich = message(1, Buffer.from([0, 1, 2, 255]), {
      properties: {
        deliveryMode: 2,
        priority: 3,
        correlationId: 'c-1',
        timestamp: 1_700_000_000,
        headers: {
          s: 'ünïcødé',
          n: 42,
          f: 1.5,
          big: -(2n ** 62n),
          t: true,
          nil: null,
          bytes: Buffer.from('raw'),
          list: [1, 'two', [3]],
          nested: { deep: { deeper: 'yes' } },
          ts: { '!': 'timestamp', value: 1_700_000_000 },
          // An own key named __proto__ (as a decoded table can have) must stay a key.
          ...JSON.parse('{"__proto__": "not a prototype"}'),
        },
      },
    });
    store.enqueue('jobs', rich);
    store.enqueue('audit', rich); // same message in a second queue: stored as a reference
    store.enqueue('jobs', message(2));
    store.enqueue('jobs', message(3));
    store.enqueue('dropped', message(4));
    store.delivered('jobs', 2);
    store.remove('jobs', 3);
    store.enqueue('audit', message(5, ''));
    store.purge('audit');
    store.enqueue('audit', message(6));
    store.deleteQueue('dropped');
    await store.sync();
    await closeStore(store);

    const reopened = await openStore(dir);
    const state = await reopened.load();
    expect(state.exchanges).toEqual([
      {
        name: 'events',
        type: 'topic',
        autoDelete: false,
        internal: false,
        arguments: { 'alternate-exchange': 'ae' },
      },
    ]);
    expect(state.queues).toEqual([
      { name: 'jobs', autoDelete: false, arguments: { 'x-max-length': 100, 'x-big': 2n ** 40n } },
      { name: 'audit', autoDelete: true, arguments: {} },
    ]);
    expect(state.bindings).toEqual([
      { kind: 'queue', destination: 'jobs', source: 'events', routingKey: 'job.*', arguments: {} },
      { kind: 'queue', destination: 'audit', source: 'events', routingKey: '#', arguments: { a: 1 } },
    ]);
    expect([...state.messages.keys()].sort()).toEqual(['audit', 'jobs']);
    expect(state.messages.get('jobs')).toEqual([rich, { ...message(2), redelivered: true }]);
    expect(state.messages.get('audit')).toEqual([message(6)]);
    const headers = state.messages.get('jobs')![0]!.properties.headers!;
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.hasOwn(headers, '__proto__')).toBe(true);
    expect(state.lastMessageId).toBe(6);
  });

  it('brings a virtual host back after a restart from disk', async () => {
    const dir = join(root, 'data');
    const store = await openStore(dir);
    const before = createVirtualHost('/', store, await store.load());
    before.declareExchange(
      'orders',
      'topic',
      { durable: true, autoDelete: false, internal: false, arguments: {} },
      false,
    );
    before.declareQueue(
      'eu',
      { durable: true, exclusive: false, autoDelete: false, arguments: {} },
      false,
      'c',
    );
    before.declareQueue(
      'all',
      { durable: true, exclusive: false, autoDelete: false, arguments: {} },
      false,
      'c',
    );
    before.bindQueue('eu', 'orders', 'order.eu.*', {}, 'c');
    before.bindQueue('all', 'orders', 'order.#', {}, 'c');
    const confirms = ['1', '2', '3'].map(
      (n) =>
        before.publish('orders', 'order.eu.new', { deliveryMode: 2, messageId: n }, Buffer.from(n)).durable,
    );
    before.publish('orders', 'order.us.new', { deliveryMode: 1 }, Buffer.from('transient'));
    await Promise.all(confirms);
    before.ack(before.get('eu', 'c')!.delivery);
    before.get('all', 'c'); // delivered, not acked when the broker stops
    await closeStore(store);

    const reopened = await openStore(dir);
    const after = createVirtualHost('/', reopened, await reopened.load());
    expect(after.stats().map(({ queue, ready }) => [queue, ready])).toEqual([
      ['eu', 2],
      ['all', 3],
    ]);
    const all = [1, 2, 3].map(() => after.get('all', 'c', true)!.delivery);
    expect(all.map((d) => [d.message.body.toString(), d.redelivered])).toEqual([
      ['1', true],
      ['2', false],
      ['3', false],
    ]);
    expect(after.publish('orders', 'order.eu.x', {}, Buffer.from('4')).routed).toBe(true);
    expect(after.stats().find((s) => s.queue === 'eu')?.ready).toBe(3);
  });

  it('uses zlib-compatible CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('6789'), crc32(Buffer.from('12345')))).toBe(0xcbf43926);
  });

  it('survives a torn last record at every byte offset, keeping every complete record', async () => {
    const dir = join(root, 'data');
    const store = await openStore(dir);
    store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
    for (let id = 1; id <= 5; id++) store.enqueue('q', message(id, `body ${id}`));
    await store.sync();
    const intactBytes = store.counters().fileBytes;
    store.enqueue('q', message(6, 'the last one, torn', { properties: { headers: { k: 'v' } } }));
    await store.sync();
    const fullBytes = store.counters().fileBytes;
    await closeStore(store);
    const log = join(dir, LOG_FILE);
    expect(statSync(log).size).toBe(fullBytes);

    for (let cut = intactBytes; cut < fullBytes; cut++) {
      const copy = join(root, `cut-${cut}`);
      mkdirSync(copy);
      copyFileSync(log, join(copy, LOG_FILE));
      truncateSync(join(copy, LOG_FILE), cut);
      const torn = await openStore(copy);
      expect(ids((await torn.load()).messages.get('q')), `cut at ${cut}`).toEqual([1, 2, 3, 4, 5]);
      // The torn bytes are gone, and new records follow the last good one.
      expect(statSync(join(copy, LOG_FILE)).size).toBe(intactBytes);
      torn.enqueue('q', message(7));
      await torn.sync();
      await closeStore(torn);
      const again = await openStore(copy);
      expect(ids((await again.load()).messages.get('q'))).toEqual([1, 2, 3, 4, 5, 7]);
      await closeStore(again);
      rmSync(copy, { recursive: true });
    }
    const whole = await openStore(dir);
    expect(ids((await whole.load()).messages.get('q'))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('stops at a damaged record (CRC mismatch)', async () => {
    const dir = join(root, 'data');
    const store = await openStore(dir);
    store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
    store.enqueue('q', message(1));
    await store.sync();
    const goodBytes = store.counters().fileBytes;
    store.enqueue('q', message(2));
    store.enqueue('q', message(3));
    await closeStore(store);
    const log = join(dir, LOG_FILE);
    const bytes = readFileSync(log);
    bytes[goodBytes + 20]! ^= 0xff;
    writeFileSync(log, bytes);
    const reopened = await openStore(dir);
    expect(ids((await reopened.load()).messages.get('q'))).toEqual([1]);
  });

  it('commits a tick of 1000 enqueues with one write and one fdatasync', async () => {
    const store = await openStore();
    store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
    await store.sync();
    const before = store.counters();
    const confirms: Array<Promise<void>> = [];
    for (let id = 1; id <= 1000; id++) {
      store.enqueue('q', message(id));
      confirms.push(store.sync());
    }
    await Promise.all(confirms);
    const after = store.counters();
    expect(after.writes - before.writes).toBe(1);
    expect(after.fdatasyncs - before.fdatasyncs).toBe(1);
    // Nothing pending: sync() resolves without touching the disk.
    await store.sync();
    expect(store.counters().fdatasyncs).toBe(after.fdatasyncs);
  });

  it("resolves sync() only after the batch holding the caller's records is on disk", async () => {
    const store = await openStore();
    store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
    store.enqueue('q', message(1));
    const first = store.sync();
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is now in flight
    store.enqueue('q', message(2));
    const second = store.sync();
    const order: string[] = [];
    await Promise.all([first.then(() => order.push('first')), second.then(() => order.push('second'))]);
    expect(order).toEqual(['first', 'second']);
    expect(store.counters().fdatasyncs).toBe(2);
  });

  it('after a failed write, every sync() rejects (confirms become nacks) and nothing is unhandled', async () => {
    const store = await openStore();
    store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
    await store.sync();
    // Pull the file out from under the store: its next write fails with EBADF.
    closeSync((store as unknown as { fd: number }).fd);
    store.enqueue('q', message(1));
    const ignored = store.sync(); // a publisher without confirms never looks at this one
    await expect(store.sync()).rejects.toThrow(/EBADF/);
    store.enqueue('q', message(2));
    await expect(store.sync()).rejects.toThrow(/EBADF/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ignored).toBeInstanceOf(Promise);
    await closeStore(store);
  });

  it('compacts to exactly the live state, and the result reloads', async () => {
    const dir = join(root, 'data');
    const store = await openStore(dir, { compactAfterBytes: 64 * 1024 });
    store.putExchange({ name: 'x', type: 'direct', autoDelete: false, internal: false, arguments: {} });
    store.putQueue({ name: 'a', autoDelete: false, arguments: {} });
    store.putQueue({ name: 'b', autoDelete: false, arguments: {} });
    store.putBinding({ kind: 'queue', destination: 'a', source: 'x', routingKey: 'k', arguments: {} });
    const body = Buffer.alloc(300, 1);
    let id = 0;
    const live = new Map<string, number[]>([
      ['a', []],
      ['b', []],
    ]);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 20; i++) {
        id++;
        store.enqueue('a', message(id, body));
        live.get('a')!.push(id);
        if (id % 10 === 0) {
          store.enqueue('b', message(id, body));
          live.get('b')!.push(id);
        }
      }
      // Remove all but the newest 10 of a; b keeps everything.
      while (live.get('a')!.length > 10) store.remove('a', live.get('a')!.shift()!);
      store.delivered('a', live.get('a')![0]!);
      await store.sync();
    }
    const counters = store.counters();
    expect(counters.compactions).toBeGreaterThan(0);
    expect(counters.fileBytes).toBeLessThan(2 * 64 * 1024);
    await closeStore(store);
    expect(existsSync(join(dir, `${LOG_FILE}.tmp`))).toBe(false);

    const reopened = await openStore(dir);
    const state = await reopened.load();
    expect(ids(state.messages.get('a'))).toEqual(live.get('a'));
    expect(ids(state.messages.get('b'))).toEqual(live.get('b'));
    expect(state.messages.get('a')!.map((m) => m.redelivered)).toEqual(live.get('a')!.map((_, i) => i === 0));
    expect(state.messages.get('b')!.every((m) => m.body.equals(body))).toBe(true);
    expect(state.lastMessageId).toBe(id);
    expect(state.exchanges.map((e) => e.name)).toEqual(['x']);
    expect(state.bindings).toHaveLength(1);
  });

  it('ignores and removes a snapshot left by an interrupted compaction', async () => {
    const dir = join(root, 'data');
    const store = await openStore(dir);
    store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
    store.enqueue('q', message(1));
    await closeStore(store);
    writeFileSync(join(dir, `${LOG_FILE}.tmp`), Buffer.from('half a snapshot'));
    const reopened = await openStore(dir);
    expect(ids((await reopened.load()).messages.get('q'))).toEqual([1]);
    expect(existsSync(join(dir, `${LOG_FILE}.tmp`))).toBe(false);
  });

  it.each(['always', 'never'] as const)('round-trips with fsync %s', async (fsync) => {
    const dir = join(root, 'data');
    const store = await openStore(dir, { fsync, compactAfterBytes: 4096 });
    store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
    for (let id = 1; id <= 100; id++) {
      store.enqueue('q', message(id));
      if (id > 5) store.remove('q', id - 5);
    }
    await store.sync();
    if (fsync === 'always') expect(store.counters().fdatasyncs).toBeGreaterThanOrEqual(196);
    else expect(store.counters().fdatasyncs).toBe(0);
    await closeStore(store);
    const reopened = await openStore(dir);
    expect(ids((await reopened.load()).messages.get('q'))).toEqual([96, 97, 98, 99, 100]);
  });

  it.each([
    ['without compaction', ['--enqueue', String(64 * 1024 * 1024)]],
    ['while compacting', ['--remove', String(32 * 1024)]],
  ])('recovers everything a SIGKILLed writer reported as synced (%s)', async (_label, args) => {
    const dir = join(root, 'killed');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'broker-log-store-child.ts'), dir, ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    const reported = await new Promise<number[]>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const lines = output.split('\n').filter((l) => l !== '');
        // Kill it well into the stream, at whatever point it happens to be.
        if (lines.length >= 60) {
          child.kill('SIGKILL');
          resolve(lines[lines.length - 1]!.split(' ').map(Number));
        }
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const [enqueued = 0, removed = 0, compactions = 0] = reported;
    expect(enqueued).toBeGreaterThanOrEqual(60 * 50);

    const store = await openStore(dir);
    const recovered = ids((await store.load()).messages.get('q'));
    // Every id in (removed, enqueued] was synced as enqueued and not removed; removals that
    // were synced stay removed; whatever came after the last report may or may not be there,
    // but the survivors are always one contiguous run.
    expect(recovered.length).toBeGreaterThan(0);
    const first = recovered[0]!;
    const last = recovered[recovered.length - 1]!;
    expect(first).toBeGreaterThan(removed);
    expect(first).toBeLessThanOrEqual(removed + 1 + 50);
    expect(last).toBeGreaterThanOrEqual(enqueued);
    expect(recovered).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
    if (args[0] === '--remove') {
      expect(compactions).toBeGreaterThan(0);
      // Compaction dropped the removed records and resurrected none: at most the ~300 live
      // ones plus one batch written after the last report.
      expect(recovered.length).toBeLessThanOrEqual(300 + 50);
    }
  });
});
