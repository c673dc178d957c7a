// `faafo-tutor cloud env`: the running cloud's OS_* variables as `export` lines, for
// `eval "$(faafo-tutor cloud env)"` before the openstack CLI or any OpenStack client; with
// `--admin`, the administrator's (who creates projects and users, and sets their quotas).
import { adminCredentialsOf, credentialsOf, envScript } from './client-files.ts';
import { CloudCliError, type CloudIo } from './io.ts';
import { cloudPaths } from './paths.ts';
import { readState, runningCloud } from './run-info.ts';
import { DATA_DIR, userDirExists } from './user-dir.ts';

export function cloudEnv(options: { dataDir: string; admin?: boolean }, io: CloudIo): void {
  const paths = cloudPaths(options.dataDir);
  userDirExists(paths.dataDir, DATA_DIR);
  const run = runningCloud(paths);
  const state = readState(paths);
  if (!run || !state) {
    throw new CloudCliError(
      `the local cloud in ${paths.dataDir} is not running. Start it with 'faafo-tutor cloud up'.`,
    );
  }
  io.stdout.write(envScript(options.admin ? adminCredentialsOf(state, run) : credentialsOf(state, run)));
}
