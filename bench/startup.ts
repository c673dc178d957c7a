// What running JavaScript built ahead of time saves over running the TypeScript sources through
// tsx, side by side in this one run: the build itself (what `npm ci` adds through `prepare`), the
// start-up time and peak RSS of `faafo --help` and `faafo-tutor --help`, and the RSS of an idle
// local-cloud node (a broker node, an API node and a worker node, booted through the Nova API as a
// student's are), once from dist/ and once from the sources (FAAFO_RUN_TS=1, bin/run-entry.mjs).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { builtIsCurrent } from '../bin/build-stamp.mjs';
import type { LocalNodeRuntime } from '../src/localcloud/nodes/runtime.ts';
import { startTestCloud } from '../test/helpers/localcloud.ts';
import { authenticate, fixedIp, groupMembers, nova, rssKiB, until, userdata } from './localcloud.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const RUNS = 9;
// Lets a node settle after it said it is up (the API's first requests, the worker's threads).
const IDLE_MS = 3_000;

type Mode = 'built' | 'tsx';
const MODES: Mode[] = ['built', 'tsx'];
const BINS = [
  { label: 'faafo --help', bin: 'faafo.mjs' },
  { label: 'faafo-tutor --help', bin: 'faafo-tutor.mjs' },
];
/** A node of the guide's topology; `args` are its installer's, given the services' and API's addresses. */
interface BenchNode {
  name: string;
  what: string;
  args: (services: string, api: string) => string;
}
const NODES: BenchNode[] = [
  { name: 'app-services', what: 'faafo-tutor broker', args: () => '-i database -i messaging' },
  {
    name: 'app-api-1',
    what: 'faafo api',
    args: (services) =>
      `-i faafo -r api -m 'amqp://guest:guest@${services}:5672/' -d 'mysql://faafo:password@${services}:3306/faafo'`,
  },
  {
    name: 'app-worker-1',
    what: 'faafo worker',
    args: (services, api) =>
      `-i faafo -r worker -e 'http://${api}' -m 'amqp://guest:guest@${services}:5672/'`,
  },
];

export interface StartupRows {
  buildSeconds: number;
  bins: Array<{ label: string; mode: Mode; medianMs: number; peakMib: number }>;
  nodes: Array<{ name: string; what: string; mode: Mode; mib: number }>;
}

/** The environment that makes a bin (and a cloud's nodes, which inherit it) run `mode`. */
function envFor(mode: Mode): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FAAFO_RUN_TS;
  return mode === 'tsx' ? { ...env, FAAFO_RUN_TS: '1' } : env;
}

// Preloaded into each measured process: on exit, its peak RSS (getrusage, KiB) on stderr.
const REPORT_PEAK = `data:text/javascript,${encodeURIComponent(
  'import{writeSync}from"node:fs";process.on("exit",()=>writeSync(2,"\\npeak-rss-kib "+process.resourceUsage().maxRSS+"\\n"));',
)}`;

