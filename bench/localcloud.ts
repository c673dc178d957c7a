// The local cloud, measured the way a client sees it: the guide's scaled-out topology created through
// the Nova API with a token (services, then two APIs, then three workers, each stage waiting for
// ACTIVE as the guide does), the memory each node takes, and the cloud API's GET /servers/detail
// throughput against a bare node:http server answering the same JSON from memory (the ceiling).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import autocannon from 'autocannon';
import { claimFreeSlot } from '../src/localcloud/control/slots.ts';
import { loopbackFor } from '../src/localcloud/nodes/addresses.ts';
import type { LocalNodeRuntime } from '../src/localcloud/nodes/runtime.ts';
import { startLocalCloud } from '../src/localcloud/server.ts';
import { DEFAULT_CREDENTIALS, UBUNTU_IMAGE_ID } from '../src/localcloud/store.ts';
import { tcpAnswers } from '../src/shared/tcp-answers.ts';

export interface LocalCloudRows {
  /** ms from the first POST /servers to every node answering on its service port. */
  topologyMs: number;
  /** ms at which each stage was ACTIVE (from the first POST). */
  stages: Array<{ name: string; ms: number }>;
  rss: Array<{ name: string; roles: string; processes: number; mib: number }>;
  api: Array<{ name: string; requestsPerSecond: number; p50Ms: number; p99Ms: number }>;
  /** Processes any node had that were still alive after close() (must be 0). */
  leftOver: number;
  cores: number;
}

const GOAL_MS = 10_000;
const DURATION_S = 5;
const CONNECTIONS = 32;
const POLL_MS = 50;
const INSTALL = 'http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh';
export const userdata = (args: string) =>
  Buffer.from(`#!/usr/bin/env bash\ncurl -L -s ${INSTALL} | bash -s -- \\\n${args}\n`).toString('base64');

interface NovaServer {
  id: string;
  name: string;
  status: string;
  addresses: Record<string, Array<{ addr: string; 'OS-EXT-IPS:type'?: string }>>;
}

