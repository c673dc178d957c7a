// `faafo-tutor cloud` end to end, through the real binary: up (background, clouds.yaml, openrc),
// env for the real clients (the openstack CLI, libcloud, pkgcloud all authenticate with it), a node
// booted from userdata, down (nothing left running), up again (the same node ACTIVE with the same
// addresses, at the same URLs), reset (the data dir gone). The cloud claims its address slot in the
// host's real registry, so it runs beside a developer's own local cloud without colliding.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TUTOR_BIN as BIN } from '../../src/shared/bins.ts';
import { isAlive, issueV3Token } from '../helpers/localcloud.ts';

const run = promisify(execFile);
// pkgcloud ships no types; it is CommonJS.
const pkgcloud = createRequire(import.meta.url)('pkgcloud');
const OPENSTACK = '/usr/bin/openstack';
const PYTHON = '/usr/bin/python3';

let dir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;

/** The environment without the caller's own OS_* (a real cloud of the developer must not leak in). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  return { ...base, ...extra };
}

async function cloud(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, 'cloud', ...args], { env, timeout: 60_000 });
}

/** The pids of every process the cloud of dataDir has: the server and each node's. */
function cloudPids(): number[] {
  const pids: number[] = [];
  const info = JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8')) as { pid: number | null };
  if (info.pid) pids.push(info.pid);
  const nodes = join(dataDir, 'nodes');
  for (const id of existsSync(nodes) ? readdirSync(nodes) : []) {
    const runDir = join(nodes, id, 'run');
    if (!existsSync(runDir)) continue;
    for (const f of readdirSync(runDir))
      if (f.endsWith('.pid')) pids.push(Number(readFileSync(join(runDir, f), 'utf8')));
  }
  return pids;
}

function parseEnv(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of script.split('\n')) {
    const m = /^export (OS_\w+)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  return vars;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  const status = await run(process.execPath, [BIN, 'cloud', 'status'], { env }).catch(
    (e: Error) => e.message,
  );
  throw new Error(`timed out waiting for ${what}: ${typeof status === 'string' ? status : status.stdout}`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'localcloud-cli-'));
  dataDir = join(dir, 'cloud');
  env = cleanEnv({
    FAAFO_CLOUD_DIR: dataDir,
    XDG_CONFIG_HOME: join(dir, 'config'),
  });
});

