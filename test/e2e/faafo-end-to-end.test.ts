// The Fractals app end to end on real engines: `faafo api` + two `faafo worker` processes on
// RabbitMQ, with SQLite and with MariaDB, driven by the real `faafo` CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiProcess,
  type FaafoProcess,
  runFaafo,
  startApi,
  startWorker,
} from '../helpers/faafo-processes.ts';
import { imageOf, sha256, waitAllDone } from '../helpers/fractals.ts';
import { createVhost, type TestVhost } from '../helpers/rabbitmq.ts';
import { mysqlAvailable, rabbitmqAvailable, TEST_MYSQL_URL } from '../helpers/services.ts';

interface Engine {
  name: string;
  available: () => Promise<boolean>;
  databaseUrl: () => Promise<{ url: string; drop: () => Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'SQLite + RabbitMQ',
    available: rabbitmqAvailable,
    async databaseUrl() {
      const dir = mkdtempSync(join(tmpdir(), 'faafo-e2e-'));
      return {
        url: `sqlite:///${join(dir, 'faafo.db')}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'MariaDB + RabbitMQ',
    available: async () => (await rabbitmqAvailable()) && (await mysqlAvailable()),
    async databaseUrl() {
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

describe.each(engines)('faafo end to end on $name', (engine) => {
  let run = false;
  let vhost: TestVhost;
  let db: { url: string; drop: () => Promise<void> };
  let api: ApiProcess;
  const workers: FaafoProcess[] = [];

  beforeAll(async () => {
    run = await engine.available();
    if (!run) return;
    vhost = await createVhost();
    db = await engine.databaseUrl();
    api = await startApi({ databaseUrl: db.url, transportUrl: vhost.url });
    for (const name of ['app-worker-1', 'app-worker-2']) {
      workers.push(await startWorker({ name, endpointUrl: api.url, transportUrl: vhost.url }));
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api?.stop();
    await vhost?.remove();
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