export async function authenticate(identity: string): Promise<string> {
  const res = await fetch(`${identity}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: DEFAULT_CREDENTIALS.username,
              domain: { id: 'default' },
              password: DEFAULT_CREDENTIALS.password,
            },
          },
        },
        scope: { project: { name: DEFAULT_CREDENTIALS.projectName, domain: { id: 'default' } } },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`Keystone said ${res.status}: ${await res.text()}`);
  return token;
}

/** A tiny Nova client: what the guide's libcloud calls send. */
export function nova(compute: string, token: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${compute}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    create: async (name: string, userData: string) =>
      (
        await call<{ server: { id: string } }>('POST', '/servers', {
          server: { name, imageRef: UBUNTU_IMAGE_ID, flavorRef: '1', user_data: userData },
        })
      ).server.id,
    get: async (id: string) => (await call<{ server: NovaServer }>('GET', `/servers/${id}`)).server,
  };
}

export function fixedIp(server: NovaServer): string {
  for (const list of Object.values(server.addresses))
    for (const a of list) if (a['OS-EXT-IPS:type'] !== 'floating') return a.addr;
  throw new Error(`${server.name} has no fixed address`);
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Every pid whose process group is one of `leaders` (a node's roles each lead their own group). */
export function groupMembers(leaders: number[]): number[] {
  const wanted = new Set(leaders);
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm) ": state ppid pgrp …
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (wanted.has(pgrp) || wanted.has(Number(entry))) members.push(Number(entry));
    } catch {}
  }
  return members;
}

export function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

// The load generator runs in a worker thread, so the server in this process keeps its event loop
// to itself: the same arrangement for the cloud and for the ceiling.
async function load(name: string, url: string, headers: Record<string, string> = {}) {
  const options = { url, headers, connections: CONNECTIONS, workers: 1 };
  await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

export async function benchLocalCloud(): Promise<LocalCloudRows> {
  const dataDir = await mkdtemp(join(tmpdir(), 'faafo-bench-cloud-'));
  // A slot of the host's registry, so the bench never collides with a developer's own cloud.
  const { slot, release } = claimFreeSlot(dataDir);
  const cloud = await startLocalCloud({ dataDir, slot, resume: false });
  const runtime = cloud.runtime as LocalNodeRuntime;
  const seen = new Set<number>();
  let bare: HttpServer | undefined;
  try {
    const token = await authenticate(cloud.endpoints.identity);
    const api = nova(cloud.endpoints.compute, token);
    const active = (ids: string[]) =>
      until(`${ids.length} server(s) ACTIVE`, async () => {
        const servers = await Promise.all(ids.map(api.get));
        const failed = servers.find((s) => s.status === 'ERROR');
        if (failed) throw new Error(`${failed.name} went to ERROR`);
        return servers.every((s) => s.status === 'ACTIVE') ? servers : undefined;
      });

    const t0 = performance.now();
    const since = () => performance.now() - t0;
    const stages: LocalCloudRows['stages'] = [];
    const servicesId = await api.create('app-services', userdata('-i database -i messaging'));
    const [services] = await active([servicesId]);
    stages.push({ name: 'app-services ACTIVE', ms: since() });
    const servicesIp = fixedIp(services!);
    const broker = `amqp://guest:guest@${servicesIp}:5672/`;
    const apiIds = [];
    for (const name of ['app-api-1', 'app-api-2'])
      apiIds.push(
        await api.create(
          name,
          userdata(`-i faafo -r api -m '${broker}' \\\n-d 'mysql://faafo:password@${servicesIp}:3306/faafo'`),
        ),
      );
    const apis = await active(apiIds);
    stages.push({ name: 'app-api-1, -2 ACTIVE', ms: since() });
    const api1Ip = fixedIp(apis[0]!);
    const workerIds = [];
    for (const name of ['app-worker-1', 'app-worker-2', 'app-worker-3'])
      workerIds.push(
        await api.create(name, userdata(`-i faafo -r worker -e 'http://${api1Ip}' -m '${broker}'`)),
      );
    const workers = await active(workerIds);
    stages.push({ name: 'app-worker-1..3 ACTIVE', ms: since() });

    // "Answering": a TCP connect to the broker and to each API on the ports they really listen on,
    // and the broker itself reporting the three workers as consumers of the task queue.
    const ports = await runtime.servicePorts();
    const state = cloud.store.read();
    const real = (ip: string) => {
      const address = loopbackFor(ip, state);
      if (!address) throw new Error(`no loopback address for ${ip}`);
      return address;
    };
    const brokerUrl = `amqp://guest:guest@${real(servicesIp)}:${ports.amqp}/`;
    await until('the broker and both APIs to answer', async () => {
      const answers = await Promise.all([
        tcpAnswers(real(servicesIp), ports.amqp, 1000),
        ...apis.map((s) => tcpAnswers(real(fixedIp(s)), ports.api, 1000)),
      ]);
      return answers.every(Boolean) || undefined;
    });
    const connection = await amqp.connect(brokerUrl);
    try {
      const channel = await connection.createChannel();
      await until('the broker to count three consumers on queue "normal"', async () => {
        const q = await channel.checkQueue('normal');
        return q.consumerCount >= 3 || undefined;
      });
    } finally {
      await connection.close();
    }
    const topologyMs = since();
    stages.push({ name: 'broker: 3 consumers; APIs answer', ms: topologyMs });

    const rss: LocalCloudRows['rss'] = [];
    for (const s of [services!, ...apis, ...workers]) {
      const pids = groupMembers(runtime.pids(s.id));
      for (const pid of pids) seen.add(pid);
      rss.push({
        name: s.name,
        roles: s.name === 'app-services' ? 'broker' : s.name.includes('api') ? 'faafo api' : 'faafo worker',
        processes: pids.length,
        mib: pids.reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024,
      });
    }

    // GET /servers/detail with six servers, against the same body served by bare node:http.
    const detailUrl = `${cloud.endpoints.compute}/servers/detail`;
    const detail = await (await fetch(detailUrl, { headers: { 'x-auth-token': token } })).text();
    bare = createServer((_q, s) => {
      s.writeHead(200, { 'content-type': 'application/json' });
      s.end(detail);
    });
    await new Promise<void>((resolve) => bare!.listen(0, '127.0.0.1', resolve));
    const address = bare.address();
    const barePort = typeof address === 'object' && address ? address.port : 0;
    const apiRows = [
      await load('bare node:http, same JSON (ceiling)', `http://127.0.0.1:${barePort}/`),
      await load('cloud GET /v2.1/servers/detail (6)', detailUrl, { 'x-auth-token': token }),
    ];

    await new Promise<void>((resolve) => bare!.close(() => resolve()));
    bare = undefined;
    for (const s of [services!, ...apis, ...workers]) for (const pid of runtime.pids(s.id)) seen.add(pid);
    await cloud.close();
    await sleep(200);
    const leftOver = [...seen].filter(alive).length;
    return { topologyMs, stages, rss, api: apiRows, leftOver, cores: availableParallelism() };
  } finally {
    bare?.close();
    await cloud.close();
    release();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function printLocalCloud(rows: LocalCloudRows): void {
  const verdict = rows.topologyMs < GOAL_MS ? 'met' : 'MISSED';
  console.log(`\nLocal cloud: the guide's scaled-out topology (6 nodes) through the Nova API`);
  console.log(
    `  first POST /servers → all six answering   ${(rows.topologyMs / 1000).toFixed(2).padStart(6)} s   goal < ${GOAL_MS / 1000} s on 2 cores (${rows.cores} here): ${verdict}`,
  );
  for (const stage of rows.stages)
    console.log(`    ${stage.name.padEnd(36)} ${(stage.ms / 1000).toFixed(2).padStart(6)} s`);
  console.log(
    '  (waits poll GET /servers/{id} every 50 ms; "answering" = TCP connect to the broker and each API on\n   their real ports, and the broker counting the three workers as consumers of queue "normal")',
  );
  console.log("\n  RSS per node (every process in the node's process groups, VmRSS)");
  for (const r of rows.rss)
    console.log(
      `    ${r.name.padEnd(14)} ${r.roles.padEnd(13)} ${String(r.processes).padStart(2)} process(es) ${r.mib.toFixed(0).padStart(6)} MiB`,
    );
  const total = rows.rss.reduce((sum, r) => sum + r.mib, 0);
  console.log(`    ${'all six'.padEnd(28)} ${''.padStart(14)} ${total.toFixed(0).padStart(6)} MiB`);

  const ceiling = rows.api[0]!.requestsPerSecond;
  console.log(
    `\n  Cloud API throughput, ${CONNECTIONS} connections, ${DURATION_S} s each, load generator in a worker thread`,
  );
  console.log('    what                                   req/s     p50 ms  p99 ms  vs ceiling');
  for (const row of rows.api)
    console.log(
      `    ${row.name.padEnd(36)} ${row.requestsPerSecond.toFixed(0).padStart(8)}  ${row.p50Ms.toFixed(1).padStart(6)}  ${row.p99Ms
        .toFixed(1)
        .padStart(6)}  ${(row.requestsPerSecond / ceiling).toFixed(2).padStart(9)}x`,
    );
  console.log(`\n  processes left after close: ${rows.leftOver}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printLocalCloud(await benchLocalCloud());
}
