// Faults the lesson makes students cause: a worker killed with -9 while it renders loses nothing,
// and a redelivered task renders the identical image on another worker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { declareTopology, TASK_EXCHANGE, TASK_ROUTING_KEY } from '../../src/faafo/queue/topology.ts';
import { brokerTargets, type RunningBroker } from '../helpers/brokers.ts';
import {
  type ApiProcess,
  type FaafoProcess,
  runFaafo,
  startApi,
  startWorker,
} from '../helpers/faafo-processes.ts';
import { imageOf, listAll, sha256, waitAllDone } from '../helpers/fractals.ts';

describe.each(brokerTargets)('faafo under faults (SQLite + $name)', (target) => {
  let run = false;
  let broker: RunningBroker;
  let dir: string;
  let api: ApiProcess;
  const workers: FaafoProcess[] = [];

  beforeEach(async () => {
    run = await target.available();
    if (!run) return;
    broker = await target.start();
    dir = mkdtempSync(join(tmpdir(), 'faafo-faults-'));
    api = await startApi({ databaseUrl: `sqlite:///${join(dir, 'faafo.db')}`, transportUrl: broker.url });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await api?.stop();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 of a worker while it renders: all 30 tasks finish, none twice', async (ctx) => {
    if (!run) return ctx.skip();
    // Queue the tasks before any worker exists: the API declares the queue, so none is dropped.
    const created = await runFaafo([
      'create',
      '--endpoint-url',
      api.url,
      '--tasks',
      '30',
      '--width',
      '640',
      '--height',
      '640',
      '--iterations',
      '512',
    ]);
    expect(created.code, created.stderr).toBe(0);

    const victim = await startWorker({
      name: 'app-worker-1',
      endpointUrl: api.url,
      transportUrl: broker.url,
    });
    const survivor = await startWorker({
      name: 'app-worker-2',
      endpointUrl: api.url,
      transportUrl: broker.url,
    });
    workers.push(victim, survivor);
    // Once the victim finished one task it holds the next (prefetch 1) and is rendering it.
    await victim.waitForLine(/task \S+ processed/);
    victim.child.kill('SIGKILL');

    const fractals = await waitAllDone(api.url, 30);
    const uuids = fractals.map((f) => f.uuid);
    expect(uuids).toHaveLength(30);
    expect(new Set(uuids).size).toBe(30);
    expect(fractals.every((f) => f.state === 'done')).toBe(true);
    // The task the victim held came back to the queue and the survivor finished it.
    await survivor.waitForLine(/\(redelivered\)/, 10_000);
    expect(new Set(fractals.map((f) => f.generated_by))).toEqual(new Set(['app-worker-1', 'app-worker-2']));
  });

  it('the same task rendered by two workers gives the same checksum', async (ctx) => {
    if (!run) return ctx.skip();
    const first = await startWorker({ name: 'app-worker-1', endpointUrl: api.url, transportUrl: broker.url });
    workers.push(first);
    const created = await runFaafo(['create', '--endpoint-url', api.url, '--tasks', '1']);
    expect(created.code, created.stderr).toBe(0);
    const [done] = await waitAllDone(api.url, 1);
    expect(done!.generated_by).toBe('app-worker-1');
    const firstImage = await imageOf(api.url, done!.uuid);
    await first.stop();

    const second = await startWorker({
      name: 'app-worker-2',
      endpointUrl: api.url,
      transportUrl: broker.url,
    });
    workers.push(second);
    // Deliver the same task again, as the broker does after a worker died before its ack.
    const connection = await amqp.connect(broker.url);
    const channel = await connection.createConfirmChannel();
    await declareTopology(channel);
    const { uuid, width, height, iterations, xa, xb, ya, yb } = done!;
    channel.publish(
      TASK_EXCHANGE,
      TASK_ROUTING_KEY,
      Buffer.from(JSON.stringify({ uuid, width, height, iterations, xa, xb, ya, yb })),
      { persistent: true, contentType: 'application/json' },
    );
    await channel.waitForConfirms();
    await connection.close();

    await second.waitForLine(new RegExp(`task ${uuid} processed`));
    const [again] = await listAll(api.url);
    expect(again!.generated_by).toBe('app-worker-2');
    expect(again!.checksum).toBe(done!.checksum);
    expect(sha256(await imageOf(api.url, uuid))).toBe(sha256(firstImage));
  });
});
