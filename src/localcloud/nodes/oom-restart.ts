// What a node does when its memory limit kills one of its services, as a VM running the service
// under systemd with Restart=on-failure would: the kernel's "Out of memory: Killed process" line and
// systemd's "Failed with result 'oom-kill'" lines on the console, the service started again, and a
// start limit (StartLimitBurst restarts within StartLimitIntervalSec) after which systemd gives up
// and the node is shut off with a fault saying why. The runtime (runtime.ts) does the restarting.
import type { OomKill } from './limits/memory-mechanism.ts';

/** Restarts allowed within the interval before the unit fails for good (systemd's default burst). */
export const START_LIMIT_BURST = 5;
export const START_LIMIT_INTERVAL_MS = 60_000;
/** systemd's RestartSec default: the pause between the kill and the next start. */
export const RESTART_DELAY_MS = 100;

export interface StartLimit {
  /** Counts a restart at time `at` (ms); `allowed` is false once the burst is used up within the interval. */
  restart(at: number): { allowed: boolean; count: number };
}

export function startLimit(burst = START_LIMIT_BURST, intervalMs = START_LIMIT_INTERVAL_MS): StartLimit {
  const recent: number[] = [];
  let count = 0;
  return {
    restart(at) {
      count++;
      while (recent.length > 0 && recent[0]! <= at - intervalMs) recent.shift();
      recent.push(at);
      return { allowed: recent.length <= burst, count };
    },
  };
}

/** The systemd unit a node's program would run as: "faafo worker" → "faafo-worker.service". */
export const unitName = (program: string) => `${program.trim().replace(/\s+/g, '-')}.service`;

/** The kernel's report of the kill, in the format `dmesg` shows on a real VM. */
export function kernelOomLine(kill: OomKill): string {
  return (
    `Out of memory: Killed process ${kill.pid} (${kill.name}) total-vm:${kill.totalVmKib}kB, ` +
    `anon-rss:${kill.anonRssKib}kB, file-rss:${kill.fileRssKib}kB, shmem-rss:${kill.shmemRssKib}kB, ` +
    `UID:${kill.uid} pgtables:${kill.pgtablesKib}kB oom_score_adj:0`
  );
}

/** systemd's lines for the unit's main process killed by the OOM killer, restart number `count`. */
export function oomFailureLines(unit: string, count: number): string[] {
  return [
    `${unit}: A process of this unit has been killed by the OOM killer.`,
    `${unit}: Main process exited, code=killed, status=9/KILL`,
    `${unit}: Failed with result 'oom-kill'.`,
    `${unit}: Scheduled restart job, restart counter is at ${count}.`,
    `Stopped ${unit}.`,
  ];
}

/** systemd's lines once the start limit is hit: the unit stays failed. */
export function startLimitLines(unit: string): string[] {
  return [
    `${unit}: Start request repeated too quickly.`,
    `${unit}: Failed with result 'oom-kill'.`,
    `Failed to start ${unit}.`,
  ];
}
