// The node runtime with real processes: the guide's scaled-out topology booted straight through
// the runtime (no HTTP API in between), a fractal rendered across nodes, a floating IP behind its
// security group, a node killed from outside, `cloud down`/`up`, and no process left behind.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudStore } from '../../src/localcloud/contracts.ts';
import { nextFixedAddresses, nextFloatingAddress } from '../../src/localcloud/nodes/addresses.ts';
import { createNodeRuntime, type LocalNodeRuntime, resumeNodes } from '../../src/localcloud/nodes/runtime.ts';
import type { SecurityGroupRule, Server } from '../../src/localcloud/state.ts';
import { createMemoryStore, seedState } from '../../src/localcloud/store.ts';
import { startDoomedCloud } from '../helpers/cloud-nodes.ts';
import { postAndAwaitRendered } from '../helpers/fractals.ts';

const SLOT = 61;
const INSTALL = 'http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh';
const guide = (args: string) => `#!/usr/bin/env bash\ncurl -L -s ${INSTALL} | bash -s -- \\\n${args}\n`;

let store: CloudStore;
let dataDir: string;
let runtime: LocalNodeRuntime;
const runtimes: LocalNodeRuntime[] = [];
/** Every pid any node ever had, to prove none is left. */
const started = new Set<number>();

/** A zombie is dead: an orphan waits there until init reaps it, which some inits do slowly. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

const serverOf = (id: string) => {
  const s = store.read().servers.find((x) => x.id === id);
  if (!s) throw new Error(`no server ${id}`);
  return s;
};

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function createServer(name: string, userData: string | null, groupIds: string[] = []): Server {
  return store.update((state) => {
    const addresses = nextFixedAddresses(state);
    if (!addresses) throw new Error('no address left');
    const now = new Date().toISOString();
    const server: Server = {
      id: randomUUID(),
      name,
      projectId: state.projects[0]!.id,
      userId: state.users[0]!.id,
      imageId: state.images[0]!.id,
      flavorId: '1',
      keyName: 'demokey',
      securityGroupIds: groupIds,
      metadata: {},
      userData: userData === null ? null : Buffer.from(userData).toString('base64'),
      status: 'BUILD',
      taskState: 'spawning',
      powerState: 0,
      fault: null,
      ...addresses,
      createdAt: now,
      updatedAt: now,
    };
    state.servers.push(server);
    return structuredClone(server);
  });
}

/** Boots a server and waits for its boot to settle; returns the ms from boot() to ACTIVE. */
async function boot(server: Server): Promise<number> {
  const t0 = performance.now();
  runtime.boot(server);
  await runtime.settled(server.id);
  const ms = performance.now() - t0;
  for (const pid of runtime.pids(server.id)) started.add(pid);
  return ms;
}

function addGroup(name: string, rules: Array<Partial<SecurityGroupRule>>): string {
  return store.update((state) => {
    const id = randomUUID();
    state.securityGroups.push({
      id,
      name,
      description: name,
      projectId: state.projects[0]!.id,
      createdAt: new Date().toISOString(),
    });
    for (const rule of rules) {
      state.securityGroupRules.push({
        id: randomUUID(),
        groupId: id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        portMin: null,
        portMax: null,
        remoteIpPrefix: null,
        remoteGroupId: null,
        ...rule,
      });
    }
    return id;
  });
}

function attachFloatingIp(server: Server): string {
  return store.update((state) => {
    const address = nextFloatingAddress(state)!;
    state.floatingIps.push({
      id: randomUUID(),
      address,
      pool: 'public',
      projectId: server.projectId,
      portId: null,
      serverId: server.id,
      fixedAddress: server.fixedIp,
      createdAt: new Date().toISOString(),
    });
    return address;
  });
}

/** Connects and sends `hello`: 'answered' if bytes come back, 'dropped' if closed without a word. */
function knock(host: string, port: number, hello: Buffer): Promise<'answered' | 'dropped' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (how: 'answered' | 'dropped' | 'refused') => {
      socket.destroy();
      resolve(how);
    };
    socket.setTimeout(5000, () => done('dropped'));
    socket.once('connect', () => socket.write(hello));
    socket.once('data', () => done('answered'));
    socket.once('close', () => done('dropped'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' ? 'refused' : 'dropped'),
    );
  });
}

