// Both memory-limit mechanisms on real processes: one that grows past a node's RAM is killed (by
// the kernel inside a cgroup, or by the watcher) and the node's limit claims the kill with what
// the kernel's report says of it; one that fits is left alone; removing the limit leaves no group.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryGroupDirs, readMemoryCgroupHost } from '../../src/localcloud/nodes/limits/memory-cgroup.ts';
import {
  createMemoryLimits,
  type MemoryLimitChoice,
} from '../../src/localcloud/nodes/limits/memory-limits.ts';

const RAM_MIB = 160;
const memoryCgroupsWritable = (() => {
  const host = readMemoryCgroupHost();
  return Boolean(host.v1 || host.v2) && process.getuid?.() === 0;
})();

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A detached process that touches `stepMib` more every 50 ms up to `upToMib`, then idles. */
function grow(stepMib: number, upToMib: number): ChildProcess {
  const script = `const held = []; const t = setInterval(() => { if (held.length * ${stepMib} >= ${upToMib}) return clearInterval(t); held.push(Buffer.alloc(${stepMib} * 1048576, 1)); }, 50); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  children.push(child);
  return child;
}

const exitOf = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );

async function run(choice: MemoryLimitChoice) {
  const dataDir = mkdtempSync(join(tmpdir(), 'memory-limits-'));
  dirs.push(dataDir);
  const lines: string[] = [];
  const mechanism = createMemoryLimits({ dataDir, choice, log: (line) => lines.push(line) });
  const node = mechanism.forNode('node-1', RAM_MIB);

  const small = grow(10, 40);
  const big = grow(10, 600);
  node.attach(small.pid!);
  node.attach(big.pid!);
  const t0 = performance.now();
  const bigEnd = await Promise.race([
    exitOf(big),
    new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000)),
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const usage = node.usageKib();
  const kill = node.claimOomKill(big.pid!);
  const smallKill = node.claimOomKill(small.pid!);
  const smallRunning = small.exitCode === null && small.signalCode === null;
  node.remove();
  mechanism.close();
  return { mechanism, lines, bigEnd, seconds, usage, kill, big, smallKill, smallRunning, dataDir };
}

describe('memory limits on real processes', () => {
  it.runIf(memoryCgroupsWritable)(
    'a cgroup memory limit: the kernel kills the process past it',
    async () => {
      const result = await run('cgroup');
      process.stdout.write(`cgroup: killed after ${result.seconds.toFixed(1)} s\n`);
      expect(result.mechanism.kind).toMatch(/^cgroup-v[12]$/);
      expect(result.lines.join('\n')).toContain('memory limit (memory.');
      expect(result.bigEnd).toBe('SIGKILL');
      expect(result.kill).toMatchObject({ pid: result.big.pid, name: 'node' });
      expect(result.kill!.anonRssKib).toBeGreaterThan(0);
      expect(result.smallKill).toBeUndefined();
      expect(result.smallRunning).toBe(true);
      expect(result.usage).toBeGreaterThan(10 * 1024);
      expect(result.usage).toBeLessThan(RAM_MIB * 1024);
      // Removed: no group left, the small process (still in it) ended with it.
      for (const dir of memoryGroupDirs(result.dataDir)) expect(existsSync(dir), dir).toBe(false);
    },
    30_000,
  );

  it('watched RSS: the watcher kills the biggest process once the node is past its RAM', async () => {
    const result = await run('watch');
    process.stdout.write(`watch: killed after ${result.seconds.toFixed(1)} s\n`);
    expect(result.mechanism.kind).toBe('watch');
    expect(result.lines.join('\n')).toContain('watched RSS');
    expect(result.bigEnd).toBe('SIGKILL');
    expect(result.kill).toMatchObject({ pid: result.big.pid, name: 'node' });
    // Caught within a sample or two of passing its RAM (it grows 200 MiB/s).
    expect(result.kill!.anonRssKib).toBeGreaterThan(60 * 1024);
    expect(result.kill!.anonRssKib).toBeLessThan((RAM_MIB + 150) * 1024);
    expect(result.smallKill).toBeUndefined();
    expect(result.smallRunning).toBe(true);
    expect(result.usage).toBeLessThan(RAM_MIB * 1024);
  }, 30_000);
});
