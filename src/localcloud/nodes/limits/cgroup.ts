// A node's CPU quota as a cgroup: v2 `cpu.max` under this process's own (delegated) cgroup, or v1
// `cpu.cfs_quota_us` in the cpu controller's hierarchy (root may create groups there on hosts that
// mount v1). Each cloud gets a parent group named after its data dir, so two clouds on one host
// never touch each other's groups and a later run (or `cloud down`) finds what a killed one left.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuCounters, CpuMechanism, MechanismKind, NodeCpuLimit } from './mechanism.ts';
import { cgroupProcs, processTree } from './proc.ts';

/** The CFS period every node uses: 100 ms, the kernel's default. */
export const CFS_PERIOD_US = 100_000;

/** Where cgroups are mounted and which group this process is in (from /proc/self/*). */
export interface CgroupHost {
  /** The cgroup2 mount and this process's path in it. */
  v2?: { mount: string; own: string };
  /** v1 mounts of the cpu and cpuacct controllers (the same one when mounted together). */
  v1?: { cpu: string; cpuOwn: string; cpuacct?: string; cpuacctOwn?: string };
}

export function readCgroupHost(
  mounts = safeRead('/proc/self/mounts'),
  membership = safeRead('/proc/self/cgroup'),
): CgroupHost {
  const host: CgroupHost = {};
  const ownOf = (controller: string) => ownGroupOf(membership, controller);
  const v2Own = membership
    .split('\n')
    .find((l) => l.startsWith('0::'))
    ?.slice(3);
  let cpu: string | undefined;
  let cpuacct: string | undefined;
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options = ''] = line.split(' ');
    if (!mountPoint) continue;
    if (type === 'cgroup2' && !host.v2) host.v2 = { mount: mountPoint, own: v2Own ?? '/' };
    if (type === 'cgroup') {
      const opts = options.split(',');
      if (opts.includes('cpu')) cpu = mountPoint;
      if (opts.includes('cpuacct')) cpuacct = mountPoint;
    }
  }
  if (cpu) {
    host.v1 = {
      cpu,
      cpuOwn: ownOf('cpu'),
      ...(cpuacct ? { cpuacct, cpuacctOwn: ownOf('cpuacct') } : {}),
    };
  }
  return host;
}

/** This process's group in a v1 controller's hierarchy, from /proc/self/cgroup's text. */
export function ownGroupOf(membership: string, controller: string): string {
  for (const line of membership.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers?.split(',').includes(controller)) return path ?? '/';
  }
  return '/';
}

