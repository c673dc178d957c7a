// `faafo-tutor cloud up|down|status|env|reset|serve`: the local cloud as a background process the
// student starts once. `serve` runs it in the foreground; `up` starts `serve` detached, waits until
// Keystone answers, and writes what real clients need to find it (clouds.yaml, openrc). Everything
// lives in one data dir:
//
//   state.json    the cloud's state (store.ts)           cloud.json   pid, slot, endpoints of the last run
//   cloud.log     the server's log (API requests, nodes)  clouds.yaml  the `faafo-local` entry, openrc too
//   nodes/<id>/   each node's files (nodes/runtime.ts)
//   backends.json the configured real RabbitMQ/MariaDB URLs (mode 0600: they hold passwords), so
//                 `cloud up` after `down` keeps them; `serve` reads them here, never from its argv
//
// Clouds on one host never collide: ports are free ones (the last run's again when possible, so URLs
// stay put across down/up), and each cloud claims a slot (its 10.S / 127.S address ranges) in a
// host-wide registry of small files, reclaimed when their owner is gone.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDocument } from 'yaml';
import { redactUrl } from '../faafo/redact.ts';
import { PACKAGE_ROOT } from '../shared/package-root.ts';
import type { Endpoints } from './contracts.ts';
import { DEVSTACK_PORTS, type ServiceName } from './gateway.ts';
import { freeSlot, MAX_SLOT, MIN_SLOT } from './nodes/addresses.ts';
import { type BackendUrls, validateBackendUrls } from './nodes/backends.ts';
import { reapStale } from './nodes/supervisor.ts';
import { type Credentials, type LocalCloud, startLocalCloud } from './server.ts';
import type { CloudState } from './state.ts';
import { STATE_FILE } from './store.ts';

export const CLOUD_NAME = 'faafo-local';
export const TUTOR_BIN = join(PACKAGE_ROOT, 'bin', 'faafo-tutor.mjs');

export interface CloudIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class CloudCliError extends Error {
  override name = 'CloudCliError';
}

/** `--data-dir`, else $FAAFO_CLOUD_DIR, else $XDG_DATA_HOME/faafo-tutor/cloud. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAAFO_CLOUD_DIR) return resolve(env.FAAFO_CLOUD_DIR);
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'faafo-tutor', 'cloud');
}

export function cloudPaths(dataDir: string) {
  const dir = resolve(dataDir);
  return {
    dataDir: dir,
    state: join(dir, STATE_FILE),
    run: join(dir, 'cloud.json'),
    log: join(dir, 'cloud.log'),
    cloudsYaml: join(dir, 'clouds.yaml'),
    openrc: join(dir, 'openrc'),
    nodes: join(dir, 'nodes'),
    backends: join(dir, 'backends.json'),
  };
}
export type CloudPaths = ReturnType<typeof cloudPaths>;

/** cloud.json: written by `serve` when it answers; pid null once it stopped cleanly. */
export interface RunInfo {
  pid: number | null;
  slot: number;
  host: string;
  endpoints: Endpoints;
  dataDir: string;
  startedAt: string;
}

