// A node's RAM as a cgroup memory limit, so the kernel's own OOM killer acts inside the node's
// group as it would inside a VM of that size: v1 `memory.limit_in_bytes` in the memory
// controller's hierarchy (root may create groups there on hosts that mount v1), kills counted in
// `memory.oom_control`'s oom_kill; or v2 `memory.max`, counted in `memory.events`. The v1 groups
// sit under a parent named like the CPU one (cgroup.ts), so a later run or `cloud down` finds what
// a killed cloud left; in v2 there is one hierarchy, so a node's group is the very group its CPU
// quota uses (created by whichever comes first) and is reaped with the CPU groups.
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  cloudGroupName,
  moveTree,
  ownGroupOf,
  readCgroupHost,
  reapGroups,
  removeGroup,
  safeRead,
  writeTo,
} from './cgroup.ts';
import type { MemoryMechanism, MemoryMechanismKind, NodeMemoryLimit, OomKill } from './memory-mechanism.ts';
import { type ProcMemory, readProcMemory } from './proc.ts';

/** Where the memory controller is: the cgroup2 mount, or v1's memory hierarchy; and our group in it. */
export interface MemoryCgroupHost {
  v2?: { mount: string; own: string };
  v1?: { mount: string; own: string };
}

export function readMemoryCgroupHost(
  mounts = safeRead('/proc/self/mounts'),
  membership = safeRead('/proc/self/cgroup'),
): MemoryCgroupHost {
  const host: MemoryCgroupHost = {};
  const { v2 } = readCgroupHost(mounts, membership);
  if (v2) host.v2 = v2;
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type, options = ''] = line.split(' ');
    if (mountPoint && type === 'cgroup' && options.split(',').includes('memory')) {
      host.v1 = { mount: mountPoint, own: ownGroupOf(membership, 'memory') };
    }
  }
  return host;
}

/** The cloud's parent group in v1's memory hierarchy (v2's is the CPU one: cloudGroupDirs). */
export function memoryGroupDirs(dataDir: string, host: MemoryCgroupHost = readMemoryCgroupHost()): string[] {
  return host.v1 ? [join(host.v1.mount, host.v1.own, cloudGroupName(dataDir))] : [];
}

/** Removes the memory groups a cloud of dataDir left behind, killing what still ran in them. */
export function reapMemoryGroups(dataDir: string, host: MemoryCgroupHost = readMemoryCgroupHost()): number[] {
  return reapGroups(memoryGroupDirs(dataDir, host));
}

const MIB = 1024 * 1024;

