// The last run of a data dir's cloud (cloud.json, written by `serve`) and whether it still runs:
// every command starts by asking this, and the lesson asks it to find the student's cloud.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isAlive } from '../../shared/process-alive.ts';
import type { Endpoints } from '../contracts.ts';
import type { CloudCpuInfo, CloudMemoryInfo } from '../server.ts';
import type { CloudState } from '../state.ts';
import { type CloudPaths, readJsonFile } from './paths.ts';

/** cloud.json: written by `serve` when it answers; pid null once it stopped cleanly. */
export interface RunInfo {
  pid: number | null;
  slot: number;
  host: string;
  endpoints: Endpoints;
  dataDir: string;
  startedAt: string;
  /** How its nodes are held to their vCPUs (absent in files of older versions). */
  cpu?: CloudCpuInfo;
  /** How its nodes are held to their flavor's RAM (absent in files of older versions). */
  memory?: CloudMemoryInfo;
}

export function readRunInfo(paths: CloudPaths): RunInfo | undefined {
  return readJsonFile<RunInfo>(paths.run);
}

export function readState(paths: CloudPaths): CloudState | undefined {
  return readJsonFile<CloudState>(paths.state);
}

/** Whether pid is `faafo-tutor cloud serve` for this data dir (never signal a recycled pid). */
function isServeOf(pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false;
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return true; // no /proc to look in: trust the pid file
  }
  const at = args.indexOf('--data-dir');
  return args.includes('serve') && at >= 0 && resolve(args[at + 1] ?? '') === dataDir;
}

/** The running cloud of this data dir, if any. */
export function runningCloud(paths: CloudPaths): (RunInfo & { pid: number }) | undefined {
  const run = readRunInfo(paths);
  if (!run || run.pid === null || !isServeOf(run.pid, paths.dataDir)) return undefined;
  return run as RunInfo & { pid: number };
}
