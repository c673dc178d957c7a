// A node's RAM without cgroups (a laptop user without root): its process tree's resident memory
// is sampled every few hundred milliseconds, and when the sum passes the flavor's RAM the biggest
// process gets SIGKILL, as the OOM killer of a VM that size would pick it (the one whose loss frees
// the most). Between two samples a node may briefly hold more than its RAM; the kernel would not
// let it, which is why the cgroup limit (memory-cgroup.ts) is preferred where it can be created.
import type { MemoryMechanism, NodeMemoryLimit, OomKill } from './memory-mechanism.ts';
import { processTree, readProcMemory } from './proc.ts';

/** The default sampling period: short enough that a growing process is caught near its limit. */
export const WATCH_INTERVAL_MS = 250;

/** The process to kill: none while the node fits, else the one holding the most (the first of equals). */
export function chooseOomVictim(
  processes: ReadonlyArray<{ pid: number; rssKib: number }>,
  limitKib: number,
): number | undefined {
  const total = processes.reduce((sum, p) => sum + p.rssKib, 0);
  if (total <= limitKib || processes.length === 0) return undefined;
  let victim = processes[0]!;
  for (const p of processes) if (p.rssKib > victim.rssKib) victim = p;
  return victim.pid;
}

export interface WatchOptions {
  intervalMs?: number;
}

export function watchMechanism(options: WatchOptions = {}): MemoryMechanism {
  const intervalMs = options.intervalMs ?? WATCH_INTERVAL_MS;
  return {
    kind: 'watch',
    description: `watched RSS (sampled every ${intervalMs} ms; over its RAM, a node's biggest process is killed)`,
    forNode(_id, ramMib): NodeMemoryLimit {
      const limitKib = ramMib * 1024;
      const leaders = new Set<number>();
      /** Processes this watcher killed, until the node claims them. */
      const kills = new Map<number, OomKill>();
      // A killed process may still show its memory while the kernel tears it down: not counted again.
      const members = () => processTree([...leaders]).filter((p) => !kills.has(p.pid));
      const check = () => {
        const victim = chooseOomVictim(members(), limitKib);
        if (victim === undefined) return;
        const memory = readProcMemory(victim);
        if (!memory) return; // it ended by itself meanwhile
        kills.set(victim, { pid: victim, ...memory });
        try {
          process.kill(victim, 'SIGKILL');
        } catch {
          kills.delete(victim);
        }
      };
      const timer = setInterval(check, intervalMs);
      timer.unref();
      return {
        attach: (pid) => void leaders.add(pid),
        usageKib: () => members().reduce((sum, p) => sum + p.rssKib, 0),
        claimOomKill(pid) {
          const kill = kills.get(pid);
          kills.delete(pid);
          return kill;
        },
        remove: () => clearInterval(timer),
      };
    },
    close() {},
  };
}