function writeFileAtomic(file: string, text: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readRunInfo(paths: CloudPaths): RunInfo | undefined {
  return readJson<RunInfo>(paths.run);
}

export function readState(paths: CloudPaths): CloudState | undefined {
  return readJson<CloudState>(paths.state);
}

/** The configured real engines of this data dir (none → {}). */
export function readBackends(paths: CloudPaths): BackendUrls {
  const saved = readJson<BackendUrls>(paths.backends) ?? {};
  return {
    ...(typeof saved.rabbitmqUrl === 'string' && saved.rabbitmqUrl ? { rabbitmqUrl: saved.rabbitmqUrl } : {}),
    ...(typeof saved.mysqlUrl === 'string' && saved.mysqlUrl ? { mysqlUrl: saved.mysqlUrl } : {}),
  };
}

/**
 * Merges newly given engine URLs into backends.json (an empty string removes one) and returns the
 * result. A URL that cannot be used fails here, with its password masked.
 */
export function saveBackends(paths: CloudPaths, given: BackendUrls): BackendUrls {
  const merged: BackendUrls = { ...readBackends(paths) };
  for (const key of ['rabbitmqUrl', 'mysqlUrl'] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  try {
    validateBackendUrls(merged);
  } catch (error) {
    throw new CloudCliError((error as Error).message);
  }
  if (merged.rabbitmqUrl || merged.mysqlUrl)
    writeFileAtomic(paths.backends, `${JSON.stringify(merged, null, 2)}\n`);
  else rmSync(paths.backends, { force: true });
  return merged;
}

/** The configured engines as shown to the user: passwords masked. */
export function shownBackends(backends: BackendUrls): BackendUrls {
  return {
    ...(backends.rabbitmqUrl ? { rabbitmqUrl: redactUrl(backends.rabbitmqUrl) } : {}),
    ...(backends.mysqlUrl ? { mysqlUrl: redactUrl(backends.mysqlUrl) } : {}),
  };
}

/** Whether a process with this pid exists (another user's counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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

// ---------------------------------------------------------------------------------------------
// Slots: one small file per claimed slot in a directory every user can write to (sticky, 1777).

export function slotRegistry(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAAFO_CLOUD_SLOTS_DIR || join(tmpdir(), 'faafo-tutor-cloud-slots');
}

interface SlotClaim {
  pid: number;
  dataDir: string;
  user: string;
}

function ensureRegistry(registry: string): void {
  if (existsSync(registry)) return;
  mkdirSync(registry, { recursive: true });
  // mkdir's mode passes through the umask; every user's clouds must be able to claim here.
  chmodSync(registry, 0o1777);
}

function liveClaims(registry: string): Map<number, SlotClaim> {
  const claims = new Map<number, SlotClaim>();
  if (!existsSync(registry)) return claims;
  for (const name of readdirSync(registry)) {
    const match = /^(\d+)\.json$/.exec(name);
    if (!match) continue;
    const claim = readJson<SlotClaim>(join(registry, name));
    if (claim && isAlive(claim.pid)) claims.set(Number(match[1]), claim);
  }
  return claims;
}

/** The lowest slot no live cloud on this host holds. */
export function pickSlot(registry = slotRegistry()): number {
  const slot = freeSlot(liveClaims(registry).keys());
  if (slot === undefined)
    throw new CloudCliError('every address slot of this host is in use by another local cloud.');
  return slot;
}

/** Claims `slot` for this process; fails if another live cloud holds it. Returns the release. */
export function claimSlot(slot: number, dataDir: string, registry = slotRegistry()): () => void {
  ensureRegistry(registry);
  const file = join(registry, `${slot}.json`);
  const claim: SlotClaim = { pid: process.pid, dataDir, user: userInfo().username };
  const existing = readJson<SlotClaim>(file);
  if (existing && existing.pid !== process.pid && isAlive(existing.pid)) {
    throw new CloudCliError(
      `address slot ${slot} (127.${slot}.x.x, 10.${slot}.0.x) is in use by the local cloud in ${existing.dataDir} (pid ${existing.pid}, user ${existing.user}). Stop that one, or use another --data-dir.`,
    );
  }
  // A stale claim of another user's cannot be replaced in a sticky directory; removing it fails too.
  try {
    rmSync(file, { force: true });
    writeFileSync(file, JSON.stringify(claim), { flag: 'wx', mode: 0o644 });
  } catch (error) {
    throw new CloudCliError(`cannot claim address slot ${slot} in ${registry}: ${(error as Error).message}`);
  }
  return () => {
    const current = readJson<SlotClaim>(file);
    if (current?.pid === process.pid) rmSync(file, { force: true });
  };
}

// ---------------------------------------------------------------------------------------------
// What clients are given.

export interface CloudCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
}

export function credentialsOf(state: CloudState, run: RunInfo): CloudCredentials {
  const user = state.users[0];
  const project = user && state.projects.find((p) => p.id === user.defaultProjectId);
  if (!user || !project)
    throw new CloudCliError('the cloud state has no user; run `faafo-tutor cloud reset`.');
  return {
    authUrl: run.endpoints.identity,
    username: user.name,
    password: user.password,
    projectName: project.name,
  };
}

export function cloudsYamlEntry(c: CloudCredentials) {
  return {
    auth: {
      auth_url: c.authUrl,
      username: c.username,
      password: c.password,
      project_name: c.projectName,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    },
    region_name: 'RegionOne',
    interface: 'public',
    identity_api_version: 3,
  };
}

/** The OS_* variables, in the order openrc files list them. */
export function envVariables(c: CloudCredentials): Array<[string, string]> {
  return [
    ['OS_AUTH_URL', c.authUrl],
    ['OS_USERNAME', c.username],
    ['OS_PASSWORD', c.password],
    ['OS_PROJECT_NAME', c.projectName],
    ['OS_USER_DOMAIN_NAME', 'Default'],
    ['OS_PROJECT_DOMAIN_NAME', 'Default'],
    ['OS_REGION_NAME', 'RegionOne'],
    ['OS_IDENTITY_API_VERSION', '3'],
  ];
}

const shellQuote = (value: string) =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** `export OS_…` lines for eval; stale variables of another cloud that would override them are unset first. */
export function envScript(c: CloudCredentials): string {
  const lines = [
    'unset OS_CLOUD OS_TOKEN OS_AUTH_TYPE OS_PROJECT_ID OS_TENANT_ID OS_TENANT_NAME OS_DOMAIN_NAME OS_DOMAIN_ID',
  ];
  for (const [name, value] of envVariables(c)) lines.push(`export ${name}=${shellQuote(value)}`);
  return `${lines.join('\n')}\n`;
}

function writeClientFiles(paths: CloudPaths, c: CloudCredentials): void {
  const doc = parseDocument('clouds: {}\n');
  doc.setIn(['clouds', CLOUD_NAME], cloudsYamlEntry(c));
  writeFileAtomic(paths.cloudsYaml, `# The faafo-tutor local cloud (faafo-tutor cloud up).\n${String(doc)}`);
  writeFileAtomic(
    paths.openrc,
    `# The faafo-tutor local cloud: source this file, or eval "$(faafo-tutor cloud env)".\n${envScript(c)}`,
  );
}

/** Adds or replaces the `faafo-local` entry of ~/.config/openstack/clouds.yaml, keeping the rest as it is. */
export function mergeUserCloudsYaml(c: CloudCredentials, env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const file = join(configHome, 'openstack', 'clouds.yaml');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text.trim() === '' ? 'clouds: {}\n' : text);
  if (doc.errors.length > 0) {
    throw new CloudCliError(
      `${file} is not valid YAML (${doc.errors[0]!.message}); fix it or remove it first.`,
    );
  }
  doc.setIn(['clouds', CLOUD_NAME], cloudsYamlEntry(c));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, String(doc));
  return file;
}