async function timeBin(bin: string, mode: Mode): Promise<{ ms: number; peakKiB: number }> {
  const started = performance.now();
  const { stderr } = await run(
    process.execPath,
    [`--import=${REPORT_PEAK}`, join(ROOT, 'bin', bin), '--help'],
    {
      env: envFor(mode),
    },
  );
  const ms = performance.now() - started;
  const peak = /peak-rss-kib (\d+)/.exec(stderr);
  if (!peak) throw new Error(`${bin} --help did not report its peak RSS; its stderr was: ${stderr}`);
  return { ms, peakKiB: Number(peak[1]) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Boots the three nodes on a fresh cloud whose nodes run `mode`, and reads their RSS once idle. */
async function idleNodes(mode: Mode): Promise<StartupRows['nodes']> {
  // The cloud runs in this process; its nodes take their environment from it when they start.
  const saved = process.env.FAAFO_RUN_TS;
  if (mode === 'tsx') process.env.FAAFO_RUN_TS = '1';
  else delete process.env.FAAFO_RUN_TS;
  const test = await startTestCloud(`faafo-bench-startup-${mode}-`);
  try {
    const cloud = test.serving.cloud;
    const runtime = cloud.runtime as LocalNodeRuntime;
    const api = nova(cloud.endpoints.compute, await authenticate(cloud.endpoints.identity));
    const boot = async (name: string, args: string) => {
      const id = await api.create(name, userdata(args));
      return until(`${name} ACTIVE`, async () => {
        const server = await api.get(id);
        if (server.status === 'ERROR') throw new Error(`${name} went to ERROR`);
        return server.status === 'ACTIVE' ? server : undefined;
      });
    };
    const [servicesNode, apiNode, workerNode] = NODES;
    const services = await boot(servicesNode!.name, servicesNode!.args('', ''));
    const apiServer = await boot(apiNode!.name, apiNode!.args(fixedIp(services), ''));
    const worker = await boot(workerNode!.name, workerNode!.args(fixedIp(services), fixedIp(apiServer)));
    await sleep(IDLE_MS);
    return [services, apiServer, worker].map((server, i) => ({
      name: server.name,
      what: NODES[i]!.what,
      mode,
      mib: groupMembers(runtime.pids(server.id)).reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024,
    }));
  } finally {
    await test.close();
    if (saved === undefined) delete process.env.FAAFO_RUN_TS;
    else process.env.FAAFO_RUN_TS = saved;
  }
}

export async function benchStartup(): Promise<StartupRows> {
  const started = performance.now();
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);
  const buildSeconds = (performance.now() - started) / 1000;
  if (!builtIsCurrent()) throw new Error('the build finished but dist/ is not current; run `npm run build`.');

  const bins: StartupRows['bins'] = [];
  for (const { label, bin } of BINS) {
    const samples: Record<Mode, Array<{ ms: number; peakKiB: number }>> = { built: [], tsx: [] };
    // Alternating, so a change in the machine's load weighs on both alike.
    for (let i = 0; i < RUNS; i++) for (const mode of MODES) samples[mode].push(await timeBin(bin, mode));
    for (const mode of MODES)
      bins.push({
        label,
        mode,
        medianMs: median(samples[mode].map((s) => s.ms)),
        peakMib: median(samples[mode].map((s) => s.peakKiB)) / 1024,
      });
  }

  const nodes: StartupRows['nodes'] = [];
  for (const mode of MODES) nodes.push(...(await idleNodes(mode)));
  return { buildSeconds, bins, nodes };
}

const ratio = (tsx: number, built: number) => `${(built / tsx).toFixed(2)}x`;

export function printStartup(rows: StartupRows): void {
  console.log('\nStart-up: built JavaScript (dist/) vs the TypeScript sources through tsx');
  console.log(`  npm run build (what npm ci adds as prepare)   ${rows.buildSeconds.toFixed(1)} s`);
  console.log(
    `\n  ${'command'.padEnd(20)}     built      tsx   built/tsx   peak RSS built    tsx   built/tsx`,
  );
  for (const { label } of BINS) {
    const built = rows.bins.find((r) => r.label === label && r.mode === 'built')!;
    const tsx = rows.bins.find((r) => r.label === label && r.mode === 'tsx')!;
    console.log(
      `  ${label.padEnd(20)} ${built.medianMs.toFixed(0).padStart(6)} ms ${tsx.medianMs.toFixed(0).padStart(5)} ms ${ratio(tsx.medianMs, built.medianMs).padStart(10)}   ${built.peakMib.toFixed(0).padStart(10)} MiB ${tsx.peakMib.toFixed(0).padStart(4)} MiB ${ratio(tsx.peakMib, built.peakMib).padStart(9)}`,
    );
  }
  console.log(`  (median of ${RUNS} runs each, alternating; peak RSS from getrusage at exit)`);
  console.log(`\n  idle node (${IDLE_MS / 1000} s after ACTIVE)          RSS built      tsx   built/tsx`);
  for (const { name, what } of NODES) {
    const built = rows.nodes.find((r) => r.name === name && r.mode === 'built')!;
    const tsx = rows.nodes.find((r) => r.name === name && r.mode === 'tsx')!;
    console.log(
      `  ${`${name} (${what})`.padEnd(36)} ${built.mib.toFixed(0).padStart(6)} MiB ${tsx.mib.toFixed(0).padStart(4)} MiB ${ratio(tsx.mib, built.mib).padStart(9)}`,
    );
  }
  const total = (mode: Mode) => rows.nodes.filter((r) => r.mode === mode).reduce((sum, r) => sum + r.mib, 0);
  console.log(
    `  ${'the three nodes'.padEnd(36)} ${total('built').toFixed(0).padStart(6)} MiB ${total('tsx').toFixed(0).padStart(4)} MiB ${ratio(total('tsx'), total('built')).padStart(9)}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printStartup(await benchStartup());
}
