// How busy this machine's cores are, from /proc/stat's first line: the lesson's claim that "the
// host's idle cores stay idle while one 1-vCPU worker is busy" is a figure about the host, not about
// any node, so it is read where the kernel keeps it. Busy is every jiffy except idle and iowait
// (steal included: a core lent to another guest is not idle for us either). Linux only; elsewhere
// the reading is undefined and the meter's samples say why.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type MeterOptions, poll, type Sample } from './poll.ts';

/** Cumulative jiffies of all cores together since boot. */
export interface HostCpuCounters {
  busy: number;
  total: number;
}

/** Parses /proc/stat's aggregate `cpu` line; undefined when the text has none. */
export function parseProcStat(text: string): HostCpuCounters | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((f) => !Number.isFinite(f))) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export function readHostCpu(file = '/proc/stat'): HostCpuCounters | undefined {
  try {
    return parseProcStat(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Host cores busy on average between two readings (0 … cores). */
export function busyCores(
  from: HostCpuCounters,
  to: HostCpuCounters,
  cores = availableParallelism(),
): number {
  const total = to.total - from.total;
  return total > 0 ? ((to.busy - from.busy) / total) * cores : 0;
}

export type HostCpuReading =
  | { cores: number; busyCores: number | null; unavailable?: undefined }
  | { unavailable: string };
export type HostCpuSample = Sample<HostCpuReading>;

/** Samples `{ at, cores, busyCores }`: cores busy since the previous reading (null on the first). */
export function hostCpuMeter(
  options: MeterOptions & { file?: string } = {},
): AsyncGenerator<HostCpuSample, void, undefined> {
  const cores = availableParallelism();
  let last: HostCpuCounters | undefined;
  return poll<HostCpuReading>(async () => {
    const now = readHostCpu(options.file);
    if (!now) return { unavailable: 'This host has no /proc/stat to read its CPU use from (Linux only).' };
    const busy = last ? busyCores(last, now, cores) : null;
    last = now;
    return { cores, busyCores: busy };
  }, options);
}
