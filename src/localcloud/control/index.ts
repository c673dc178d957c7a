// The local cloud's control plane as one import, for the `faafo-tutor cloud` commands (cli.ts) and
// whoever starts or finds a student's cloud. Each idea lives in its own file:
//
//   paths.ts        the data dir and its files          run-info.ts     cloud.json; is it running?
//   user-dir.ts     a user's path mistake, in one line   backends.ts     backends.json (real engines)
//   slots.ts        the host's address-slot registry     client-files.ts clouds.yaml, openrc, OS_* lines
//   serve.ts        the cloud in this process            io.ts           streams and CloudCliError
//   up.ts, down.ts, status.ts, env.ts, reset.ts          the commands
export { backendLines, readBackends, saveBackends, shownBackends } from './backends.ts';
export {
  CLOUD_NAME,
  type CloudCredentials,
  cloudsYamlEntry,
  credentialsOf,
  envScript,
  envVariables,
  mergeUserCloudsYaml,
} from './client-files.ts';
export { cloudDown } from './down.ts';
export { cloudEnv } from './env.ts';
export { CloudCliError, type CloudIo } from './io.ts';
export { type CloudPaths, cloudPaths, defaultDataDir } from './paths.ts';
export { cloudReset } from './reset.ts';
export { type RunInfo, readRunInfo, readState, runningCloud } from './run-info.ts';
export { type ServeOptions, type ServingCloud, serveCloud } from './serve.ts';
export { claimFreeSlot, claimSlot, pickSlot, slotRegistry } from './slots.ts';
export { cloudStatus, type NodeStatus, nodeStatuses } from './status.ts';
export { cloudUp, type UpOptions } from './up.ts';
