// The Fractals app end to end on real engines: `faafo api` + two `faafo worker` processes on
// RabbitMQ and on our embedded broker, with SQLite and with MariaDB, driven by the real `faafo` CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerTarget, brokerTargets, type RunningBroker } from '../helpers/brokers.ts';
import {
  type ApiProcess,
  type FaafoProcess,
  runFaafo,
  startApi,
  startWorker,
} from '../helpers/faafo-processes.ts';
import { imageOf, sha256, waitAllDone } from '../helpers/fractals.ts';
import { mysqlAvailable, TEST_MYSQL_URL } from '../helpers/services.ts';

interface Database {
  name: string;
  available: () => Promise<boolean>;
  create: () => Promise<{ url: string; drop: () => Promise<void> }>;
}

const databases: Database[] = [
  {
    name: 'SQLite',
    available: async () => true,
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'faafo-e2e-'));
      return {
        url: `sqlite:///${join(dir, 'faafo.db')}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'MariaDB',
    available: mysqlAvailable,
    async create() {
      const name = `faafo_e2e_${Date.now().toString(36)}`;
      const url = new URL(TEST_MYSQL_URL);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const connection = await mysql.createConnection(TEST_MYSQL_URL);
          await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
          await connection.end();
        },
      };
    },
  },
];

const engines = databases.flatMap((database) =>
  brokerTargets.map((broker: BrokerTarget) => ({
    name: `${database.name} + ${broker.name}`,
    database,
    broker,
  })),
);

describe.each(engines)('faafo end to end on $name', (engine) => {
  let run = false;
  let broker: RunningBroker;
  let db: { url: string; drop: () => Promise<void> };
  let api: ApiProcess;
  const workers: FaafoProcess[] = [];

  beforeAll(async () => {
    run = (await engine.broker.available()) && (await engine.database.available());
    if (!run) return;
    broker = await engine.broker.start();
    db = await engine.database.create();
    api = await startApi({ databaseUrl: db.url, transportUrl: broker.url });
    for (const name of ['app-worker-1', 'app-worker-2']) {
      workers.push(await startWorker({ name, endpointUrl: api.url, transportUrl: broker.url }));
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api?.stop();
    await broker?.stop();
    await db?.drop();
  });

  it('renders all 20 fractals of `faafo create --tasks 20`, checksums match the images, both workers share', async (ctx) => {
    if (!run) return ctx.skip();
    // The guide's form: --endpoint-url before the subcommand.
    const created = await runFaafo(['--endpoint-url', api.url, 'create', '--tasks', '20']);
    expect(created.stderr).not.toMatch(/\n\s+at /);
    expect(created.code, created.stderr).toBe(0);

    const fractals = await waitAllDone(api.url, 20);
    expect(fractals).toHaveLength(20);
    expect(fractals.every((f) => f.state === 'done')).toBe(true);
    for (const fractal of fractals) {
      const png = await imageOf(api.url, fractal.uuid);
      expect(sha256(png)).toBe(fractal.checksum);
      expect(png.length).toBe(fractal.size);
    }
    const by = new Set(fractals.map((f) => f.generated_by));
    expect(by).toEqual(new Set(['app-worker-1', 'app-worker-2']));

    // `faafo list` shows them in the seed's table.
    const list = await runFaafo(['list', '--endpoint-url', api.url]);
    expect(list.code).toBe(0);
    for (const fractal of fractals) expect(list.stdout).toContain(fractal.uuid);
    expect(list.stdout).toMatch(/\|\s+UUID\s+\|\s+Dimensions\s+\|\s+Filesize\s+\|/);
  });
});