// ---------------------------------------------------------------------------------------------
// serve: the cloud in this process.

export interface ServeOptions {
  dataDir: string;
  host?: string;
  /** For a new cloud; an existing one keeps its slot. Default: the lowest free one on this host. */
  slot?: number;
  ports?: Partial<Record<ServiceName, number>>;
  log?: (line: string) => void;
  /** Real engines; by default the data dir's backends.json (see saveBackends). */
  backends?: BackendUrls;
  /** The user of a new cloud (default demo/password, project demo); an existing one keeps its own. */
  credentials?: Partial<Credentials>;
}

export interface ServingCloud {
  cloud: LocalCloud;
  run: RunInfo;
  stop(): Promise<void>;
}

export async function serveCloud(options: ServeOptions): Promise<ServingCloud> {
  const paths = cloudPaths(options.dataDir);
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  const other = runningCloud(paths);
  if (other && other.pid !== process.pid) {
    throw new CloudCliError(`the local cloud in ${paths.dataDir} is already running (pid ${other.pid}).`);
  }
  const existingSlot = readState(paths)?.slot;
  if (existingSlot !== undefined && options.slot !== undefined && options.slot !== existingSlot) {
    throw new CloudCliError(
      `the cloud in ${paths.dataDir} uses slot ${existingSlot}; \`faafo-tutor cloud reset\` it to choose another.`,
    );
  }
  const slot = existingSlot ?? options.slot ?? pickSlot();
  if (!Number.isInteger(slot) || slot < MIN_SLOT || slot > MAX_SLOT) {
    throw new CloudCliError(`the slot must be a whole number from ${MIN_SLOT} to ${MAX_SLOT}.`);
  }
  const release = claimSlot(slot, paths.dataDir);
  const previous = readRunInfo(paths);
  const portOf = (url: string | undefined) => (url ? Number(new URL(url).port) || undefined : undefined);
  // The last run's ports keep the URLs in clouds.yaml, notebooks and cached tokens valid.
  const preferredPorts = previous
    ? {
        identity: portOf(previous.endpoints.identity),
        compute: portOf(previous.endpoints.compute),
        network: portOf(previous.endpoints.network),
        image: portOf(previous.endpoints.image),
      }
    : DEVSTACK_PORTS;
  const backends = options.backends ?? readBackends(paths);
  let cloud: LocalCloud;
  try {
    try {
      validateBackendUrls(backends);
    } catch (error) {
      throw new CloudCliError((error as Error).message);
    }
    const shown = shownBackends(backends);
    if (shown.rabbitmqUrl) options.log?.(`messaging: the configured RabbitMQ ${shown.rabbitmqUrl}`);
    if (shown.mysqlUrl) options.log?.(`database: the configured MariaDB ${shown.mysqlUrl}`);
    cloud = await startLocalCloud({
      dataDir: paths.dataDir,
      host: options.host ?? '127.0.0.1',
      slot,
      ports: options.ports,
      preferredPorts,
      log: options.log,
      backends,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  } catch (error) {
    release();
    throw error;
  }
  const run: RunInfo = {
    pid: process.pid,
    slot,
    host: options.host ?? '127.0.0.1',
    endpoints: cloud.endpoints,
    dataDir: paths.dataDir,
    startedAt: new Date().toISOString(),
  };
  writeFileAtomic(paths.run, `${JSON.stringify(run, null, 2)}\n`);
  let stopping: Promise<void> | undefined;
  return {
    cloud,
    run,
    stop() {
      stopping ??= (async () => {
        try {
          await cloud.close();
        } finally {
          writeFileAtomic(paths.run, `${JSON.stringify({ ...run, pid: null }, null, 2)}\n`);
          release();
        }
      })();
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// up / down / status / env / reset

export interface UpOptions {
  dataDir: string;
  slot?: number;
  /** Also add the entry to ~/.config/openstack/clouds.yaml. */
  userCloudsYaml?: boolean;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** A real RabbitMQ (amqp://user:pass@host:5672/vhost); else $FAAFO_CLOUD_RABBITMQ_URL; '' removes it. */
  rabbitmqUrl?: string;
  /** A real MariaDB (mysql://user:pass@host:3306/); else $FAAFO_CLOUD_MYSQL_URL; '' removes it. */
  mysqlUrl?: string;
}

function logTail(paths: CloudPaths, lines = 15): string {
  try {
    return readFileSync(paths.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function answers(identityUrl: string): Promise<boolean> {
  try {
    const response = await fetch(identityUrl, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 300;
  } catch {
    return false;
  }
}

function backendLines(backends: BackendUrls): string[] {
  const shown = shownBackends(backends);
  return [
    ...(shown.rabbitmqUrl ? [`messaging (-i messaging): the configured RabbitMQ ${shown.rabbitmqUrl}`] : []),
    ...(shown.mysqlUrl ? [`database (-i database): the configured MariaDB ${shown.mysqlUrl}`] : []),
  ];
}

export async function cloudUp(options: UpOptions, io: CloudIo): Promise<RunInfo> {
  const paths = cloudPaths(options.dataDir);
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  const env = options.env ?? process.env;
  const given = {
    rabbitmqUrl: options.rabbitmqUrl ?? env.FAAFO_CLOUD_RABBITMQ_URL,
    mysqlUrl: options.mysqlUrl ?? env.FAAFO_CLOUD_MYSQL_URL,
  };
  const changed = given.rabbitmqUrl !== undefined || given.mysqlUrl !== undefined;
  const before = JSON.stringify(readBackends(paths));
  const backends = saveBackends(paths, given);
  const already = runningCloud(paths);
  if (already && changed && JSON.stringify(backends) !== before) {
    io.stdout.write(
      'The configured RabbitMQ/MariaDB changed; they apply from the next start (faafo-tutor cloud down, then up).\n',
    );
  }
  const run: RunInfo = already ?? (await startDetached(paths, options));
  io.stdout.write(
    already
      ? `The local cloud is already running (pid ${run.pid}), data in ${paths.dataDir}.\n`
      : `The local cloud is up (pid ${run.pid}), data in ${paths.dataDir}.\n`,
  );
  const state = readState(paths);
  if (!state) throw new CloudCliError(`the cloud wrote no state in ${paths.dataDir}; see ${paths.log}.`);
  const credentials = credentialsOf(state, run);
  writeClientFiles(paths, credentials);
  const lines = [
    '',
    ...(['identity', 'compute', 'network', 'image'] as const).map(
      (s) => `  ${s.padEnd(9)} ${run.endpoints[s]}`,
    ),
    '',
    `  user ${credentials.username} / ${credentials.password}, project ${credentials.projectName}, region RegionOne`,
    '',
    `For the openstack CLI:  eval "$(faafo-tutor cloud env)"   (or: source ${paths.openrc})`,
    `clouds.yaml entry '${CLOUD_NAME}': ${paths.cloudsYaml}`,
    ...backendLines(backends),
  ];
  if (options.userCloudsYaml) {
    const file = mergeUserCloudsYaml(credentials, options.env);
    lines.push(`                and in ${file} (openstack --os-cloud ${CLOUD_NAME} …)`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return run;
}

async function startDetached(paths: CloudPaths, options: UpOptions): Promise<RunInfo> {
  const args = [TUTOR_BIN, 'cloud', 'serve', '--data-dir', paths.dataDir];
  if (options.slot !== undefined) args.push('--slot', String(options.slot));
  const logFd = openSync(paths.log, 'a', 0o600);
  let exited: string | undefined;
  const child = spawn(process.execPath, args, {
    cwd: paths.dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: options.env ?? process.env,
  });
  closeSync(logFd);
  child.on('exit', (code, signal) => {
    exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  child.on('error', (error) => {
    exited = `could not start: ${error.message}`;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    while (Date.now() < deadline) {
      if (exited) break;
      const run = readRunInfo(paths);
      if (run && run.pid === child.pid && (await answers(run.endpoints.identity))) return run;
      await sleep(100);
    }
  } finally {
    child.unref();
  }
  if (!exited && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  const tail = logTail(paths);
  throw new CloudCliError(
    `the local cloud ${exited ?? 'did not answer in time'}.${tail ? ` Its log (${paths.log}) ends with:\n${tail}` : ''}`,
  );
}

function nodeDirs(paths: CloudPaths): string[] {
  if (!existsSync(paths.nodes)) return [];
  return readdirSync(paths.nodes, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(paths.nodes, entry.name));
}

/** Ends what a cloud that could not stop cleanly left behind: node processes recorded in pid files. */
function reapNodes(paths: CloudPaths): number {
  let reaped = 0;
  for (const dir of nodeDirs(paths)) reaped += reapStale(join(dir, 'run'), dir).length;
  return reaped;
}

export async function cloudDown(
  options: { dataDir: string; timeoutMs?: number },
  io: CloudIo,
): Promise<boolean> {
  const paths = cloudPaths(options.dataDir);
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

export interface NodeStatus {
  id: string;
  name: string;
  status: string;
  fixedIp: string;
  publicIp: string;
  floatingIps: string[];
  processes: number;
  fault?: string;
}

function liveProcesses(paths: CloudPaths, serverId: string): number {
  const runDir = join(paths.nodes, serverId, 'run');
  if (!existsSync(runDir)) return 0;
  let count = 0;
  for (const name of readdirSync(runDir)) {
    if (!name.endsWith('.pid')) continue;
    const pid = Number.parseInt(readFileSync(join(runDir, name), 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 1 && isAlive(pid)) count++;
  }
  return count;
}

export function nodeStatuses(paths: CloudPaths): NodeStatus[] {
  const state = readState(paths);
  if (!state) return [];
  return state.servers.map((server) => ({
    id: server.id,
    name: server.name,
    status: server.status,
    fixedIp: server.fixedIp,
    publicIp: server.loopbackIp,
    floatingIps: state.floatingIps.filter((f) => f.serverId === server.id).map((f) => f.address),
    processes: liveProcesses(paths, server.id),
    ...(server.fault ? { fault: server.fault.message } : {}),
  }));
}

export function cloudStatus(options: { dataDir: string; json?: boolean }, io: CloudIo): void {
  const paths = cloudPaths(options.dataDir);
  const run = runningCloud(paths);
  const nodes = nodeStatuses(paths);
  const backends = readBackends(paths);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ running: Boolean(run), pid: run?.pid ?? null, dataDir: paths.dataDir, endpoints: run?.endpoints ?? null, backends: shownBackends(backends), nodes }, null, 2)}\n`,
    );
    return;
  }
  const lines: string[] = [];
  if (run) {
    lines.push(`The local cloud is running (pid ${run.pid}, slot ${run.slot}), data in ${paths.dataDir}.`);
    for (const s of ['identity', 'compute', 'network', 'image'] as const)
      lines.push(`  ${s.padEnd(9)} ${run.endpoints[s]}`);
    for (const line of backendLines(backends)) lines.push(`  ${line}`);
  } else {
    lines.push(
      `The local cloud is not running (data in ${paths.dataDir}). Start it with 'faafo-tutor cloud up'.`,
    );
  }
  if (nodes.length === 0) {
    lines.push('', 'No nodes.');
  } else {
    const rows = [
      ['NAME', 'STATUS', 'PRIVATE', 'PUBLIC', 'FLOATING', 'PROCESSES'],
      ...nodes.map((n) => [
        n.name,
        n.status,
        n.fixedIp,
        n.publicIp,
        n.floatingIps.join(',') || '-',
        String(n.processes),
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    lines.push(
      '',
      ...rows.map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      ),
    );
    for (const n of nodes) if (n.fault) lines.push(`  ${n.name}: ${n.fault}`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}

export function cloudEnv(options: { dataDir: string }, io: CloudIo): void {
  const paths = cloudPaths(options.dataDir);
  const run = runningCloud(paths);
  const state = readState(paths);
  if (!run || !state) {
    throw new CloudCliError(
      `the local cloud in ${paths.dataDir} is not running. Start it with 'faafo-tutor cloud up'.`,
    );
  }
  io.stdout.write(envScript(credentialsOf(state, run)));
}

/** What a data dir holds; reset removes only these, so a mistaken --data-dir loses nothing else. */
const OWNED = ['state.json', 'cloud.json', 'cloud.log', 'clouds.yaml', 'openrc', 'nodes', 'backends.json'];

export async function cloudReset(options: { dataDir: string }, io: CloudIo): Promise<void> {
  const paths = cloudPaths(options.dataDir);
  if (runningCloud(paths)) await cloudDown(options, io);
  else reapNodes(paths);
  if (!existsSync(paths.dataDir)) {
    io.stdout.write(`Nothing to reset: ${paths.dataDir} does not exist.\n`);
    return;
  }
  for (const name of readdirSync(paths.dataDir)) {
    if (
      OWNED.includes(name) ||
      /^(state\.json|cloud\.json|clouds\.yaml|openrc|backends\.json)\..*\.tmp$/.test(name)
    ) {
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
