// The teacher's board under a room's reporting: progress events accepted per second by
// `faafo-tutor classroom serve` (its own process, as a teacher runs it) when forty students' tutors
// post batches at once, beside one student posting alone — the ratio says what concurrency buys (or
// costs) a single Node process — and the same forty with a board page following the class stream
// (every change serialises the whole class, at most four times a second). The board's own CPU time per
// thousand events (from /proc) tells the board's cost apart from the load generator's: on a 2-core
// machine both share the cores.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ProgressEvent } from '../src/classroom/protocol.ts';
import { TUTOR_BIN } from '../src/shared/bins.ts';
import { fullLesson, joinBoard, postEvents } from '../test/helpers/classroom-lesson.ts';

export interface BoardRow {
  name: string;
  students: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time the board process used per 1000 events accepted (undefined without /proc). */
  boardCpuMsPer1000?: number;
}

const DURATION_MS = 5_000;
const BATCH = 20;
const ROOM = 40;

interface Served {
  child: ChildProcess;
  base: string;
  code: string;
  teacherToken: string;
}

/** Starts `faafo-tutor classroom serve` on a free loopback port and reads its code and link. */
async function serve(dataHome: string): Promise<Served> {
  // The board keeps its roster in the data directory: a temporary one, not the user's.
  const child = spawn(process.execPath, [TUTOR_BIN, 'classroom', 'serve', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, XDG_DATA_HOME: dataHome },
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const started = performance.now();
  while (!out.includes('Ctrl-C stops the board')) {
    if (child.exitCode !== null || performance.now() - started > 30_000)
      throw new Error(`classroom serve did not start; it printed: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const code = /Join code:\s+(\S+)/.exec(out)![1]!;
  const [, base, teacherToken] = /Teacher's board:\s+(\S+)\/#token=(\S+)/.exec(out)!;
  return { child, base: base!, code, teacherToken: teacherToken! };
}

/** A student's lesson, over and over, as batches of BATCH events. */
function* batchesOf(student: number): Generator<ProgressEvent[]> {
  const lesson = fullLesson(student);
  for (let at = 0; ; at = (at + BATCH) % lesson.length) {
    const batch = lesson.slice(at, at + BATCH);
    yield batch.length === BATCH ? batch : [...batch, ...lesson.slice(0, BATCH - batch.length)];
  }
}

/** User + system CPU time of a process in ms, from /proc/PID/stat; undefined where there is no /proc. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ", in clock ticks (100 Hz).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Students join, then each posts its batches one after another until the time is up. */
async function runCase(name: string, students: number, follow: boolean): Promise<BoardRow> {
  const dataHome = mkdtempSync(join(tmpdir(), 'bench-board-'));
  const board = await serve(dataHome);
  const stream = new AbortController();
  try {
    const joined = await Promise.all(
      Array.from({ length: students }, (_, n) => joinBoard(board.base, board.code, `Student ${n}`)),
    );
    if (follow) {
      const response = await fetch(`${board.base}/api/class/stream?token=${board.teacherToken}`, {
        signal: stream.signal,
      });
      // Read (and drop) what the board pushes, as a page would.
      void response.body!.pipeTo(new WritableStream(), { signal: stream.signal }).catch(() => {});
    }
    const latencies: number[] = [];
    let accepted = 0;
    const cpuBefore = cpuMs(board.child.pid!);
    const started = performance.now();
    await Promise.all(
      joined.map(async (student, n) => {
        const batches = batchesOf(n);
        while (performance.now() - started < DURATION_MS) {
          const t0 = performance.now();
          const status = await postEvents(board.base, student.token, batches.next().value!);
          if (status !== 202) throw new Error(`${name}: the board answered ${status}`);
          latencies.push(performance.now() - t0);
          accepted += BATCH;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuMs(board.child.pid!);
    latencies.sort((a, b) => a - b);
    return {
      name,
      students,
      eventsPerSecond: accepted / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      ...(cpuBefore !== undefined && cpuAfter !== undefined
        ? { boardCpuMsPer1000: ((cpuAfter - cpuBefore) / accepted) * 1000 }
        : {}),
    };
  } finally {
    stream.abort();
    board.child.kill('SIGTERM');
    await new Promise((resolve) => board.child.once('exit', resolve));
    rmSync(dataHome, { recursive: true, force: true });
  }
}

export async function benchBoard(): Promise<BoardRow[]> {
  return [
    await runCase('one student posting alone', 1, false),
    await runCase(`${ROOM} students at once`, ROOM, false),
    await runCase(`${ROOM} students at once, a page following`, ROOM, true),
  ];
}

export function printBoard(rows: BoardRow[]): void {
  const alone = rows[0]!.eventsPerSecond;
  console.log(
    `\nBoard: progress events accepted per second (classroom serve in its own process, batches of ${BATCH}, ${DURATION_MS / 1000} s each)`,
  );
  console.log(
    '  what                                      events/s  p50 ms  p99 ms  board CPU ms/1000 events  vs one student',
  );
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(40)} ${row.eventsPerSecond.toFixed(0).padStart(9)}  ${row.p50Ms.toFixed(1).padStart(6)}  ${row.p99Ms
        .toFixed(1)
        .padStart(
          6,
        )}  ${(row.boardCpuMsPer1000?.toFixed(1) ?? 'n/a').padStart(24)}  ${(row.eventsPerSecond / alone).toFixed(2).padStart(13)}x`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printBoard(await benchBoard());
}