const figures: Record<string, string> = {};

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

let apiGroup: string;
let workerGroup: string;
let servicesGroup: string;
let services: Server;
let api: Server;
let workers: Server[];

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'faafo-nodes-'));
  store = createMemoryStore(seedState({ slot: SLOT }));
  runtime = createNodeRuntime({ store, dataDir, stopGraceMs: 3000, readyTimeoutMs: 30_000 });
  runtimes.push(runtime);
  apiGroup = addGroup('api', [
    { portMin: 80, portMax: 80 },
    { portMin: 22, portMax: 22 },
  ]);
  workerGroup = addGroup('worker', [{ portMin: 22, portMax: 22 }]);
  servicesGroup = addGroup('services', [
    { portMin: 22, portMax: 22 },
    { portMin: 3306, portMax: 3306, remoteGroupId: apiGroup },
    { portMin: 5672, portMax: 5672, remoteGroupId: workerGroup },
    { portMin: 5672, portMax: 5672, remoteGroupId: apiGroup },
  ]);
});

afterAll(async () => {
  for (const r of runtimes) await r.close().catch(() => {});
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dataDir, { recursive: true, force: true });
  if (Object.keys(figures).length > 0) console.log('node runtime figures:', figures);
});

describe('the node runtime with real processes', () => {
  it("boots the guide's scaled-out topology: services, an API, two workers", async () => {
    services = createServer('app-services', guide('-i database -i messaging'), [servicesGroup]);
    figures['services boot→ACTIVE ms'] = (await boot(services)).toFixed(0);
    expect(serverOf(services.id)).toMatchObject({
      status: 'ACTIVE',
      powerState: 1,
      taskState: null,
      fault: null,
    });
    expect(services.fixedIp).toBe(`10.${SLOT}.0.3`);

    const servicesIp = services.fixedIp;
    api = createServer(
      'app-api-1',
      guide(
        `-i faafo -r api -m 'amqp://guest:guest@${servicesIp}:5672/' \\\n-d 'mysql://faafo:password@${servicesIp}:3306/faafo'`,
      ),
      [apiGroup],
    );
    figures['api boot→ACTIVE ms'] = (await boot(api)).toFixed(0);
    expect(serverOf(api.id).status).toBe('ACTIVE');

    workers = ['app-worker-1', 'app-worker-2'].map((name) =>
      createServer(
        name,
        guide(`-i faafo -r worker -e 'http://${api.fixedIp}' -m 'amqp://guest:guest@${servicesIp}:5672/'`),
        [workerGroup],
      ),
    );
    const times = await Promise.all(workers.map(boot));
    figures['worker boot→ACTIVE ms'] = times.map((t) => t.toFixed(0)).join(', ');
    for (const w of workers) expect(serverOf(w.id).status).toBe('ACTIVE');

    for (const s of [services, api, ...workers]) {
      figures[`${s.name} RSS MiB`] = (
        runtime.pids(s.id).reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024
      ).toFixed(0);
    }
    const console = runtime.consoleOutput(api.id);
    expect(console).toMatch(/cloud-init: running userdata: install\.sh -i faafo -r api/);
    expect(console).toMatch(/database server of app-services/);
    expect(console).toMatch(/faafo api listening on http:\/\/127\.61\.1\.4:8080/);
    expect(runtime.consoleOutput(api.id, 2).trimEnd().split('\n')).toHaveLength(2);
  });

  it('renders a fractal posted to the API on a worker node', async () => {
    const ports = await runtime.servicePorts();
    const apiUrl = `http://${api.loopbackIp}:${ports.api}`;
    const fractal = await postAndAwaitRendered(apiUrl, 60_000);
    expect(fractal?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(['app-worker-1', 'app-worker-2']).toContain(fractal?.generated_by);
  });

  it('forwards a floating IP to the node, as far as its security groups allow', async () => {
    const ports = await runtime.servicePorts();
    const apiFloating = attachFloatingIp(api);
    const servicesFloating = attachFloatingIp(services);
    runtime.refreshNetwork();
    // Both groups open port 22 too: each floating IP also forwards to its node's sshd (nodes/ssh/);
    // the services node answers on two more ports: the broker's and the database's (the guide's 3306).
    const sshPort = runtime.listens(api.id)?.find((l) => l.guidePort === 22)?.port;
    expect(sshPort).toBeDefined();
    await waitFor('the forwarders', () => runtime.routes().length === 5);
    expect(runtime.routes()).toEqual(
      expect.arrayContaining([
        { listen: `${apiFloating}:${ports.api}`, target: `${api.loopbackIp}:${ports.api}`, serverId: api.id },
        {
          listen: `${servicesFloating}:${ports.amqp}`,
          target: `${services.loopbackIp}:${ports.amqp}`,
          serverId: services.id,
        },
        { listen: `${apiFloating}:${sshPort}`, target: `${api.loopbackIp}:${sshPort}`, serverId: api.id },
        {
          listen: `${servicesFloating}:${sshPort}`,
          target: `${services.loopbackIp}:${sshPort}`,
          serverId: services.id,
        },
        {
          listen: `${servicesFloating}:${ports.database}`,
          target: `${services.loopbackIp}:${ports.database}`,
          serverId: services.id,
        },
      ]),
    );
    // api: port 80 from anywhere → the API's real port.
    const list = await fetch(`http://${apiFloating}:${ports.api}/v1/fractal`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { num_results: number }).num_results).toBe(1);
    // services: 5672 only from the worker and api groups; this test process is neither.
    expect(await knock(servicesFloating, ports.amqp, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'))).toBe(
      'dropped',
    );
    expect(await knock(services.loopbackIp, ports.amqp, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'))).toBe(
      'answered',
    );
    // Opening 5672 to everyone lets it through, once the network is re-planned.
    store.update((state) => {
      state.securityGroupRules.push({
        id: randomUUID(),
        groupId: servicesGroup,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        portMin: 5672,
        portMax: 5672,
        remoteIpPrefix: '0.0.0.0/0',
        remoteGroupId: null,
      });
    });
    runtime.refreshNetwork();
    expect(await knock(servicesFloating, ports.amqp, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'))).toBe(
      'answered',
    );
    // Disassociated: nothing listens there any more.
    store.update((state) => {
      for (const fip of state.floatingIps) fip.serverId = null;
    });
    runtime.refreshNetwork();
    await waitFor('the forwarders to close', () => runtime.routes().length === 0);
    expect(await knock(apiFloating, ports.api, Buffer.from('GET / HTTP/1.0\r\n\r\n'))).toBe('refused');
  });

  it('a worker killed from outside turns its node SHUTOFF with a fault', async () => {
    const victim = workers[1]!;
    const [pid] = runtime.pids(victim.id);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    const server = await waitFor('SHUTOFF', () => {
      const s = serverOf(victim.id);
      return s.status === 'SHUTOFF' ? s : undefined;
    });
    expect(server.powerState).toBe(4);
    expect(server.fault).toMatchObject({
      code: 500,
      message: 'faafo worker exited unexpectedly (signal SIGKILL)',
    });
    expect(runtime.consoleOutput(victim.id)).toMatch(/app-worker-2 is shut off/);
    expect(alive(pid!)).toBe(false);
  });

  it('os-start boots it again with the same addresses; reboot too', async () => {
    const node = workers[1]!;
    await runtime.start(node.id);
    for (const pid of runtime.pids(node.id)) started.add(pid);
    expect(serverOf(node.id)).toMatchObject({ status: 'ACTIVE', fault: null, fixedIp: node.fixedIp });
    const before = runtime.pids(node.id);
    await runtime.reboot(node.id);
    for (const pid of runtime.pids(node.id)) started.add(pid);
    expect(serverOf(node.id).status).toBe('ACTIVE');
    expect(runtime.pids(node.id)).not.toEqual(before);
    for (const pid of before) expect(alive(pid)).toBe(false);
    await runtime.stop(node.id);
    expect(serverOf(node.id)).toMatchObject({ status: 'SHUTOFF', powerState: 4, fault: null });
    expect(runtime.pids(node.id)).toEqual([]);
  });

  it('userdata it does not run, a role that cannot run, a role that fails to start', async () => {
    const garbage = createServer('garbage', 'just some text');
    await boot(garbage);
    expect(serverOf(garbage.id).status).toBe('ACTIVE');
    expect(runtime.consoleOutput(garbage.id)).toMatch(
      /userdata script failed: cloud-init: unhandled userdata/,
    );

    const none = createServer('none', null);
    await boot(none);
    expect(serverOf(none.id).status).toBe('ACTIVE');

    const noFaafo = createServer('no-faafo', guide('-r worker'));
    await boot(noFaafo);
    expect(serverOf(noFaafo.id).status).toBe('ACTIVE');
    expect(runtime.consoleOutput(noFaafo.id)).toMatch(/faafo_worker: ERROR .*add -i faafo/);

    const broken = createServer('broken', guide("-i faafo -r api -d 'mssql://x@10.61.0.3/faafo'"));
    await boot(broken);
    const s = serverOf(broken.id);
    expect(s.status).toBe('ERROR');
    expect(s.fault?.message).toMatch(/^faafo api failed to start \(exit code \d+\)$/);
    expect(s.fault?.details).toMatch(/Unsupported database URL/);
    expect(runtime.pids(broken.id)).toEqual([]);
    for (const id of [garbage.id, none.id, noFaafo.id, broken.id]) {
      await runtime.destroy(id);
      store.update((state) => {
        state.servers = state.servers.filter((x) => x.id !== id);
      });
    }
  });

  it('cloud down then up: the same nodes come back ACTIVE with the same addresses', async () => {
    const before = store.read().servers.map((s) => ({ id: s.id, status: s.status, fixedIp: s.fixedIp }));
    const pids = [services, api, workers[0]!].flatMap((s) => runtime.pids(s.id));
    expect(pids.length).toBeGreaterThanOrEqual(3);
    await runtime.close();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    // Statuses are left as they were, for the next start.
    expect(store.read().servers.map((s) => ({ id: s.id, status: s.status, fixedIp: s.fixedIp }))).toEqual(
      before,
    );

    runtime = createNodeRuntime({ store, dataDir, stopGraceMs: 3000 });
    runtimes.push(runtime);
    expect(resumeNodes(runtime, store)).toBe(3); // app-worker-2 is SHUTOFF and stays so
    await Promise.all(store.read().servers.map((s) => runtime.settled(s.id)));
    for (const s of store.read().servers) for (const pid of runtime.pids(s.id)) started.add(pid);
    for (const s of [services, api, workers[0]!]) {
      expect(serverOf(s.id)).toMatchObject({
        status: 'ACTIVE',
        fixedIp: s.fixedIp,
        loopbackIp: s.loopbackIp,
      });
    }
    expect(serverOf(workers[1]!.id).status).toBe('SHUTOFF');
    // The fractal rendered before is still there: the services node's database survived.
    const ports = await runtime.servicePorts();
    const list = await fetch(`http://${api.loopbackIp}:${ports.api}/v1/fractal`);
    expect(((await list.json()) as { num_results: number }).num_results).toBe(1);
  });

  it('destroying every node leaves no process behind', async () => {
    for (const s of store.read().servers) await runtime.destroy(s.id);
    expect(started.size).toBeGreaterThanOrEqual(8);
    for (const pid of started) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(runtime.consoleOutput(services.id)).toBe('');
  });
});

describe('a cloud that dies abruptly', () => {
  it('leaves processes that the next runtime on its data dir ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faafo-nodes-abandoned-'));
    const doomed = await startDoomedCloud(dir, SLOT + 1);
    try {
      const { report } = doomed;
      expect(report.status).toBe('ACTIVE');
      for (const pid of report.pids) started.add(pid);
      await doomed.kill();
      // Its node was its own process group, so it outlived the cloud…
      for (const pid of report.pids) expect(alive(pid)).toBe(true);
      // …until a runtime opens that data dir again.
      const next = createNodeRuntime({
        store: createMemoryStore(seedState({ slot: SLOT + 1 })),
        dataDir: dir,
      });
      runtimes.push(next);
      await waitFor('the orphans to be ended', () => report.pids.every((pid) => !alive(pid)), 5000);
      await next.close();
    } finally {
      await doomed.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