afterAll(async () => {
  if (existsSync(join(dataDir, 'cloud.json'))) await cloud('down').catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe('faafo-tutor cloud', () => {
  let osEnv: Record<string, string>;
  let server: { id: string; fixedIp: string; loopbackIp: string };
  let endpoints: Record<string, string>;

  const token = () => issueV3Token(osEnv.OS_AUTH_URL!, osEnv);

  async function serverStatus(
    id: string,
  ): Promise<{ status: string; addresses: Record<string, Array<{ addr: string }>> }> {
    const res = await fetch(`${endpoints.compute}/servers/${id}`, {
      headers: { 'X-Auth-Token': await token() },
    });
    return (
      (await res.json()) as { server: { status: string; addresses: Record<string, Array<{ addr: string }>> } }
    ).server;
  }

  it('up starts it in the background and writes clouds.yaml, openrc and the user entry', async () => {
    const { stdout } = await cloud('up', '--user-clouds-yaml');
    expect(stdout).toMatch(/The local cloud is up \(pid \d+\)/);
    expect(stdout).toContain('eval "$(faafo-tutor cloud env)"');
    const yaml = parse(readFileSync(join(dataDir, 'clouds.yaml'), 'utf8'));
    expect(yaml.clouds['faafo-local']).toMatchObject({
      auth: { username: 'demo', password: 'password', project_name: 'demo', user_domain_name: 'Default' },
      region_name: 'RegionOne',
    });
    const user = parse(readFileSync(join(dir, 'config', 'openstack', 'clouds.yaml'), 'utf8'));
    expect(user.clouds['faafo-local']).toEqual(yaml.clouds['faafo-local']);
    expect(readFileSync(join(dataDir, 'openrc'), 'utf8')).toContain('export OS_AUTH_URL=http://127.0.0.1:');
    // Already up: says so, changes nothing.
    expect((await cloud('up')).stdout).toMatch(/already running/);
  });

  it('env prints the OS_* variables of the running cloud', async () => {
    osEnv = parseEnv((await cloud('env')).stdout);
    expect(Object.keys(osEnv)).toEqual([
      'OS_AUTH_URL',
      'OS_USERNAME',
      'OS_PASSWORD',
      'OS_PROJECT_NAME',
      'OS_USER_DOMAIN_NAME',
      'OS_PROJECT_DOMAIN_NAME',
      'OS_REGION_NAME',
      'OS_IDENTITY_API_VERSION',
    ]);
    expect(osEnv.OS_AUTH_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
    endpoints = JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8')).endpoints;
    expect(endpoints.identity).toBe(osEnv.OS_AUTH_URL);
    expect(state.users[0].name).toBe(osEnv.OS_USERNAME);
  });

  it.skipIf(!existsSync(OPENSTACK) && !process.env.CI)(
    'the openstack CLI issues a token and lists servers with that env, and with --os-cloud',
    async () => {
      const osc = (args: string[], extra: Record<string, string>) =>
        run(OPENSTACK, args, { env: cleanEnv({ ...extra, HOME: dir }), timeout: 60_000 });
      const issued = JSON.parse((await osc(['token', 'issue', '-f', 'json'], osEnv)).stdout);
      const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
      expect(issued.project_id).toBe(state.projects[0].id);
      expect(issued.user_id).toBe(state.users[0].id);
      expect(JSON.parse((await osc(['server', 'list', '-f', 'json'], osEnv)).stdout)).toEqual([]);
      const viaCloud = await osc(['--os-cloud', 'faafo-local', 'token', 'issue', '-f', 'json'], {
        XDG_CONFIG_HOME: join(dir, 'config'),
      });
      expect(JSON.parse(viaCloud.stdout).project_id).toBe(state.projects[0].id);
    },
  );

  it.skipIf(!existsSync(PYTHON) && !process.env.CI)(
    'libcloud authenticates with Keystone v2.0 (the guide) and v3, finding nova in the catalog',
    async () => {
      const script = `
import sys
from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider
for version in ('2.0_password', '3.x_password'):
    d = get_driver(Provider.OPENSTACK)(sys.argv[1], sys.argv[2], ex_tenant_name=sys.argv[3],
        ex_force_auth_url=sys.argv[4], ex_force_auth_version=version, ex_force_service_region='RegionOne')
    d.connection._populate_hosts_and_request_paths()
    print(version, 'http://%s:%s%s' % (d.connection.host, d.connection.port, d.connection.request_path))
`;
      const check = await run(PYTHON, ['-c', 'import libcloud'], { env: cleanEnv({}) }).then(
        () => true,
        () => false,
      );
      if (!check) return;
      const { stdout } = await run(
        PYTHON,
        ['-c', script, osEnv.OS_USERNAME!, osEnv.OS_PASSWORD!, osEnv.OS_PROJECT_NAME!, osEnv.OS_AUTH_URL!],
        { env: cleanEnv({}) },
      );
      expect(stdout.trim().split('\n')).toEqual([
        `2.0_password ${endpoints.compute}`,
        `3.x_password ${endpoints.compute}`,
      ]);
    },
  );

  it('pkgcloud authenticates with v2.0 (its default) and v3', async () => {
    const base = {
      provider: 'openstack',
      username: osEnv.OS_USERNAME!,
      password: osEnv.OS_PASSWORD!,
      authUrl: osEnv.OS_AUTH_URL!,
      region: 'RegionOne',
    };
    for (const options of [
      base,
      {
        ...base,
        keystoneAuthVersion: 'v3',
        domainName: 'Default',
        projectDomainName: 'Default',
        tenantName: 'demo',
      },
    ]) {
      const client = pkgcloud.compute.createClient(options as never) as unknown as {
        auth(cb: (err?: Error) => void): void;
        _identity: { token: { id: string } };
      };
      await new Promise<void>((resolve, reject) => client.auth((err) => (err ? reject(err) : resolve())));
      expect(client._identity.token.id).toMatch(/^gAAAAA/);
    }
  });

  it('status lists a node booted from userdata, with its addresses and processes', async () => {
    const userData = Buffer.from(
      '#!/usr/bin/env bash\ncurl -L -s https://opendev.org/openstack/faafo/raw/contrib/install.sh | bash -s -- \\\n    -i messaging\n',
    ).toString('base64');
    const imageRef = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')).images[0].id;
    const res = await fetch(`${endpoints.compute}/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Auth-Token': await token() },
      body: JSON.stringify({
        server: { name: 'app-services', imageRef, flavorRef: '2', user_data: userData },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const id = ((await res.json()) as { server: { id: string } }).server.id;
    await waitFor('ACTIVE', async () => ((await serverStatus(id)).status === 'ACTIVE' ? true : undefined));
    const status = JSON.parse((await cloud('status', '--json')).stdout);
    expect(status.running).toBe(true);
    expect(status.nodes).toEqual([
      expect.objectContaining({
        id,
        name: 'app-services',
        status: 'ACTIVE',
        fixedIp: expect.stringMatching(/^10\./),
      }),
    ]);
    expect(status.nodes[0].processes).toBeGreaterThanOrEqual(1);
    server = { id, fixedIp: status.nodes[0].fixedIp, loopbackIp: status.nodes[0].publicIp };
    const text = (await cloud('status')).stdout;
    expect(text).toMatch(/app-services\s+ACTIVE\s+10\.\d+\.0\.\d+\s+127\.\d+\.1\.\d+/);
  });

  it('status and up print the whole working URL of an API node (the port it published, not 80)', async () => {
    const userData = Buffer.from(
      `#!/usr/bin/env bash\ncurl -L -s https://opendev.org/openstack/faafo/raw/contrib/install.sh | bash -s -- \\\n    -i faafo -r api -m 'amqp://guest:guest@${server.fixedIp}:5672/'\n`,
    ).toString('base64');
    const imageRef = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')).images[0].id;
    const res = await fetch(`${endpoints.compute}/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Auth-Token': await token() },
      body: JSON.stringify({ server: { name: 'app-api-1', imageRef, flavorRef: '2', user_data: userData } }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const id = ((await res.json()) as { server: { id: string } }).server.id;
    await waitFor('ACTIVE', async () => ((await serverStatus(id)).status === 'ACTIVE' ? true : undefined));
    const status = JSON.parse((await cloud('status', '--json')).stdout) as {
      nodes: Array<{ id: string; publicIp: string; urls: string[] }>;
    };
    const api = status.nodes.find((n) => n.id === id)!;
    expect(api.urls).toHaveLength(1);
    const url = api.urls[0]!;
    // Its public address, on the port the node really listens on (80 needs root).
    expect(url).toMatch(new RegExp(`^http://${api.publicIp.replaceAll('.', '\\.')}:\\d+/$`));
    expect(url).not.toMatch(/:80\/$/);
    const text = (await cloud('status')).stdout;
    expect(text).toContain(`  app-api-1  ${url}\n`);
    expect((await cloud('up')).stdout).toContain(`  app-api-1  ${url}\n`);
    // The URL works: the gallery answers there.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    await page.arrayBuffer();
  });

  it('down stops the server and every node process', async () => {
    const pids = cloudPids();
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect((await cloud('down')).stdout).toMatch(/The local cloud is down\./);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect((await cloud('status')).stdout).toMatch(/not running/);
    await expect(cloud('env')).rejects.toMatchObject({ stderr: expect.stringMatching(/is not running/) });
  });

  it('up again brings the same node back ACTIVE, with the same addresses, at the same URLs', async () => {
    await cloud('up');
    expect(JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8')).endpoints).toEqual(endpoints);
    await waitFor('ACTIVE again', async () => {
      const s = await serverStatus(server.id);
      return s.status === 'ACTIVE' ? s : undefined;
    });
    const status = JSON.parse((await cloud('status', '--json')).stdout);
    expect(status.nodes[0]).toMatchObject({
      status: 'ACTIVE',
      fixedIp: server.fixedIp,
      publicIp: server.loopbackIp,
    });
    expect(status.nodes[0].processes).toBeGreaterThanOrEqual(1);
  });

  it('reset stops everything and wipes the data dir', async () => {
    const pids = cloudPids();
    expect((await cloud('reset')).stdout).toMatch(/is reset/);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('faafo-tutor cloud with a --data-dir that cannot be a directory', () => {
  it('every command prints one plain line naming the file in the way, exit code 1, never "unexpected"', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory\n');
    const dataDir = join(file, 'cloud');
    for (const command of ['up', 'status', 'down', 'env', 'reset']) {
      const failed = await cloud(command, '--data-dir', dataDir).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed, command).toBeDefined();
      expect(failed!.code, command).toBe(1);
      expect(failed!.stderr, command).toBe(
        `faafo-tutor cloud: cannot use ${dataDir} as the local cloud's data dir: ${file} is a file, not a directory. Choose another --data-dir (or $FAAFO_CLOUD_DIR).\n`,
      );
    }
  });
});
