// What /proc says about a node's processes: every process descended from its leaders (through
// /proc/<pid>/task/<tid>/children, so no scan of all of /proc), and per process its state, CPU
// time and resident memory, and for a process the memory limits kill, the figures the kernel's
// OOM report gives. Used by the duty-cycle limiter, the memory watcher and the diagnostics.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux ABI Node runs on). */
export const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_KIB = 4;

export interface ProcStat {
  pid: number;
  /** R running, S sleeping, D disk, T stopped, Z zombie, … */
  state: string;
  pgrp: number;
  /** utime + stime of all its threads, seconds. */
  cpuSeconds: number;
  rssKib: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return {
    pid,
    state: fields[0] ?? '?',
    pgrp: at(5),
    cpuSeconds: (at(14) + at(15)) / CLOCK_TICKS_PER_SECOND,
    rssKib: at(24) * PAGE_KIB,
  };
}

/** What the kernel's "Killed process" line says of a process, from /proc/<pid>/status. */
export interface ProcMemory {
  /** Its command name (comm). */
  name: string;
  uid: number;
  totalVmKib: number;
  anonRssKib: number;
  fileRssKib: number;
  shmemRssKib: number;
  pgtablesKib: number;
}

export function readProcMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
  const kib = (key: string) => Number.parseInt(field(key), 10) || 0;
  return {
    name: field('Name'),
    uid: Number.parseInt(field('Uid'), 10) || 0,
    totalVmKib: kib('VmSize'),
    anonRssKib: kib('RssAnon'),
    fileRssKib: kib('RssFile'),
    shmemRssKib: kib('RssShmem'),
    pgtablesKib: kib('VmPTE'),
  };
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
        const n = Number(child);
        if (Number.isInteger(n) && n > 0) found.push(n);
      }
    } catch {
      // the thread ended meanwhile
    }
  }
  return found;
}

/** The leaders and every live process descended from them (zombies left out). */
export function processTree(leaders: readonly number[]): ProcStat[] {
  const seen = new Set<number>();
  const out: ProcStat[] = [];
  const queue = [...leaders];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z') continue;
    out.push(stat);
    queue.push(...childrenOf(pid));
  }
  return out;
}

/**
 * Seconds the process's threads have waited on a host run queue, runnable but not running (the
 * second field of /proc/<pid>/task/<tid>/schedstat): host contention, which a VM's tasks would
 * count as runnable too. 0 where the kernel keeps no schedstats.
 */
export function runQueueWaitSeconds(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let ns = 0;
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) || 0;
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e9;
}

/** Pids listed in a cgroup's cgroup.procs (none if it is gone). */
export function cgroupProcs(dir: string): number[] {
  try {
    return readFileSync(`${dir}/cgroup.procs`, 'utf8')
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}