/** The `oom_kill N` line of memory.oom_control (v1) or memory.events (v2). */
export function oomKillCount(text: string): number {
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** What each version writes into a node's group and reads back from it. */
interface Version {
  kind: MemoryMechanismKind;
  description: string;
  /** Sets the limit (and, best effort, no swap beyond it: a VM's RAM is all it has). */
  configure(dir: string, bytes: number): void;
  usageBytes(dir: string): number;
  oomKills(dir: string): number;
  /** Whether a node's group is its own (v1) or shared with its CPU quota (v2). */
  shared: boolean;
}

const bestEffort = (write: () => void) => {
  try {
    write();
  } catch {
    // Not offered by this kernel (no swap accounting, a deprecated knob): the limit holds without it.
  }
};

const V1: Version = {
  kind: 'cgroup-v1',
  description: 'cgroup v1 memory limit (memory.limit_in_bytes)',
  configure(dir, bytes) {
    // Pages a process touched before it was moved in count too, so its start is charged to the node.
    bestEffort(() => writeTo(dir, 'memory.move_charge_at_immigrate', '3'));
    writeTo(dir, 'memory.limit_in_bytes', String(bytes));
    bestEffort(() => writeTo(dir, 'memory.memsw.limit_in_bytes', String(bytes)));
  },
  usageBytes: (dir) => Number(safeRead(join(dir, 'memory.usage_in_bytes')) || 0),
  oomKills: (dir) => oomKillCount(safeRead(join(dir, 'memory.oom_control'))),
  shared: false,
};

const V2: Version = {
  kind: 'cgroup-v2',
  description: 'cgroup v2 memory limit (memory.max)',
  configure(dir, bytes) {
    writeTo(dir, 'memory.max', String(bytes));
    bestEffort(() => writeTo(dir, 'memory.swap.max', '0'));
  },
  usageBytes: (dir) => Number(safeRead(join(dir, 'memory.current')) || 0),
  oomKills: (dir) => oomKillCount(safeRead(join(dir, 'memory.events'))),
  shared: true,
};

/** v2: the cloud's group under this process's own, with the memory controller enabled down to nodes. */
function tryV2(host: MemoryCgroupHost, dataDir: string): string | undefined {
  if (!host.v2) return undefined;
  const own = join(host.v2.mount, host.v2.own);
  const parent = join(own, cloudGroupName(dataDir));
  const created = !existsSync(parent);
  try {
    if (!safeRead(join(own, 'cgroup.controllers')).split(/\s+/).includes('memory')) return undefined;
    if (!safeRead(join(own, 'cgroup.subtree_control')).split(/\s+/).includes('memory')) {
      writeTo(own, 'cgroup.subtree_control', '+memory');
    }
    mkdirSync(parent, { recursive: true });
    writeTo(parent, 'cgroup.subtree_control', '+memory');
    return parent;
  } catch {
    if (created && existsSync(parent)) rmdirSync(parent);
    return undefined;
  }
}

/** v1: the cloud's group in the memory hierarchy. */
function tryV1(host: MemoryCgroupHost, dataDir: string): string | undefined {
  if (!host.v1) return undefined;
  const parent = join(host.v1.mount, host.v1.own, cloudGroupName(dataDir));
  try {
    mkdirSync(parent, { recursive: true });
    if (!existsSync(join(parent, 'memory.limit_in_bytes'))) throw new Error('no memory limit file');
    return parent;
  } catch {
    if (existsSync(parent)) rmdirSync(parent);
    return undefined;
  }
}

export interface MemoryCgroupOptions {
  /** How often the node's leaders are looked at, for the OOM report's figures. */
  sampleMs?: number;
}

function groupMechanism(version: Version, parent: string, options: MemoryCgroupOptions): MemoryMechanism {
  const sampleMs = options.sampleMs ?? 500;
  return {
    kind: version.kind,
    description: version.description,
    forNode(id, ramMib): NodeMemoryLimit {
      const dir = join(parent, id);
      if (!version.shared && existsSync(dir)) removeGroup(dir); // a previous run's, with what it held
      mkdirSync(dir, { recursive: true });
      version.configure(dir, Math.round(ramMib * MIB));
      /** The group's kill count when each process was attached: older kills are not its own. */
      const killsAtAttach = new Map<number, number>();
      /** The figures of each attached process last seen: the kernel kills it before we can look. */
      const lastSeen = new Map<number, ProcMemory>();
      let claimed = version.oomKills(dir);
      const look = () => {
        for (const pid of killsAtAttach.keys()) {
          const memory = readProcMemory(pid);
          if (memory) lastSeen.set(pid, memory);
        }
      };
      const timer = setInterval(look, sampleMs);
      timer.unref();
      return {
        attach(pid) {
          killsAtAttach.set(pid, version.oomKills(dir));
          moveTree(pid, [dir]);
          look();
        },
        usageKib: () => Math.round(version.usageBytes(dir) / 1024),
        claimOomKill(pid): OomKill | undefined {
          const since = killsAtAttach.get(pid);
          const kills = version.oomKills(dir);
          if (since === undefined || kills <= Math.max(since, claimed)) return undefined;
          claimed = Math.max(since, claimed) + 1;
          killsAtAttach.delete(pid);
          const seen = lastSeen.get(pid);
          lastSeen.delete(pid);
          return {
            pid,
            ...(seen ?? {
              name: '?',
              uid: 0,
              totalVmKib: 0,
              anonRssKib: 0,
              fileRssKib: 0,
              shmemRssKib: 0,
              pgtablesKib: 0,
            }),
          };
        },
        remove() {
          clearInterval(timer);
          removeGroup(dir);
        },
      };
    },
    close() {
      removeGroup(parent);
    },
  };
}

/** A cgroup memory mechanism if this process may create one here (v2 first), else undefined. */
export function memoryCgroupMechanism(
  dataDir: string,
  host: MemoryCgroupHost = readMemoryCgroupHost(),
  options: MemoryCgroupOptions = {},
): MemoryMechanism | undefined {
  const v2 = tryV2(host, dataDir);
  if (v2) return groupMechanism(V2, v2, options);
  const v1 = tryV1(host, dataDir);
  return v1 ? groupMechanism(V1, v1, options) : undefined;
}
