// The local cloud with real engines: `-i messaging` → a configured RabbitMQ (a throw-away vhost),
// `-i database` → a database of the services node's own on a configured MariaDB. A fractal posted
// to the API node is rendered by the worker, its row is in that MariaDB database, and the queue
// `normal` is in that vhost. No node process is left; the database and the vhost are removed.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseNameOf } from '../../src/localcloud/nodes/backends.ts';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import type { LocalCloud } from '../../src/localcloud/server.ts';
import type { Server } from '../../src/localcloud/state.ts';
import { addServer, bootNode, guide, startSlottedCloud } from '../helpers/cloud-nodes.ts';
import { postAndAwaitRendered } from '../helpers/fractals.ts';
import { isAlive, nodePids } from '../helpers/localcloud.ts';
import { createVhost, type TestVhost } from '../helpers/rabbitmq.ts';
import { mysqlAvailable, rabbitmqAvailable, TEST_MYSQL_URL } from '../helpers/services.ts';

const run = (await rabbitmqAvailable()) && (await mysqlAvailable());

describe.skipIf(!run)('local cloud with a real RabbitMQ and MariaDB', () => {
  let dir: string;
  let cloud: LocalCloud;
  let vhost: TestVhost;
  let release: () => void = () => {};
  /** Each test run's services node gets ids with this prefix, so its database name is ours alone. */
  const idPrefix = randomBytes(4).toString('hex');
  let services: Server;
  let api: Server;
  let worker: Server;
  const pids = new Set<number>();

  const runtime = () => cloud.runtime as LocalNodeRuntime;

  const mysqlUrl = new URL(TEST_MYSQL_URL);
  mysqlUrl.pathname = '/';
  const databaseName = () => databaseNameOf(services);
  const admin = () =>
    mysql.createConnection({
      host: mysqlUrl.hostname,
      port: Number(mysqlUrl.port || 3306),
      user: decodeURIComponent(mysqlUrl.username),
      password: decodeURIComponent(mysqlUrl.password),
    });

  beforeAll(async () => {
    vhost = await createVhost('faafo-realengines');
    dir = mkdtempSync(join(tmpdir(), 'faafo-real-engines-'));
    // A slot of its own in the host's registry, so it runs beside other clouds and test files.
    ({ cloud, release } = await startSlottedCloud(join(dir, 'cloud'), {
      rabbitmqUrl: vhost.url,
      mysqlUrl: mysqlUrl.toString(),
    }));
    // The services node's id starts with the random prefix: its database faafo_<prefix> is ours.
    services = addServer(
      cloud,
      'app-services',
      guide('-i database -i messaging'),
      `${idPrefix}-${randomUUID().slice(9)}`,
    );
    await bootNode(cloud, services, pids);
    api = addServer(
      cloud,
      'app-api-1',
      guide(
        `-i faafo -r api -m 'amqp://guest:guest@${services.fixedIp}:5672/' -d 'mysql://faafo:password@${services.fixedIp}:3306/faafo'`,
      ),
    );
    await bootNode(cloud, api, pids);
    worker = addServer(
      cloud,
      'app-worker-1',
      guide(
        `-i faafo -r worker -e 'http://${api.fixedIp}' -m 'amqp://guest:guest@${services.fixedIp}:5672/'`,
      ),
    );
    await bootNode(cloud, worker, pids);
  }, 60_000);

  afterAll(async () => {
    if (dir) for (const pid of nodePids(join(dir, 'cloud'))) pids.add(pid);
    await cloud?.close();
    release();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (services) {
      const conn = await admin();
      try {
        await conn.query(`DROP DATABASE IF EXISTS ${conn.escapeId(databaseName())}`);
      } finally {
        await conn.end();
      }
    }
    await vhost?.remove();
    const survivors = [...pids].filter(isAlive);
    expect(survivors).toEqual([]);
  }, 30_000);

  it('starts no broker on the services node, and resolves the URLs to the real engines', () => {
    expect(runtime().pids(services.id)).toEqual([]);
    expect(databaseName()).toBe(`faafo_${idPrefix}`);
    const apiConsole = runtime().consoleOutput(api.id);
    expect(apiConsole).toContain(`/${vhost.name}`);
    expect(apiConsole).toContain(`/${databaseName()}`);
    // Passwords never shown.
    expect(apiConsole).not.toMatch(/:password@|:guest@/);
    expect(runtime().consoleOutput(services.id)).toMatch(/configured RabbitMQ answers/);
  });

  it('renders a fractal whose row is in MariaDB and whose queue is in the vhost', async () => {
    const ports = await runtime().servicePorts();
    const apiUrl = `http://${api.loopbackIp}:${ports.api}`;
    const fractal = await postAndAwaitRendered(apiUrl, 30_000);
    expect(fractal?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(fractal?.generated_by).toBe('app-worker-1');
    const uuid = fractal!.uuid;

    const conn = await admin();
    try {
      const [rows] = await conn.query(
        `SELECT uuid, generated_by FROM ${conn.escapeId(databaseName())}.fractal WHERE uuid = ?`,
        [uuid],
      );
      expect(rows).toEqual([{ uuid, generated_by: 'app-worker-1' }]);
    } finally {
      await conn.end();
    }

    const connection = await amqp.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      const queue = await channel.checkQueue('normal');
      expect(queue.queue).toBe('normal');
      await channel.close();
    } finally {
      await connection.close();
    }
  }, 45_000);
});
