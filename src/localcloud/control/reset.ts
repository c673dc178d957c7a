// `faafo-tutor cloud reset`: stops the cloud and removes what its data dir holds (only the files a
// cloud writes, so a mistaken --data-dir loses nothing else); the next `up` starts afresh.
import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cloudDown, reapNodes } from './down.ts';
import type { CloudIo } from './io.ts';
import { cloudPaths, OWNED_FILES } from './paths.ts';
import { runningCloud } from './run-info.ts';
import { DATA_DIR, userDirExists } from './user-dir.ts';

/** An atomic write's temporary file of one of the cloud's files (shared/atomic-write.ts). */
const OWNED_TEMP = /^(state\.json|cloud\.json|clouds\.yaml|openrc|backends\.json)\..*\.tmp$/;

export async function cloudReset(options: { dataDir: string }, io: CloudIo): Promise<void> {
  const paths = cloudPaths(options.dataDir);
  if (!userDirExists(paths.dataDir, DATA_DIR)) {
    io.stdout.write(`Nothing to reset: ${paths.dataDir} does not exist.\n`);
    return;
  }
  if (runningCloud(paths)) await cloudDown(options, io);
  else reapNodes(paths);
  for (const name of readdirSync(paths.dataDir)) {
    if (OWNED_FILES.includes(name) || OWNED_TEMP.test(name)) {
      rmSync(join(paths.dataDir, name), { recursive: true, force: true });
    }
  }
  try {
    rmdirSync(paths.dataDir);
  } catch {
    // Not empty: files that are not ours stay.
  }
  io.stdout.write(
    `The local cloud in ${paths.dataDir} is reset: the next 'faafo-tutor cloud up' starts afresh.\n`,
  );
}
