// `faafo-tutor cloud down`: SIGTERM to `serve` (which stops every node and writes the state), SIGKILL
// to its process group if it does not stop in time, then ends any node process a cloud that could
// not stop cleanly left behind (recorded in the nodes' pid files).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '../../shared/process-alive.ts';
import { reapCloudGroups } from '../nodes/limits/cgroup.ts';
import { reapMemoryGroups } from '../nodes/limits/memory-cgroup.ts';
import { reapStale } from '../nodes/supervisor.ts';
import type { CloudIo } from './io.ts';
import { type CloudPaths, cloudPaths } from './paths.ts';
import { runningCloud } from './run-info.ts';
import { DATA_DIR, userDirExists } from './user-dir.ts';

function nodeDirs(paths: CloudPaths): string[] {
  if (!existsSync(paths.nodes)) return [];
  return readdirSync(paths.nodes, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(paths.nodes, entry.name));
}

/**
 * Ends what a cloud that could not stop cleanly left behind: node processes recorded in pid files,
 * then its nodes' CPU and memory cgroups with anything still in them.
 */
export function reapNodes(paths: CloudPaths): number {
  let reaped = 0;
  for (const dir of nodeDirs(paths)) reaped += reapStale(join(dir, 'run'), dir).length;
  return reaped + reapCloudGroups(paths.dataDir).length + reapMemoryGroups(paths.dataDir).length;
}

export async function cloudDown(
  options: { dataDir: string; timeoutMs?: number },
  io: CloudIo,
): Promise<boolean> {
  const paths = cloudPaths(options.dataDir);
  userDirExists(paths.dataDir, DATA_DIR);
  const run = runningCloud(paths);
  if (!run) {
    const reaped = reapNodes(paths);
    io.stdout.write(
      `The local cloud is not running.${reaped ? ` Ended ${reaped} leftover node process${reaped === 1 ? '' : 'es'}.` : ''}\n`,
    );
    return false;
  }
  process.kill(run.pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (isAlive(run.pid) && Date.now() < deadline) await sleep(50);
  let forced = false;
  if (isAlive(run.pid)) {
    forced = true;
    for (const target of [-run.pid, run.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {}
    }
    while (isAlive(run.pid)) await sleep(20);
  }
  const reaped = reapNodes(paths);
  io.stdout.write(
    `The local cloud is down${forced ? ' (it did not stop in time and was killed)' : ''}.${reaped ? ` Ended ${reaped} leftover node process${reaped === 1 ? '' : 'es'}.` : ''}\n`,
  );
  return true;
}
