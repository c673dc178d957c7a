// The fallback the step runner (and the tutor) give connect() for "no cloud configured": the local
// cloud of this user (FAAFO_CLOUD_DIR, else the default data dir), started in the background when
// it is not running, and its credentials. src/cloud never imports the local cloud; this file is
// where the two meet, and the only one outside src/localcloud that reads its control code.
// `faafo-tutor ssh` gets a variant that never starts the cloud (runningLocalCloud).
import type { CloudFallback, FallbackCloud, FallbackContext } from '../cloud/connect.ts';
import { CloudError } from '../cloud/errors.ts';
import { credentialsOf } from './control/client-files.ts';
import { cloudPaths, defaultDataDir } from './control/paths.ts';
import { type RunInfo, readState, runningCloud } from './control/run-info.ts';
import { cloudUp } from './control/up.ts';

const LABEL = 'the local cloud';

/** The local cloud's credentials, starting it first if it is not running. */
export const localCloudFallback: CloudFallback = async ({
  env,
  report,
}: FallbackContext): Promise<FallbackCloud> => {
  const dataDir = defaultDataDir(env);
  const paths = cloudPaths(dataDir);
  let run: RunInfo | undefined = runningCloud(paths);
  if (!run) {
    report({ type: 'cloud-starting', cloud: LABEL, dataDir });
    const quiet = { write: () => true };
    try {
      run = await cloudUp({ dataDir, env }, { stdout: quiet, stderr: quiet });
    } catch (error) {
      throw new CloudError(`Could not start the local cloud: ${(error as Error).message}`);
    }
  }
  return cloudOf(paths, run);
};

/**
 * For `faafo-tutor ssh`: the local cloud's credentials only if it runs. Starting a cloud to log in
 * to one of its servers would be a surprise; one line says how to start it instead.
 */
export const runningLocalCloud: CloudFallback = async ({ env }: FallbackContext): Promise<FallbackCloud> => {
  const dataDir = defaultDataDir(env);
  const paths = cloudPaths(dataDir);
  const run = runningCloud(paths);
  if (!run) {
    throw new CloudError(
      `The local cloud (${dataDir}) is not running, so none of its servers is; start it with \`faafo-tutor cloud up\` and try again.`,
    );
  }
  return cloudOf(paths, run);
};

function cloudOf(paths: ReturnType<typeof cloudPaths>, run: RunInfo): FallbackCloud {
  const state = readState(paths);
  if (!state)
    throw new CloudError(
      `The local cloud in ${paths.dataDir} has no state; run \`faafo-tutor cloud reset\`.`,
    );
  const c = credentialsOf(state, run);
  return {
    label: LABEL,
    auth: {
      authUrl: c.authUrl,
      username: c.username,
      password: c.password,
      projectName: c.projectName,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      region: 'RegionOne',
      identityApiVersion: '3',
      insecure: false,
    },
  };
}
