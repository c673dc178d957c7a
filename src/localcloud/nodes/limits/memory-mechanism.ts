// The seam between a node and whatever holds it to its flavor's RAM, beside the CPU one
// (mechanism.ts): a cgroup memory limit (memory-cgroup.ts) where this process may create one, so
// the kernel's OOM killer acts inside the node's group as it would inside a VM; else a watcher of
// the node's resident memory (memory-watch.ts) that kills the biggest process itself. Either way
// the node learns of a kill the same way: a process of it ended by SIGKILL that the limit claims.

import { type ProcMemory, processTree } from './proc.ts';

export type MemoryMechanismKind = 'cgroup-v2' | 'cgroup-v1' | 'watch' | 'none';

/** One process the limit killed, with what a kernel's "Killed process" line reports of it. */
export interface OomKill extends ProcMemory {
  pid: number;
}

export interface NodeMemoryLimit {
  /** Puts a started process, and everything it spawns, under the node's limit. */
  attach(pid: number): void;
  /** Memory the node's processes hold now, KiB, as this limit counts it (`memory-rss`). */
  usageKib(): number;
  /**
   * A process of the node ended by SIGKILL: the kill, if it was this limit's (the OOM killer's)
   * doing since the process was attached; each kill is claimed once.
   */
  claimOomKill(pid: number): OomKill | undefined;
  /** Once its processes are gone: stops watching and removes what the limit created. */
  remove(): void;
}

export interface MemoryMechanism {
  readonly kind: MemoryMechanismKind;
  /** One line for the log and `cloud status`, e.g. "cgroup v1 memory limit (memory.limit_in_bytes)". */
  readonly description: string;
  /** A limit of `ramMib` MiB (the node's flavor's RAM) for the node `id`. */
  forNode(id: string, ramMib: number): NodeMemoryLimit;
  /** Removes the cloud's own parent group (nodes removed first). */
  close(): void;
}

/** No limit (`FAAFO_CLOUD_MEMORY_LIMIT=none`): the node's usage is its process tree's RSS. */
export const NO_MEMORY_LIMIT: MemoryMechanism = {
  kind: 'none',
  description: 'no memory limit (nodes use what the host has)',
  forNode() {
    const leaders = new Set<number>();
    return {
      attach: (pid) => void leaders.add(pid),
      usageKib: () => processTree([...leaders]).reduce((sum, p) => sum + p.rssKib, 0),
      claimOomKill: () => undefined,
      remove() {},
    };
  },
  close() {},
};
