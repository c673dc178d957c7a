// connect(): the cloud a student means, found the way OpenStack's own tools find it —
// `--cloud NAME` or OS_CLOUD in clouds.yaml, else the OS_* variables, else the local cloud (started
// in the background if it is not running) — and a Connection to it on pkgcloud.
import pkgcloud from 'pkgcloud';
import { type CloudAuth, resolveCloud } from './config.ts';
import { type Connection, createDriver } from './driver.ts';
import { CloudError, explain } from './errors.ts';

export interface ConnectOptions {
  /** A clouds.yaml entry (the --cloud flag); else OS_CLOUD. */
  cloud?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** One line per thing worth telling while it happens (starting the local cloud, waiting, reusing). */
  progress?: (line: string) => void;
  /** A network id for new servers, for clouds with several networks (else FAAFO_NETWORK_ID). */
  networkId?: string;
  pollMs?: number;
}

/** pkgcloud joins its own /v3/auth/tokens or /v2.0/tokens to the auth URL: give it Keystone's root. */
export function keystoneRoot(authUrl: string): string {
  return authUrl.replace(/\/+$/, '').replace(/\/(v3|v2\.0)$/, '');
}

/** The options pkgcloud's OpenStack clients take for these credentials. */
export function pkgcloudOptions(auth: CloudAuth): Record<string, unknown> {
  return {
    provider: 'openstack',
    authUrl: keystoneRoot(auth.authUrl),
    username: auth.username,
    password: auth.password,
    // pkgcloud needs the region whenever the catalog is v3 (else "Unable to identify endpoint url").
    region: auth.region,
    ...(auth.projectId ? { tenantId: auth.projectId } : { tenantName: auth.projectName }),
    ...(auth.identityApiVersion === '3'
      ? {
          keystoneAuthVersion: 'v3',
          domainName: auth.userDomainName,
          projectDomainName: auth.projectDomainName,
        }
      : {}),
    ...(auth.insecure ? { strictSSL: false } : {}),
  };
}

/** The local cloud's credentials, starting it first if it is not running. */
async function localCloudAuth(env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<CloudAuth> {
  // Loaded only when needed: a real cloud's students never load the local cloud's code.
  const control = await import('../localcloud/control/index.ts');
  const dataDir = control.defaultDataDir(env);
  const paths = control.cloudPaths(dataDir);
  let run: import('../localcloud/control/index.ts').RunInfo | undefined = control.runningCloud(paths);
  if (!run) {
    progress(`starting the local cloud (data in ${dataDir}) …`);
    const quiet = { write: () => true };
    try {
      run = await control.cloudUp({ dataDir, env }, { stdout: quiet, stderr: quiet });
    } catch (error) {
      throw new CloudError(`Could not start the local cloud: ${(error as Error).message}`);
    }
  }
  const state = control.readState(paths);
  if (!state)
    throw new CloudError(`The local cloud in ${dataDir} has no state; run \`faafo-tutor cloud reset\`.`);
  const c = control.credentialsOf(state, run);
  return {
    authUrl: c.authUrl,
    username: c.username,
    password: c.password,
    projectName: c.projectName,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    region: 'RegionOne',
    identityApiVersion: '3',
    insecure: false,
  };
}

export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? (() => {});
  const resolved = resolveCloud({ cloud: options.cloud, env, cwd: options.cwd ?? process.cwd() });
  const auth = resolved.auth ?? (await localCloudAuth(env, progress));
  const clientOptions = pkgcloudOptions(auth);
  const compute = pkgcloud.compute.createClient(clientOptions);
  const network = pkgcloud.network.createClient(clientOptions);
  // Authenticate now, so wrong credentials fail here with one clear line, not in a step's middle.
  try {
    await new Promise<void>((resolve, reject) => compute.auth((e) => (e ? reject(e) : resolve())));
  } catch (error) {
    throw explain(error, { doing: `log in to ${resolved.label}`, cloud: resolved.label });
  }
  const networkId = options.networkId ?? (env.FAAFO_NETWORK_ID || undefined);
  return createDriver({
    compute,
    network,
    label: resolved.label,
    progress,
    ...(networkId ? { networkId } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
}
