// A local cloud for an end-to-end test: its own temp data dir, its own address slot (claimed in the
// host's registry, so it runs beside a developer's cloud and other test files), any free ports.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ServingCloud, serveCloud } from '../../src/localcloud/control/serve.ts';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import type { Credentials } from '../../src/localcloud/server.ts';
import { DEFAULT_CREDENTIALS } from '../../src/localcloud/store.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { isAlive } from '../../src/shared/process-alive.ts';

const runFile = promisify(execFile);

export interface TestCloud {
  serving: ServingCloud;
  dir: string;
  dataDir: string;
  /** The OS_* variables the real clients read. */
  osEnv: Record<string, string>;
  /**
   * What the cloud saw, for a failing test's message: its runtime log (floating IPs that could not
   * listen, nodes' status changes), the floating-IP routes in place and each node's console tail.
   */
  diagnostics(): string;
  /** Stops the cloud, checks that no node process survives, and removes the data dir. */
  close(): Promise<void>;
}

export { isAlive };

/** Every pid file the nodes of dataDir wrote. */
export function nodePids(dataDir: string): number[] {
  const pids: number[] = [];
  const nodes = join(dataDir, 'nodes');
  for (const id of existsSync(nodes) ? readdirSync(nodes) : []) {
    const runDir = join(nodes, id, 'run');
    if (!existsSync(runDir)) continue;
    for (const f of readdirSync(runDir))
      if (f.endsWith('.pid')) pids.push(Number(readFileSync(join(runDir, f), 'utf8')));
  }
  return pids;
}

/** The environment without the caller's own OS_* (a real cloud of the developer must not leak in). */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  return { ...base, ...extra };
}

export async function startTestCloud(
  prefix: string,
  credentials: Credentials = DEFAULT_CREDENTIALS,
): Promise<TestCloud> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, 'cloud');
  const ports = { identity: 0, compute: 0, network: 0, image: 0 };
  // Its own slot: of test files starting clouds at once, each claims a different one (control/slots.ts).
  const logLines: string[] = [];
  const log = (line: string) => {
    logLines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (logLines.length > 400) logLines.shift();
  };
  const serving = await serveCloud({ dataDir, ports, credentials, log });
  const osEnv = {
    OS_AUTH_URL: serving.cloud.endpoints.identity,
    OS_USERNAME: credentials.username,
    OS_PASSWORD: credentials.password,
    OS_PROJECT_NAME: credentials.projectName,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
    OS_IDENTITY_API_VERSION: '3',
  };
  const cloud = serving;
  return {
    serving: cloud,
    dir,
    dataDir,
    osEnv,
    diagnostics() {
      const runtime = cloud.cloud.runtime as Partial<LocalNodeRuntime>;
      const routes = runtime.routes?.().map((r) => `${r.listen} → ${r.target}`) ?? [];
      const consoles = cloud.cloud.store
        .read()
        .servers.filter((s) => s.status !== 'DELETED')
        .map((s) => {
          const file = join(dataDir, 'nodes', s.id, 'console.log');
          const tail = existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-25).join('\n') : '';
          return `--- ${s.name} (${s.status}) console:\n${tail}`;
        });
      return [
        '--- cloud log (last 60 lines):',
        ...logLines.slice(-60),
        `--- floating-IP routes: ${routes.join(', ') || 'none'}`,
        ...consoles,
      ].join('\n');
    },
    async close() {
      const pids = nodePids(dataDir);
      await cloud.stop();
      const survivors = pids.filter(isAlive);
      rmSync(dir, { recursive: true, force: true });
      if (survivors.length > 0) throw new Error(`node processes survived close: ${survivors.join(', ')}`);
    },
  };
}

/** A Keystone v3 password token for the cloud's user, as the OSC asks for one. */
export async function issueV3Token(
  identityUrl: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  const res = await fetch(`${identityUrl}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: env.OS_USERNAME, password: env.OS_PASSWORD, domain: { name: 'Default' } },
          },
        },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: 'Default' } } },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token)
    throw new Error(`Keystone answered ${res.status} to a password token request.`);
  return token;
}

/** `faafo-tutor …` in a new process; its exit code and output, never a throw. */
export async function runTutor(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 150_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await runFile(process.execPath, [TUTOR_BIN, ...args], {
      env,
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
