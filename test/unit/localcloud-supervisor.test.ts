import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProcessSpec } from '../../src/localcloud/nodes/roles.ts';
import {
  type ConsoleLog,
  describeExit,
  nodeEnv,
  openConsole,
  readConsoleTail,
  reapStale,
  type Supervised,
  startProcess,
} from '../../src/localcloud/nodes/supervisor.ts';

const dir = mkdtempSync(join(tmpdir(), 'faafo-supervisor-'));
const procs: Supervised[] = [];
afterAll(async () => {
  for (const p of procs) p.killNow();
  rmSync(dir, { recursive: true, force: true });
});

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

function spec(script: string, ready: ProcessSpec['ready']): ProcessSpec {
  return {
    role: 'worker',
    program: 'test proc',
    command: process.execPath,
    args: ['-e', script],
    env: {},
    ready,
    phase: 1,
    oneshot: false,
    describe: 'a test process',
  };
}

function start(s: ProcessSpec, console: ConsoleLog, readyTimeoutMs = 10_000): Supervised {
  const proc = startProcess(s, {
    cwd: dir,
    env: nodeEnv({}),
    console,
    runDir: join(dir, 'run'),
    readyTimeoutMs,
  });
  procs.push(proc);
  return proc;
}

describe('console log', () => {
  it('stamps each line with time and source; the tail reads the last lines', () => {
    const path = join(dir, 'console-a.log');
    const out = openConsole(path, () => new Date('2030-01-02T03:04:05.000Z'));
    out.write('cloud-init', 'one\ntwo');
    out.write('faafo-api', 'three\n');
    out.close();
    out.write('cloud-init', 'after close is ignored');
    expect(readFileSync(path, 'utf8')).toBe(
      '2030-01-02T03:04:05.000Z cloud-init: one\n2030-01-02T03:04:05.000Z cloud-init: two\n2030-01-02T03:04:05.000Z faafo-api: three\n',
    );
    expect(readConsoleTail(path, 1)).toBe('2030-01-02T03:04:05.000Z faafo-api: three\n');
    expect(readConsoleTail(path, 0)).toBe('');
    expect(readConsoleTail(path).split('\n')).toHaveLength(4);
    expect(readConsoleTail(join(dir, 'missing.log'))).toBe('');
  });

  it('reads only the tail of a big console, from a whole line', () => {
    const path = join(dir, 'console-b.log');
    writeFileSync(
      path,
      Array.from({ length: 1000 }, (_, i) => `line ${i}`)
        .join('\n')
        .concat('\n'),
    );
    const tail = readConsoleTail(path, undefined, 100);
    expect(tail.startsWith('line ')).toBe(true);
    expect(tail.endsWith('line 999\n')).toBe(true);
    expect(readConsoleTail(path, 2, 100)).toBe('line 998\nline 999\n');
  });
});

describe('startProcess', () => {
  const console = openConsole(join(dir, 'console.log'));

  it('is ready on its line; its output reaches the console; stop ends the whole process group', async () => {
    // The process starts a grandchild in its group, then says it is ready.
    const proc = start(
      spec(
        `const { spawn } = require('node:child_process');
         const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
         console.log('grandchild ' + child.pid);
         console.log('ready now');
         setInterval(() => {}, 1000);`,
        { line: /ready now/ },
      ),
      console,
    );
    const outcome = await proc.ready;
    expect(outcome).toMatchObject({ ready: true });
    const grandchild = Number(/grandchild (\d+)/.exec(proc.recentOutput().join('\n'))?.[1]);
    expect(alive(grandchild)).toBe(true);
    expect(readFileSync(join(dir, 'run', 'worker.pid'), 'utf8').trim()).toBe(String(proc.pid));
    await proc.stop(2000);
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGTERM' });
    for (let i = 0; i < 40 && alive(grandchild); i++) await sleep(25);
    expect(alive(grandchild)).toBe(false);
    expect(readConsoleTail(console.path)).toMatch(/test-proc: ready now/);
  });

  it('a process that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const proc = start(
      spec(`process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);`, {
        line: /up/,
      }),
      console,
    );
    await proc.ready;
    const t0 = Date.now();
    await proc.stop(300);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(describeExit(await proc.exited)).toBe('signal SIGKILL');
  });

  it('a process held stopped (the CPU duty cycle) still ends on SIGTERM, not after the grace', async () => {
    const proc = start(
      spec(
        `process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`,
        { line: /up/ },
      ),
      console,
    );
    await proc.ready;
    process.kill(-proc.pid!, 'SIGSTOP');
    await sleep(50);
    expect(readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1]?.[0]).toBe('T');
    const t0 = Date.now();
    await proc.stop(3000);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(describeExit(await proc.exited)).toBe('exit code 0');
    expect(readConsoleTail(console.path)).toMatch(/test-proc: bye/);
  });

  it('exiting before it is ready, and not answering in time', async () => {
    const early = start(spec(`console.error('no database'); process.exit(3);`, { line: /never/ }), console);
    expect(await early.ready).toEqual({ exited: { code: 3, signal: null } });
    expect(early.recentOutput()).toEqual(['no database']);

    const slow = start(spec('setInterval(() => {}, 1000);', { line: /never/ }), console, 200);
    expect(await slow.ready).toEqual({ timeout: true });
    await slow.stop(1000);

    const deaf = start(
      spec(`console.log('listening'); setInterval(() => {}, 1000);`, {
        line: /listening/,
        tcp: { host: '127.0.0.1', port: 1 },
      }),
      console,
      300,
    );
    expect(await deaf.ready).toEqual({ timeout: true });
    await deaf.stop(1000);

    const job = start(spec('process.exit(0)', { exit: true }), console);
    expect(await job.ready).toMatchObject({ ready: true });
  });

  it("reapStale ends a pid file's process only if it runs in the node's directory", async () => {
    const proc = start(spec(`console.log('up'); setInterval(() => {}, 1000);`, { line: /up/ }), console);
    await proc.ready;
    const runDir = join(dir, 'stale-run');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'worker.pid'), `${proc.pid}\n`);
    expect(reapStale(runDir, join(dir, 'elsewhere'))).toEqual([]);
    expect(alive(proc.pid!)).toBe(true);
    writeFileSync(join(runDir, 'worker.pid'), `${proc.pid}\n`);
    expect(reapStale(runDir, dir)).toEqual([proc.pid]);
    expect(describeExit(await proc.exited)).toBe('signal SIGKILL');
  });

  it("nodeEnv drops the developer's FAAFO_* settings but keeps which code runs", () => {
    process.env.FAAFO_DATABASE_URL = 'mysql://mine';
    try {
      const env = nodeEnv({ FAAFO_NODE_NAME: 'app-worker-1' });
      expect(env.FAAFO_DATABASE_URL).toBeUndefined();
      // vitest.config.ts sets it, so the nodes of a test's cloud run the sources as the test does.
      expect(env.FAAFO_RUN_TS).toBe('1');
      expect(env.FAAFO_NODE_NAME).toBe('app-worker-1');
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      delete process.env.FAAFO_DATABASE_URL;
    }
  });
});
