// API GET throughput on one core: `faafo api` (fastify + SQLite) pinned to CPU 0, against a bare
// node:http server on the same core answering the same JSON from memory — the ceiling for Node on
// this machine. The load generator (autocannon) runs in this process, pinned to another CPU. The same
// API on PostgreSQL — PGlite over TCP (`faafo-tutor pgserve`, unpinned: on the local cloud it is
// another node) — shows what the database node's network round trip costs.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { openRepository } from '../src/faafo/db/open.ts';
import { FAAFO_BIN, TUTOR_BIN } from '../src/shared/bins.ts';
import { freePort } from '../test/helpers/faafo-processes.ts';

export interface ApiRow {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const DURATION_S = 5;
const CONNECTIONS = 32;

function pinned(cpu: number, command: string, args: string[]): ChildProcess {
  const canPin = availableParallelism() > 1;
  return canPin
    ? spawn('taskset', ['-c', String(cpu), command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(50);
  }
  throw new Error(`${url} did not come up`);
}

async function load(name: string, url: string): Promise<ApiRow> {
  // Warm up (JIT, SQLite page cache), then measure.
  await autocannon({ url, connections: CONNECTIONS, duration: 1 });
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/** Fills the database with 50 finished fractals; returns their uuids and one as the API shows it. */
async function seed(databaseUrl: string): Promise<{ uuids: string[]; sample: string }> {
  const repo = await openRepository(databaseUrl);
  const uuids: string[] = [];
  for (let i = 0; i < 50; i++) {
    const uuid = randomUUID();
    uuids.push(uuid);
    await repo.create({
      uuid,
      width: 512,
      height: 512,
      iterations: 256,
      xa: -1.5,
      xb: 1.5,
      ya: -1.5,
      yb: 1.5,
    });
    await repo.update(uuid, { checksum: 'f'.repeat(64), size: 12345, duration: 0.5, generated_by: 'bench' });
  }
  const sample = JSON.stringify(await repo.get(uuids[0]!));
  await repo.close();
  return { uuids, sample };
}

function startApi(port: number, databaseUrl: string): ChildProcess {
  return pinned(0, process.execPath, [
    FAAFO_BIN,
    'api',
    '--bind-port',
    String(port),
    '--database-url',
    databaseUrl,
    // GETs never touch the broker; the publisher connects on the first POST only.
    '--transport-url',
    'amqp://guest:guest@127.0.0.1:1/',
  ]);
}

export async function benchApi(): Promise<ApiRow[]> {
  // The servers get CPU 0; this process, which generates the load, keeps to CPU 1.
  if (availableParallelism() > 1)
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'faafo-bench-api-'));
  const databaseUrl = `sqlite:///${join(dir, 'faafo.db')}`;
  const { uuids, sample } = await seed(databaseUrl);

  const children: ChildProcess[] = [];
  try {
    const apiPort = await freePort();
    children.push(startApi(apiPort, databaseUrl));
    const barePort = await freePort();
    const bareServer = `require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'application/json'});s.end(${JSON.stringify(sample)})}).listen(${barePort},'127.0.0.1')`;
    children.push(pinned(0, process.execPath, ['-e', bareServer]));
    const apiOne = `http://127.0.0.1:${apiPort}/v1/fractal/${uuids[0]}`;
    const apiList = `http://127.0.0.1:${apiPort}/v1/fractal`;
    const bare = `http://127.0.0.1:${barePort}/`;
    await waitForHttp(apiOne);
    await waitForHttp(bare);
    const rows = [
      await load('bare node:http, same JSON (ceiling)', bare),
      await load('faafo api GET /v1/fractal/<uuid>', apiOne),
      await load('faafo api GET /v1/fractal (page of 10)', apiList),
    ];

    // The same on PGlite over TCP, as the local cloud's API nodes use it.
    const pgPort = await freePort();
    const pgserve = spawn(
      process.execPath,
      [TUTOR_BIN, 'pgserve', '--listen', `127.0.0.1:${pgPort}`, '--data-dir', join(dir, 'pgdata')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(pgserve);
    await new Promise<void>((resolve, reject) => {
      pgserve.stdout!.on('data', (data: Buffer) => {
        if (data.toString().includes('listening on')) resolve();
      });
      pgserve.once('exit', (code) => reject(new Error(`faafo-tutor pgserve exited (${code})`)));
    });
    const pgUrl = `postgresql://faafo:password@127.0.0.1:${pgPort}/faafo`;
    const pg = await seed(pgUrl);
    const pgApiPort = await freePort();
    children.push(startApi(pgApiPort, pgUrl));
    const pgOne = `http://127.0.0.1:${pgApiPort}/v1/fractal/${pg.uuids[0]}`;
    await waitForHttp(pgOne);
    rows.push(
      await load('… on PGlite over TCP: GET <uuid>', pgOne),
      await load('… on PGlite over TCP: GET page of 10', `http://127.0.0.1:${pgApiPort}/v1/fractal`),
    );
    return rows;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printApi(rows: ApiRow[]): void {
  const ceiling = rows[0]!.requestsPerSecond;
  console.log(
    `\nAPI GET throughput, server pinned to one core, ${CONNECTIONS} connections, ${DURATION_S} s each`,
  );
  console.log('  what                                        req/s     p50 ms  p99 ms  vs ceiling');
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(42)} ${row.requestsPerSecond.toFixed(0).padStart(8)}  ${row.p50Ms.toFixed(1).padStart(6)}  ${row.p99Ms
        .toFixed(1)
        .padStart(6)}  ${(row.requestsPerSecond / ceiling).toFixed(2).padStart(9)}x`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printApi(await benchApi());
}
