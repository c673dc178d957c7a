// `faafo-tutor cloud env`: the running cloud's OS_* variables as `export` lines, for
// `eval "$(faafo-tutor cloud env)"` before the openstack CLI or any OpenStack client.
import { credentialsOf, envScript } from './client-files.ts';
import { CloudCliError, type CloudIo } from './io.ts';
import { cloudPaths } from './paths.ts';
import { readState, runningCloud } from './run-info.ts';
import { DATA_DIR, userDirExists } from './user-dir.ts';

export function cloudEnv(options: { dataDir: string }, io: CloudIo): void {
  const paths = cloudPaths(options.dataDir);
  userDirExists(paths.dataDir, DATA_DIR);
  const run = runningCloud(paths);
  const state = readState(paths);
  if (!run || !state) {
    throw new CloudCliError(
      `the local cloud in ${paths.dataDir} is not running. Start it with 'faafo-tutor cloud up'.`,
    );
  }
  io.stdout.write(envScript(credentialsOf(state, run)));
}
