// What the initdb cache (src/pgserve/initdb-cache.ts) saves a new database node, side by side in
// this one run: `faafo-tutor pgserve` started on a new data dir with an empty cache (initdb, then
// the cluster written to the cache), on a new data dir with the cache filled (loaded from it), and
// on a data dir that already holds a cluster (a node started again). Each start is its own process,
// as a node's is; wall time to the line that says it listens, and the CPU time it took by then
// (what a node's one vCPU has to give).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TUTOR_BIN } from '../src/shared/bins.ts';

const RUNS = 3;
type Start = 'initdb' | 'cache' | 'existing';
const STARTS: Start[] = ['initdb', 'cache', 'existing'];

export interface DatabaseRow {
  start: Start;
  medianMs: number;
  medianCpuSeconds: number;
}

/** user + system CPU seconds of a running process, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts pgserve, waits for its listening line, reads its CPU time, stops it. */
async function timeStart(dataDir: string, cacheDir: string): Promise<{ ms: number; cpu: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [TUTOR_BIN, 'pgserve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--cache-dir', cacheDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on')) resolve(performance.now() - started);
      });
      child.once('exit', (code) => reject(new Error(`pgserve exited (${code}) before it listened`)));
    });
    return { ms, cpu: cpuSeconds(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchDatabase(): Promise<DatabaseRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-database-'));
  const samples = new Map<Start, Array<{ ms: number; cpu: number }>>(STARTS.map((s) => [s, []]));
  try {
    for (let run = 0; run < RUNS; run++) {
      const cacheDir = join(dir, `cache-${run}`);
      const first = join(dir, `data-${run}-a`);
      samples.get('initdb')!.push(await timeStart(first, cacheDir));
      samples.get('cache')!.push(await timeStart(join(dir, `data-${run}-b`), cacheDir));
      samples.get('existing')!.push(await timeStart(first, cacheDir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return STARTS.map((start) => ({
    start,
    medianMs: median(samples.get(start)!.map((s) => s.ms)),
    medianCpuSeconds: median(samples.get(start)!.map((s) => s.cpu)),
  }));
}

const WHAT: Record<Start, string> = {
  initdb: 'new data dir, empty cache (initdb)',
  cache: 'new data dir, cache filled',
  existing: 'data dir with a cluster',
};

export function printDatabase(rows: DatabaseRow[]): void {
  const initdb = rows.find((r) => r.start === 'initdb')!;
  console.log("\nThe database node's start: faafo-tutor pgserve (PGlite) to its listening line");
  console.log(`  ${'start'.padEnd(36)}   wall ms   CPU s   initdb CPU/this`);
  for (const row of rows) {
    console.log(
      `  ${WHAT[row.start].padEnd(36)} ${row.medianMs.toFixed(0).padStart(8)} ${row.medianCpuSeconds.toFixed(2).padStart(7)} ${`${(initdb.medianCpuSeconds / row.medianCpuSeconds).toFixed(2)}x`.padStart(17)}`,
    );
  }
  console.log(
    `  (median of ${RUNS} runs each; a node's one vCPU is a third of a host core, so its boot waits about 3x the CPU time)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printDatabase(await benchDatabase());
}
