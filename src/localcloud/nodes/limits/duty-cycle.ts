// A node's CPU limit without cgroups (a laptop user without root): a token bucket over the CPU time
// of its processes. Every tick the node earns `cores` × the tick in CPU time and pays what its
// processes used (from /proc); in debt, its process groups get SIGSTOP until the debt is earned
// back, then SIGCONT. A stop lasts as long as the debt needs, so a busy node runs ≈ `cores` of
// a host core on average, in bursts of about a tick.
import type { CpuCounters, CpuMechanism, NodeCpuLimit } from './mechanism.ts';
import { type ProcStat, processTree, readProcStat } from './proc.ts';

export interface DutyCycleOptions {
  /** How often usage is checked, ms (the length of a running burst). */
  tickMs?: number;
  /** How often the process tree is walked again for new children, in ticks. */
  treeEveryTicks?: number;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

export function dutyCycleMechanism(options: DutyCycleOptions = {}): CpuMechanism {
  const tickMs = options.tickMs ?? 100;
  const treeEveryTicks = options.treeEveryTicks ?? 10;
  return {
    kind: 'duty-cycle',
    description: 'SIGSTOP/SIGCONT duty cycle on each node process group (no cgroup available)',
    forNode(_id, cores): NodeCpuLimit {
      const leaders = new Set<number>();
      let members: ProcStat[] = [];
      /** CPU seconds last seen per pid, so a process that appears or ends does not skew usage. */
      const lastSeen = new Map<number, number>();
      let cpuSeconds = 0;
      let throttledSeconds = 0;
      let tokens = 0;
      let ticks = 0;
      let last = performance.now();
      let stoppedAt: number | undefined;
      let heldTasks = 0;
      let timer: NodeJS.Timeout | undefined;
      let lifted = false;

      // Never our own group: a node's processes lead groups of their own (the supervisor's detached).
      const ownGroup = readProcStat(process.pid)?.pgrp;
      const groups = () => new Set(members.map((m) => m.pgrp).filter((g) => g > 1 && g !== ownGroup));
      const measure = (): number => {
        if (ticks % treeEveryTicks === 0) members = processTree([...leaders]);
        let used = 0;
        const next: ProcStat[] = [];
        for (const member of members) {
          const stat = readProcStat(member.pid);
          if (!stat || stat.state === 'Z') {
            lastSeen.delete(member.pid);
            continue;
          }
          next.push(stat);
          used += Math.max(0, stat.cpuSeconds - (lastSeen.get(stat.pid) ?? stat.cpuSeconds));
          lastSeen.set(stat.pid, stat.cpuSeconds);
        }
        members = next;
        cpuSeconds += used;
        return used;
      };

      const tick = () => {
        timer = undefined;
        if (lifted) return;
        const now = performance.now();
        if (stoppedAt !== undefined) {
          // The debt is paid: run again.
          throttledSeconds += (heldTasks * (now - stoppedAt)) / 1000;
          for (const g of groups()) signalGroup(g, 'SIGCONT');
          stoppedAt = undefined;
          last = now;
          measure(); // what ran up to the stop is already paid for
          tokens = 0;
          schedule(tickMs);
          return;
        }
        const elapsed = (now - last) / 1000;
        last = now;
        ticks++;
        const used = measure();
        tokens = Math.min(cores * (tickMs / 1000), tokens + cores * elapsed - used);
        if (tokens < 0 && members.length > 0) {
          const stopMs = (-tokens / cores) * 1000;
          // Tasks that were running when stopped: the cores' worth they used while allowed to.
          heldTasks = elapsed > 0 ? used / elapsed : 0;
          for (const g of groups()) signalGroup(g, 'SIGSTOP');
          stoppedAt = now;
          schedule(stopMs);
          return;
        }
        schedule(tickMs);
      };
      const schedule = (ms: number) => {
        timer = setTimeout(tick, ms);
        timer.unref();
      };

      return {
        attach(pid) {
          leaders.add(pid);
          members = processTree([...leaders]);
          for (const m of members) if (!lastSeen.has(m.pid)) lastSeen.set(m.pid, m.cpuSeconds);
          if (!timer && !lifted) {
            last = performance.now();
            schedule(tickMs);
          }
        },
        counters: (): CpuCounters => ({ cpuSeconds, throttledSeconds }),
        lift() {
          lifted = true;
          if (timer) clearTimeout(timer);
          timer = undefined;
          const held = groups();
          for (const pid of leaders) held.add(pid);
          for (const g of held) if (g !== ownGroup) signalGroup(g, 'SIGCONT');
          stoppedAt = undefined;
        },
        remove() {
          this.lift();
        },
      };
    },
    close() {},
  };
}
