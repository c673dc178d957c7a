// Both CPU-limit mechanisms on a real spinning process group: its CPU use over a few seconds is
// its share of a host core, its load average reads ≈ 1 (one busy task at capacity), and removing
// the limit leaves no stopped process and no cgroup behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudGroupDirs, readCgroupHost } from '../../src/localcloud/nodes/limits/cgroup.ts';
import { type CpuLimitChoice, createCpuLimits } from '../../src/localcloud/nodes/limits/node-limits.ts';
import { readProcStat } from '../../src/localcloud/nodes/limits/proc.ts';

const SHARE = 0.3;
const cgroupsWritable = (() => {
  const host = readCgroupHost();
  return Boolean(host.v1 || host.v2) && process.getuid?.() === 0;
})();

const spinners: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of spinners.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGCONT');
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A detached process group whose leader spins on one core forever. */
function spin(): number {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { detached: true, stdio: 'ignore' });
  spinners.push(child);
  return child.pid!;
}

/** CPU seconds the process used over `ms` of wall time, per second. */
async function cpuShare(pid: number, ms: number): Promise<number> {
  const before = readProcStat(pid)!.cpuSeconds;
  const t0 = performance.now();
  await sleep(ms);
  const after = readProcStat(pid)!.cpuSeconds;
  return (after - before) / ((performance.now() - t0) / 1000);
}

async function measure(choice: CpuLimitChoice) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cpu-limits-'));
  dirs.push(dataDir);
  const limits = createCpuLimits({
    dataDir,
    vcpu: { fraction: SHARE, reason: 'test' },
    choice,
    sampleMs: 250,
  });
  const node = limits.startNode('node-1', dataDir, 1);
  const pid = spin();
  await sleep(100);
  node.attach(pid);
  await sleep(500);
  const share = await cpuShare(pid, 3000);
  const view = node.view();
  const loadavg = readFileSync(join(dataDir, 'loadavg'), 'utf8');
  // What the nodes' group weighs beside the host's other work (cgroup mechanisms only).
  const group = cloudGroupDirs(dataDir).find((dir) => existsSync(dir));
  const weightFile = group && ['cpu.shares', 'cpu.weight'].map((f) => join(group, f)).find(existsSync);
  const weight = weightFile ? readFileSync(weightFile, 'utf8').trim() : undefined;
  node.remove();
  const stateAfter = readProcStat(pid)?.state;
  limits.close();
  return { mechanism: limits.mechanism.kind, share, view, loadavg, weight, stateAfter, dataDir, pid };
}

describe('CPU limits on a spinning process', () => {
  it.runIf(cgroupsWritable)('a cgroup CPU quota holds it to its share of a core', async () => {
    const result = await measure('cgroup');
    process.stdout.write(
      `cgroup: share ${result.share.toFixed(3)} (target ${SHARE}), load ${result.view.loadAverage}\n`,
    );
    expect(result.mechanism).toMatch(/^cgroup-v[12]$/);
    // The nodes' group is weighted as eight busy programs, so the host's other work waits for it.
    expect(result.weight).toBe(result.mechanism === 'cgroup-v1' ? '8192' : '800');
    // Never above its share; below only by what the host's other programs take from it.
    expect(result.share).toBeGreaterThan(SHARE * 0.6);
    expect(result.share).toBeLessThan(SHARE * 1.15);
    // 14 samples of a constant 1 make a 1-minute average of 0.69 (the kernel's steps, time compressed).
    expect(result.view.loadAverage[0]).toBeGreaterThan(0.5);
    expect(result.view.loadAverage[0]).toBeLessThan(1.1);
    expect(result.loadavg).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d 1\/1 \d+\n$/);
    // Removing the group ends what it still held (never left throttled), and no group is left.
    expect(result.stateAfter === undefined || result.stateAfter === 'Z').toBe(true);
    for (const dir of cloudGroupDirs(result.dataDir)) expect(existsSync(dir)).toBe(false);
  });

  it('a SIGSTOP/SIGCONT duty cycle holds it to its share of a core', async () => {
    const result = await measure('duty-cycle');
    process.stdout.write(
      `duty cycle: share ${result.share.toFixed(3)} (target ${SHARE}), load ${result.view.loadAverage}\n`,
    );
    expect(result.mechanism).toBe('duty-cycle');
    expect(result.share).toBeGreaterThan(SHARE * 0.6);
    expect(result.share).toBeLessThan(SHARE * 1.2);
    expect(result.view.loadAverage[0]).toBeGreaterThan(0.5);
    expect(result.view.loadAverage[0]).toBeLessThan(1.1);
    // Lifted: resumed, not left stopped.
    expect(result.stateAfter).toBe('R');
  });
});