/** A file's text, or '' where it cannot be read (a cgroup file may vanish with its group). */
export function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The parent group's name for the cloud in dataDir. */
export function cloudGroupName(dataDir: string): string {
  return `faafo-cloud-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
}

const statField = (text: string, key: string) => {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
};

/** Sleeps synchronously (removal waits briefly for killed processes to leave their group). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes a group: anything still in it is one of ours left behind, so it is resumed and killed;
 * then rmdir, retried while the kernel finishes the exits. Returns the pids it killed.
 */
export function removeGroup(dir: string, waitMs = 2000): number[] {
  if (!existsSync(dir)) return [];
  for (const child of readdirSync(dir, { withFileTypes: true })) {
    if (child.isDirectory()) removeGroup(join(dir, child.name), waitMs);
  }
  const killed = cgroupProcs(dir);
  for (const pid of killed) {
    for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
  }
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      rmdirSync(dir);
      return killed;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return killed;
      if (Date.now() >= deadline) throw error;
      pause(20);
    }
  }
}

/** The directories a cloud's parent groups may be in on this host (both versions). */
export function cloudGroupDirs(dataDir: string, host: CgroupHost = readCgroupHost()): string[] {
  const name = cloudGroupName(dataDir);
  const dirs: string[] = [];
  if (host.v2) dirs.push(join(host.v2.mount, host.v2.own, name));
  if (host.v1) {
    dirs.push(join(host.v1.cpu, host.v1.cpuOwn, name));
    if (host.v1.cpuacct) dirs.push(join(host.v1.cpuacct, host.v1.cpuacctOwn ?? '/', name));
  }
  return [...new Set(dirs)];
}

/** Removes every group a cloud of dataDir left behind (and kills what still ran in them). */
export function reapCloudGroups(dataDir: string, host: CgroupHost = readCgroupHost()): number[] {
  return reapGroups(cloudGroupDirs(dataDir, host));
}

/** Removes these groups where they exist (and kills what still ran in them); returns those pids. */
export function reapGroups(dirs: readonly string[]): number[] {
  const killed: number[] = [];
  for (const dir of dirs) {
    try {
      killed.push(...removeGroup(dir));
    } catch {
      // Not ours to remove (no permission): nothing of ours can be in it either.
    }
  }
  return killed;
}

export const writeTo = (dir: string, file: string, value: string) => writeFileSync(join(dir, file), value);

/** Moves a process and its descendants into the groups (children spawned later follow by themselves). */
export function moveTree(pid: number, dirs: readonly string[]): void {
  for (const proc of processTree([pid])) {
    for (const dir of dirs) {
      try {
        writeTo(dir, 'cgroup.procs', String(proc.pid));
      } catch {
        // It ended meanwhile.
      }
    }
  }
}

// The nodes' group weighs as much as eight busy programs beside it (v1 cpu.shares 8 × 1024, v2
// cpu.weight 8 × 100), so other work on the host (a test runner, a build) does not eat into the
// vCPUs the nodes were given: a VM's vCPUs are the host's commitment. The quotas still cap each
// node at its flavor, so the weight never lets the nodes take more than that.
const NODES_WEIGHT_V1 = 8 * 1024;
const NODES_WEIGHT_V2 = 8 * 100;

/** A weight that cannot be written (an older kernel, a read-only file) leaves the default: no reservation, still a quota. */
function reserve(write: () => void): void {
  try {
    write();
  } catch {}
}

/** v2: the parent under this process's own group, with the cpu controller enabled down to nodes. */
function tryV2(host: CgroupHost, dataDir: string): CpuMechanism | undefined {
  if (!host.v2) return undefined;
  const own = join(host.v2.mount, host.v2.own);
  const parent = join(own, cloudGroupName(dataDir));
  try {
    if (!safeRead(join(own, 'cgroup.controllers')).split(/\s+/).includes('cpu')) return undefined;
    if (!safeRead(join(own, 'cgroup.subtree_control')).split(/\s+/).includes('cpu')) {
      writeTo(own, 'cgroup.subtree_control', '+cpu');
    }
    mkdirSync(parent, { recursive: true });
    writeTo(parent, 'cgroup.subtree_control', '+cpu');
    reserve(() => writeTo(parent, 'cpu.weight', String(NODES_WEIGHT_V2)));
  } catch {
    if (existsSync(parent)) rmdirSync(parent);
    return undefined;
  }
  return groupMechanism('cgroup-v2', 'cgroup v2 CPU quota (cpu.max)', [parent], (dir, cores) => {
    writeTo(dir, 'cpu.max', `${Math.max(1000, Math.round(cores * CFS_PERIOD_US))} ${CFS_PERIOD_US}`);
    return (): CpuCounters => {
      const stat = safeRead(join(dir, 'cpu.stat'));
      return {
        cpuSeconds: statField(stat, 'usage_usec') / 1e6,
        throttledSeconds: statField(stat, 'throttled_usec') / 1e6,
      };
    };
  });
}

/** v1: the parent in the cpu hierarchy (and in cpuacct's, for the CPU time, when mounted apart). */
function tryV1(host: CgroupHost, dataDir: string): CpuMechanism | undefined {
  if (!host.v1) return undefined;
  const name = cloudGroupName(dataDir);
  const cpuParent = join(host.v1.cpu, host.v1.cpuOwn, name);
  const acctParent = host.v1.cpuacct ? join(host.v1.cpuacct, host.v1.cpuacctOwn ?? '/', name) : undefined;
  const parents = [...new Set([cpuParent, ...(acctParent ? [acctParent] : [])])];
  try {
    for (const dir of parents) mkdirSync(dir, { recursive: true });
    if (!existsSync(join(cpuParent, 'cpu.cfs_quota_us'))) throw new Error('no CFS quota');
    reserve(() => writeTo(cpuParent, 'cpu.shares', String(NODES_WEIGHT_V1)));
  } catch {
    for (const dir of parents) if (existsSync(dir)) rmdirSync(dir);
    return undefined;
  }
  return groupMechanism(
    'cgroup-v1',
    'cgroup v1 CPU quota (cpu.cfs_quota_us)',
    parents,
    (_dir, cores, dirs) => {
      const [cpuDir, acctDir] = [dirs[0]!, dirs[dirs.length - 1]!];
      writeTo(cpuDir, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
      writeTo(cpuDir, 'cpu.cfs_quota_us', String(Math.max(1000, Math.round(cores * CFS_PERIOD_US))));
      return (): CpuCounters => ({
        cpuSeconds: Number(safeRead(join(acctDir, 'cpuacct.usage')) || 0) / 1e9,
        throttledSeconds: statField(safeRead(join(cpuDir, 'cpu.stat')), 'throttled_time') / 1e9,
      });
    },
  );
}

/** The shared part of both versions: a group per node in each parent, removed with its parent. */
function groupMechanism(
  kind: MechanismKind,
  description: string,
  parents: readonly string[],
  configure: (dir: string, cores: number, dirs: readonly string[]) => () => CpuCounters,
): CpuMechanism {
  return {
    kind,
    description,
    forNode(id, cores): NodeCpuLimit {
      const dirs = parents.map((parent) => join(parent, id));
      for (const dir of dirs) {
        if (existsSync(dir)) removeGroup(dir); // a previous run's, with anything it still held
        mkdirSync(dir);
      }
      const read = configure(dirs[0]!, cores, dirs);
      const base = read();
      return {
        attach: (pid) => moveTree(pid, dirs),
        counters() {
          const now = read();
          return {
            cpuSeconds: now.cpuSeconds - base.cpuSeconds,
            throttledSeconds: now.throttledSeconds - base.throttledSeconds,
          };
        },
        lift() {
          // A stopping node's processes should end at full speed, not crawl through their shutdown.
          try {
            if (kind === 'cgroup-v2') writeTo(dirs[0]!, 'cpu.max', `max ${CFS_PERIOD_US}`);
            else writeTo(dirs[0]!, 'cpu.cfs_quota_us', '-1');
          } catch {}
        },
        remove() {
          for (const dir of dirs) removeGroup(dir);
        },
      };
    },
    close() {
      for (const dir of parents) removeGroup(dir);
    },
  };
}

/** A cgroup mechanism if this process may create one here (v2 first), else undefined. */
export function cgroupMechanism(
  dataDir: string,
  host: CgroupHost = readCgroupHost(),
): CpuMechanism | undefined {
  return tryV2(host, dataDir) ?? tryV1(host, dataDir);
}
