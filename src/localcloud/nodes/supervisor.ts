// One node's processes: started with execa, each the leader of its own process group (so a stop
// ends everything it spawned), output appended to the node's console.log with timestamps,
// readiness by TCP connect or by a line, and stop = SIGTERM to the group, SIGKILL after a grace.
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { tcpAnswers } from '../../shared/tcp-answers.ts';
import type { ProcessSpec } from './roles.ts';

// ---------------------------------------------------------------------------------------------
// The console: what `openstack console log show` prints. Written synchronously, so a read right
// after a line was logged sees it, and lines of different sources never interleave mid-line.

export interface ConsoleLog {
  readonly path: string;
  /** Appends one line per text line, each as `<ISO time> <source>: <text>`. */
  write(source: string, text: string): void;
  close(): void;
}

export function openConsole(path: string, now: () => Date = () => new Date()): ConsoleLog {
  let fd: number | undefined = openSync(path, 'a');
  return {
    path,
    write(source, text) {
      if (fd === undefined) return;
      const stamp = now().toISOString();
      const lines = text.replace(/\n$/, '').split('\n');
      writeSync(fd, lines.map((line) => `${stamp} ${source}: ${line.replace(/\r$/, '')}\n`).join(''));
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The last `length` lines of a console file (all of them when length is undefined), read from its tail. */
export function readConsoleTail(path: string, length?: number, maxBytes = 1 << 20): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = fstatSync(fd);
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    let text = buffer.subarray(0, read).toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1); // drop the partial first line
    if (length === undefined || length < 0) return text;
    if (length === 0) return '';
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.length === 0 ? '' : `${lines.slice(-length).join('\n')}\n`;
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export const describeExit = (exit: ExitInfo) =>
  exit.signal
    ? `signal ${exit.signal}`
    : exit.code === null
      ? 'could not be started'
      : `exit code ${exit.code}`;

export type ReadyOutcome = { ready: true; ms: number } | { timeout: true } | { exited: ExitInfo };

export interface Supervised {
  readonly spec: ProcessSpec;
  readonly pid: number | undefined;
  /** Settles once: ready, the readiness bound passed, or the process ended first. */
  readonly ready: Promise<ReadyOutcome>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** The last lines it printed, for a fault's details. */
  recentOutput(): string[];
  /** SIGTERM to its process group, SIGKILL to the group after graceMs; resolves once it is gone. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL to the whole group, synchronously (process exit, emergencies). */
  killNow(): void;
}

export interface StartOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  console: ConsoleLog;
  /** Where pid files go, so a later start can end what an abruptly ended cloud left behind. */
  runDir: string;
  readyTimeoutMs: number;
  pollMs?: number;
}

/**
 * The parent's environment without the developer's own FAAFO_* settings, plus the node's.
 * FAAFO_RUN_TS is kept: it says which code the bins run (bin/run-entry.mjs), not how faafo is set
 * up, and a cloud started to run the sources must start its nodes from them too.
 */
export function nodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if ((!key.startsWith('FAAFO_') || key === 'FAAFO_RUN_TS') && value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

const pidFile = (runDir: string, role: string) => join(runDir, `${role}.pid`);

export function startProcess(spec: ProcessSpec, options: StartOptions): Supervised {
  const { console: out, pollMs = 50 } = options;
  const startedAt = Date.now();
  const subprocess = execa(spec.command, spec.args, {
    cwd: options.cwd,
    env: { ...options.env, ...spec.env },
    extendEnv: false,
    // Its own process group: a stop reaches every process it spawned. (execa's cleanup does not
    // apply to detached subprocesses; the runtime kills the groups on exit instead.)
    detached: true,
    cleanup: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    forceKillAfterDelay: false,
  });
  const pid = subprocess.pid;
  if (pid) {
    mkdirSync(options.runDir, { recursive: true });
    writeFileSync(pidFile(options.runDir, spec.role), `${pid}\n`);
  }

  const recent: string[] = [];
  const lineWaiters = new Set<(line: string) => void>();
  const source = spec.program.replace(' ', '-');
  const onStream = () => {
    let carry = '';
    return (chunk: Buffer) => {
      const text = carry + chunk.toString('utf8');
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        out.write(source, line);
        recent.push(line);
        if (recent.length > 20) recent.shift();
        for (const waiter of lineWaiters) waiter(line);
      }
    };
  };
  subprocess.stdout?.on('data', onStream());
  subprocess.stderr?.on('data', onStream());

  const exited: Promise<ExitInfo> = subprocess.then(
    (result) => ({ code: result.exitCode ?? null, signal: result.signal ?? null }),
    () => ({ code: null, signal: null }),
  );
  exited.then(() => {
    if (pid) rmSync(pidFile(options.runDir, spec.role), { force: true });
  });

  const ready = (async (): Promise<ReadyOutcome> => {
    const deadline = startedAt + options.readyTimeoutMs;
    let exitedInfo: ExitInfo | undefined;
    exited.then((info) => {
      exitedInfo = info;
    });
    if ('exit' in spec.ready) {
      const info = await exited;
      return info.code === 0 ? { ready: true, ms: Date.now() - startedAt } : { exited: info };
    }
    const { line: pattern, tcp } = spec.ready;
    if (!recent.some((line) => pattern.test(line))) {
      let onLine: ((line: string) => void) | undefined;
      const seen = new Promise<'seen'>((resolve) => {
        onLine = (line) => {
          if (pattern.test(line)) resolve('seen');
        };
        lineWaiters.add(onLine);
      });
      const bound = sleep(Math.max(0, deadline - Date.now()), 'timeout' as const, { ref: false });
      const outcome = await Promise.race([seen, bound, exited]);
      if (onLine) lineWaiters.delete(onLine);
      if (outcome === 'timeout') return { timeout: true };
      if (outcome !== 'seen') return { exited: outcome };
    }
    // It says it listens; it is up once a connection gets through.
    while (tcp) {
      if (exitedInfo) return { exited: exitedInfo };
      if (await tcpAnswers(tcp.host, tcp.port, 1000)) break;
      if (Date.now() >= deadline) return { timeout: true };
      await sleep(pollMs);
    }
    return exitedInfo ? { exited: exitedInfo } : { ready: true, ms: Date.now() - startedAt };
  })();

  let stopping: Promise<void> | undefined;
  return {
    spec,
    pid,
    ready,
    exited,
    recentOutput: () => [...recent],
    killNow: () => killGroup(pid, 'SIGKILL'),
    stop(graceMs) {
      stopping ??= (async () => {
        let gone = false;
        exited.then(() => {
          gone = true;
        });
        await Promise.resolve();
        if (!gone) {
          killGroup(pid, 'SIGTERM');
          // A process the CPU duty cycle had stopped acts on SIGTERM only once continued.
          killGroup(pid, 'SIGCONT');
          await Promise.race([exited, sleep(graceMs)]);
        }
        // The leader may be gone while something it started lingers in the group: end them too.
        killGroup(pid, 'SIGKILL');
        await Promise.race([exited, sleep(5000)]);
      })();
      return stopping;
    },
  };
}

/**
 * Ends processes a previous run of this node left behind (the cloud was killed abruptly, so it
 * could not stop them): a pid file's process is ended only if it still runs in this node's
 * directory, so a recycled pid is never touched.
 */
export function reapStale(runDir: string, nodeDir: string): number[] {
  if (!existsSync(runDir)) return [];
  const reaped: number[] = [];
  for (const name of readdirSync(runDir)) {
    if (!name.endsWith('.pid')) continue;
    const file = join(runDir, name);
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    rmSync(file, { force: true });
    if (!Number.isInteger(pid) || pid <= 1) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone, or not ours to inspect
    }
    if (cwd !== nodeDir) continue;
    killGroup(pid, 'SIGKILL');
    killGroup(pid, 'SIGCONT'); // none may stay stopped, should one outlive the SIGKILL's delivery
    reaped.push(pid);
  }
  return reaped;
}
