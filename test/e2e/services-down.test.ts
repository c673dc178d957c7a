// Broker down, database down: the API answers a clean 503 with a JSON message (never a stack
// trace), leaves no orphan fractal, and recovers by itself when the service is back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerTargets } from '../helpers/brokers.ts';
import { type ApiProcess, runFaafo, startApi } from '../helpers/faafo-processes.ts';
import { listAll } from '../helpers/fractals.ts';
import { createVhost } from '../helpers/rabbitmq.ts';
import { mysqlAvailable, rabbitmqAvailable, TEST_MYSQL_URL } from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const task = { width: 64, height: 64, iterations: 32, xa: -1.5, xb: 1.5, ya: -1.5, yb: 1.5 };

async function post(apiUrl: string) {
  const response = await fetch(`${apiUrl}/v1/fractal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(task),
  });
  return { status: response.status, text: await response.text() };
}

function expectCleanJson(text: string) {
  const body = JSON.parse(text) as { message?: string };
  expect(typeof body.message).toBe('string');
  expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  expect(text).not.toContain('password');
  return body.message!;
}

describe('faafo api when its services go down', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let api: ApiProcess | undefined;

  afterEach(async () => {
    await api?.stop();
    api = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.each(brokerTargets)(
    'broker down ($name): POST answers 503 JSON, no orphan row; back up: POST works again',
    async (target) => {
      if (!(await target.available())) return;
      const broker = await target.start();
      cleanups.push(() => broker.stop());
      const real = new URL(broker.url);
      const proxy: TcpProxy = await startTcpProxy(real.hostname, Number(real.port || 5672));
      cleanups.push(() => proxy.close());
      const viaProxy = new URL(broker.url);
      viaProxy.port = String(proxy.port);
      const dir = mkdtempSync(join(tmpdir(), 'faafo-down-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      api = await startApi({
        databaseUrl: `sqlite:///${join(dir, 'faafo.db')}`,
        transportUrl: viaProxy.toString(),
      });

      expect((await post(api.url)).status).toBe(201);
      await proxy.down();
      const refused = await post(api.url);
      expect(refused.status).toBe(503);
      expect(expectCleanJson(refused.text)).toMatch(/queue|broker/i);
      expect(await listAll(api.url)).toHaveLength(1);

      // The CLI says so in one line and exits non-zero.
      const cli = await runFaafo(['create', '--endpoint-url', api.url, '--tasks', '1']);
      expect(cli.code).not.toBe(0);
      expect(cli.stderr.trim().split('\n')).toHaveLength(1);

      await proxy.up();
      expect((await post(api.url)).status).toBe(201);
      expect(await listAll(api.url)).toHaveLength(2);
    },
  );

  it('database down: requests answer 503 JSON; back up: they work again', async (ctx) => {
    if (!((await rabbitmqAvailable()) && (await mysqlAvailable()))) return ctx.skip();
    const vhost = await createVhost();
    cleanups.push(() => vhost.remove());
    const server = new URL(TEST_MYSQL_URL);
    const proxy = await startTcpProxy(server.hostname, Number(server.port || 3306));
    cleanups.push(() => proxy.close());
    const name = `faafo_down_${Date.now().toString(36)}`;
    const databaseUrl = new URL(TEST_MYSQL_URL);
    databaseUrl.port = String(proxy.port);
    databaseUrl.pathname = `/${name}`;
    cleanups.push(async () => {
      const connection = await mysql.createConnection(TEST_MYSQL_URL);
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    });
    api = await startApi({ databaseUrl: databaseUrl.toString(), transportUrl: vhost.url });
    expect((await post(api.url)).status).toBe(201);

    await proxy.down();
    for (const request of [
      () => fetch(`${api!.url}/v1/fractal`),
      () =>
        fetch(`${api!.url}/v1/fractal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(task),
        }),
    ]) {
      const response = await request();
      expect(response.status).toBe(503);
      expectCleanJson(await response.text());
    }
    const list = await runFaafo(['list', '--endpoint-url', api.url]);
    expect(list.code).not.toBe(0);
    expect(list.stderr.trim().split('\n')).toHaveLength(1);
    expect(list.stderr).not.toContain('password');

    await proxy.up();
    // The pool reconnects by itself.
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await fetch(`${api.url}/v1/fractal`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    expect(await listAll(api.url)).toHaveLength(1);
  });
});
