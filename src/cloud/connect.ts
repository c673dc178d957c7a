// connect(): the cloud a student means, found the way OpenStack's own tools find it —
// `--cloud NAME` or OS_CLOUD in clouds.yaml, else the OS_* variables — and a Connection to it on
// pkgcloud. When nothing is configured, the caller decides what happens (`fallback`): the step
// runner and the tutor start or find the local cloud; without a fallback it is one clear error.
// This file knows no particular cloud: it is the same code against a real OpenStack.
import pkgcloud from 'pkgcloud';
import { type CloudAuth, CloudConfigError, resolveCloud } from './config.ts';
import { type Connection, createDriver } from './driver.ts';
import { explain } from './errors.ts';
import type { CloudEvent } from './events.ts';

/** What a fallback is given: the environment the cloud was looked up in, and where to report. */
export interface FallbackContext {
  env: NodeJS.ProcessEnv;
  report: (event: CloudEvent) => void;
}

/** The cloud to use when none is configured: its credentials, and its name for messages. */
export interface FallbackCloud {
  auth: CloudAuth;
  /** "the local cloud": shown as "using …" and in every error about it. */
  label: string;
}

/** "No cloud configured: start or find one" — e.g. the local cloud (src/localcloud/connect-fallback.ts). */
export type CloudFallback = (context: FallbackContext) => Promise<FallbackCloud>;

export interface ConnectOptions {
  /** A clouds.yaml entry (the --cloud flag); else OS_CLOUD. */
  cloud?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** When no cloud is configured; without one, connect() says how to configure one. */
  fallback?: CloudFallback;
  /** Each thing worth telling while it happens (starting a cloud, found, created, waiting). */
  report?: (event: CloudEvent) => void;
  /** A network id for new servers, for clouds with several networks (else FAAFO_NETWORK_ID). */
  networkId?: string;
  pollMs?: number;
}

export const NO_CLOUD_CONFIGURED =
  'No cloud is configured: set OS_CLOUD to a cloud of your clouds.yaml (or pass --cloud NAME), or set the OS_* variables (source your openrc); ' +
  'for the local cloud, run `faafo-tutor cloud up`, then `eval "$(faafo-tutor cloud env)"`.';

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

export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env;
  const report = options.report ?? (() => {});
  const resolved = resolveCloud({ cloud: options.cloud, env, cwd: options.cwd ?? process.cwd() });
  let { auth, label } = resolved;
  if (!auth) {
    if (!options.fallback) throw new CloudConfigError(NO_CLOUD_CONFIGURED);
    ({ auth, label } = await options.fallback({ env, report }));
  }
  const clientOptions = pkgcloudOptions(auth);
  const compute = pkgcloud.compute.createClient(clientOptions);
  const network = pkgcloud.network.createClient(clientOptions);
  // Authenticate now, so wrong credentials fail here with one clear line, not in a step's middle.
  try {
    await new Promise<void>((resolve, reject) => compute.auth((e) => (e ? reject(e) : resolve())));
  } catch (error) {
    throw explain(error, { doing: `log in to ${label}`, cloud: label });
  }
  const networkId = options.networkId ?? (env.FAAFO_NETWORK_ID || undefined);
  return createDriver({
    compute,
    network,
    label,
    report,
    ...(networkId ? { networkId } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
}
