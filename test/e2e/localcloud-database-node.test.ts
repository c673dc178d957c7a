// The local cloud's database node is a server the API nodes reach over the network (issue 11): with
// no MariaDB configured, `-i database` runs PGlite behind a PostgreSQL socket on the services node's
// address. Stopping app-services through Nova (os-stop) stops the app: `faafo list` and `faafo create`
// through the API node answer 503 and the CLI says so in one line. Starting it again brings both back
// without touching the API node (same process), and the fractals stored before are still there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import type { LocalCloud } from '../../src/localcloud/server.ts';
import type { Server } from '../../src/localcloud/state.ts';
import { DEFAULT_CREDENTIALS } from '../../src/localcloud/store.ts';
import { addServer, bootNode, guide, startSlottedCloud } from '../helpers/cloud-nodes.ts';
import { runFaafo } from '../helpers/faafo-processes.ts';
import { isAlive, issueV3Token, nodePids } from '../helpers/localcloud.ts';

// Small fractals: this test is about the database, not the renderer (no worker runs).
const SMALL = ['--width', '64', '--height', '64', '--iterations', '32'];

describe('the database node, reached over the network', () => {
  let dir: string;
  let cloud: LocalCloud;
  let release: () => void = () => {};
  let token: string;
  let services: Server;
  let api: Server;
  let apiUrl: string;
  const pids = new Set<number>();

  const statusOf = (id: string) => cloud.store.read().servers.find((s) => s.id === id);
  const runtime = () => cloud.runtime as LocalNodeRuntime;

  /** A Nova server action, as `openstack server stop/start` sends it. */
  async function novaAction(server: Server, action: 'os-stop' | 'os-start'): Promise<void> {
    const response = await fetch(`${cloud.endpoints.compute}/servers/${server.id}/action`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ [action]: null }),
    });
    expect(response.status).toBe(202);
    const wanted = action === 'os-stop' ? 'SHUTOFF' : 'ACTIVE';
    const deadline = Date.now() + 60_000;
    while (statusOf(server.id)?.status !== wanted || statusOf(server.id)?.taskState !== null) {
      if (Date.now() > deadline) throw new Error(`${server.name} did not reach ${wanted}`);
      await sleep(100);
    }
    await runtime().settled(server.id);
  }

  const faafo = (...args: string[]) => runFaafo(['--endpoint-url', apiUrl, ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faafo-database-node-'));
    ({ cloud, release } = await startSlottedCloud(join(dir, 'cloud')));
    token = await issueV3Token(cloud.endpoints.identity, {
      OS_USERNAME: DEFAULT_CREDENTIALS.username,
      OS_PASSWORD: DEFAULT_CREDENTIALS.password,
      OS_PROJECT_NAME: DEFAULT_CREDENTIALS.projectName,
    });
    services = addServer(cloud, 'app-services', guide('-i database -i messaging'));
    await bootNode(cloud, services, pids);
    api = addServer(
      cloud,
      'app-api-1',
      guide(
        `-i faafo -r api -m 'amqp://guest:guest@${services.fixedIp}:5672/' -d 'mysql://faafo:password@${services.fixedIp}:3306/faafo'`,
      ),
    );
    await bootNode(cloud, api, pids);
    const ports = await runtime().servicePorts();
    apiUrl = `http://${api.loopbackIp}:${ports.api}`;
  }, 120_000);

  afterAll(async () => {
    if (dir) for (const pid of nodePids(join(dir, 'cloud'))) pids.add(pid);
    await cloud?.close();
    release();
    const survivors = [...pids].filter(isAlive);
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(survivors).toEqual([]);
  });

  it('runs PGlite on the services node and gives the API node a postgresql:// URL to it', async () => {
    const ports = await runtime().servicePorts();
    const servicesConsole = runtime().consoleOutput(services.id);
    expect(servicesConsole).toMatch(/PGlite .*stands in for the guide's MySQL/);
    expect(servicesConsole).toMatch(/faafo-tutor pgserve is up/);
    const apiConsole = runtime().consoleOutput(api.id);
    expect(apiConsole).toContain(
      `→ postgresql://faafo:***@${services.loopbackIp}:${ports.database}/faafo (the database server of app-services)`,
    );
    expect(apiConsole).not.toMatch(/sqlite/i);
  });

  it('faafo create and list work through the API node', async () => {
    const created = await faafo('create', '--tasks', '2', ...SMALL);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const listed = await faafo('list');
    expect(listed.code).toBe(0);
    // Two fractals, pending (no worker runs in this cloud).
    expect(listed.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-/g)).toHaveLength(2);
  });

  it('app-services stopped: list and create answer 503, one line each; started: both recover', async () => {
    const apiPids = runtime().pids(api.id);
    await novaAction(services, 'os-stop');
    expect(runtime().pids(services.id)).toEqual([]);

    for (const args of [['list'], ['create', '--tasks', '1', ...SMALL]]) {
      const down = await faafo(...args);
      expect(down.code, `faafo ${args[0]}`).not.toBe(0);
      const lines = down.stderr.trim().split('\n');
      expect(lines, down.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/503/);
      expect(lines[0]).toMatch(/database is unavailable/i);
      expect(lines[0]).not.toContain('password@');
    }
    // The API itself answers 503 with its JSON message.
    const direct = await fetch(`${apiUrl}/v1/fractal`);
    expect(direct.status).toBe(503);
    expect(((await direct.json()) as { message: string }).message).toMatch(/database is unavailable/i);

    await novaAction(services, 'os-start');
    for (const pid of runtime().pids(services.id)) pids.add(pid);
    // The API node was not restarted: the same processes serve, and their pool reconnected.
    expect(runtime().pids(api.id)).toEqual(apiPids);
    const created = await faafo('create', '--tasks', '1', ...SMALL);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const listed = await faafo('list');
    expect(listed.code).toBe(0);
    // The two stored before the stop are still there (PGlite's files survived), plus the new one.
    expect(listed.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-/g)).toHaveLength(3);
  });
});
