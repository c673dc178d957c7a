// The OpenStack First App guide's own "Scaling out" code (step-1 … step-6, libcloud, as printed)
// run unchanged by Apache libcloud 3.4.1 (Debian python3-libcloud) against the local cloud; then
// the fractal app it built is driven from outside: fractals created through app-api-1's floating
// IP are rendered by the three workers and served by app-api-2 as well (one shared database).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFreeSlot } from '../../src/localcloud/control/slots.ts';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import { type LocalCloud, startLocalCloud } from '../../src/localcloud/server.ts';
import { DEFAULT_CREDENTIALS, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';
import { FAAFO_BIN, PACKAGE_ROOT } from '../../src/shared/bins.ts';
import { issueV3Token } from '../helpers/localcloud.ts';
import { serviceAvailable } from '../helpers/services.ts';
import { opensshPublicKey } from '../helpers/ssh-key.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const GUIDE = join(PACKAGE_ROOT, 'test', 'fixtures', 'guide', 'scaling_out.py');
const NODES = ['app-services', 'app-api-1', 'app-api-2', 'app-worker-1', 'app-worker-2', 'app-worker-3'];
const WORKERS = ['app-worker-1', 'app-worker-2', 'app-worker-3'];

/** The environment without the caller's own OS_* (a real cloud of the developer must not leak in). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  return { ...base, ...extra };
}

/** A zombie is dead: an orphan waits there until init reaps it, which some inits do slowly. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

const hasLibcloud = await serviceAvailable('Apache libcloud (Debian python3-libcloud)', () =>
  run(PYTHON, ['-c', 'import libcloud'], { env: cleanEnv({}) }).then(
    () => true,
    () => false,
  ),
);

describe.skipIf(!hasLibcloud)("the guide's scaling-out code, run by libcloud", () => {
  let dir: string;
  let cloud: LocalCloud | undefined;
  let releaseSlot: (() => void) | undefined;
  let osEnv: Record<string, string>;
  const pids = new Set<number>();

  const token = () => issueV3Token(cloud!.endpoints.identity, osEnv);

  async function api<T>(url: string): Promise<T> {
    const res = await fetch(url, { headers: { 'X-Auth-Token': await token() } });
    expect(res.status, url).toBe(200);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'localcloud-guide-'));
    const dataDir = join(dir, 'cloud');
    // Beside a developer's own local cloud: our own address slot, and any free ports.
    const { slot, release } = claimFreeSlot(dataDir);
    releaseSlot = release;
    cloud = await startLocalCloud({
      dataDir,
      slot,
      ports: { identity: 0, compute: 0, network: 0, image: 0 },
    });
    osEnv = {
      OS_AUTH_URL: cloud.endpoints.identity,
      OS_USERNAME: DEFAULT_CREDENTIALS.username,
      OS_PASSWORD: DEFAULT_CREDENTIALS.password,
      OS_PROJECT_NAME: DEFAULT_CREDENTIALS.projectName,
      OS_REGION_NAME: 'RegionOne',
    };
  });

  afterAll(async () => {
    await cloud?.close();
    releaseSlot?.();
    rmSync(dir, { recursive: true, force: true });
  });

  let output: string;
  let floating: Record<string, string>;

  /** Where each node is, and the end of its console for one that is not ACTIVE: what a failure needs. */
  async function nodeReport(): Promise<string> {
    const { servers } = await api<{ servers: Array<{ id: string; name: string; status: string }> }>(
      `${cloud!.endpoints.compute}/servers/detail`,
    );
    const lines = [];
    for (const s of servers) {
      lines.push(`${s.name}: ${s.status}`);
      if (s.status !== 'ACTIVE') lines.push(...cloud!.runtime.consoleOutput(s.id).split('\n').slice(-15));
    }
    return lines.join('\n');
  }

  it('runs step-1 … step-6 to completion', { timeout: 180_000 }, async () => {
    const flavor = cloud!.store.read().flavors.find((f) => f.name === 'm1.tiny')!;
    const started = Date.now();
    const result = await run(PYTHON, [GUIDE], {
      env: cleanEnv({
        ...osEnv,
        FAAFO_IMAGE_ID: UBUNTU_IMAGE_ID,
        FAAFO_FLAVOR_ID: flavor.id,
        // The key pair the guide imported in an earlier section.
        FAAFO_PUBLIC_KEY: opensshPublicKey('guide-test'),
      }),
      // libcloud waits up to 10 minutes for a node; a busy CI host boots six in well under two.
      timeout: 150_000,
    }).catch(async (error: { stdout?: string; stderr?: string; signal?: string }) => {
      throw new Error(
        `the guide's script failed after ${((Date.now() - started) / 1000).toFixed(0)} s` +
          `${error.signal ? ` (${error.signal})` : ''}\n--- its output\n${error.stdout ?? ''}\n` +
          `--- its errors\n${error.stderr ?? ''}\n--- the nodes\n${await nodeReport()}`,
      );
    });
    console.log(`the guide's step-1 … step-6 took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    output = result.stdout;
    floating = {};
    for (const m of output.matchAll(/^allocated (\S+) to (\S+)$/gm)) floating[m[2]!] = m[1]!;
    expect(Object.keys(floating).sort()).toEqual(['app-api-1', 'app-api-2']);
    expect(output).toMatch(/^api_1_ip 10\.\d+\.0\.\d+$/m);
  });

  it('made the four security groups with exactly the guide rules', async () => {
    type Group = { id: string; name: string; description: string };
    type Rule = {
      security_group_id: string;
      direction: string;
      protocol: string | null;
      port_range_min: number | null;
      port_range_max: number | null;
      remote_group_id: string | null;
      remote_ip_prefix: string | null;
    };
    const { security_groups: groups } = await api<{ security_groups: Group[] }>(
      `${cloud!.endpoints.network}/v2.0/security-groups`,
    );
    const byName = Object.fromEntries(groups.map((g) => [g.name, g]));
    expect(Object.keys(byName).sort()).toEqual(['api', 'control', 'default', 'services', 'worker']);
    const name = (id: string | null) => groups.find((g) => g.id === id)?.name ?? null;
    const { security_group_rules: rules } = await api<{ security_group_rules: Rule[] }>(
      `${cloud!.endpoints.network}/v2.0/security-group-rules`,
    );
    const ingress = (group: string) =>
      rules
        .filter((r) => r.security_group_id === byName[group]!.id && r.direction === 'ingress')
        .map(
          (r) =>
            `${r.protocol} ${r.port_range_min}-${r.port_range_max} from ${name(r.remote_group_id) ?? r.remote_ip_prefix}`,
        )
        .sort();
    expect(ingress('api')).toEqual(['tcp 22-22 from 0.0.0.0/0', 'tcp 80-80 from 0.0.0.0/0']);
    expect(ingress('worker')).toEqual(['tcp 22-22 from 0.0.0.0/0']);
    expect(ingress('control')).toEqual([
      'tcp 22-22 from 0.0.0.0/0',
      'tcp 5672-5672 from worker',
      'tcp 80-80 from 0.0.0.0/0',
    ]);
    expect(ingress('services')).toEqual([
      'tcp 22-22 from 0.0.0.0/0',
      'tcp 3306-3306 from api',
      'tcp 5672-5672 from api',
      'tcp 5672-5672 from worker',
    ]);
    // And Neutron's two default egress rules on each, nothing else.
    for (const group of ['api', 'worker', 'control', 'services']) {
      const egress = rules.filter(
        (r) => r.security_group_id === byName[group]!.id && r.direction === 'egress',
      );
      expect(egress.map((r) => [r.protocol, r.remote_ip_prefix, r.remote_group_id])).toEqual([
        [null, null, null],
        [null, null, null],
      ]);
    }
  });

  type Server = {
    id: string;
    name: string;
    status: string;
    addresses: Record<string, Array<{ addr: string; 'OS-EXT-IPS:type': string }>>;
  };

  it('booted the six nodes, all ACTIVE, with the floating IPs on app-api-1 and app-api-2', {
    timeout: 70_000,
  }, async () => {
    const servers = await waitFor(
      'every node ACTIVE',
      async () => {
        const { servers } = await api<{ servers: Server[] }>(`${cloud!.endpoints.compute}/servers/detail`);
        return servers.length === NODES.length && servers.every((s) => s.status === 'ACTIVE')
          ? servers
          : undefined;
      },
      60_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await nodeReport()}`);
    });
    expect(servers.map((s) => s.name).sort()).toEqual([...NODES].sort());
    const floatingOf = (name: string) =>
      Object.values(servers.find((s) => s.name === name)!.addresses)
        .flat()
        .filter((a) => a['OS-EXT-IPS:type'] === 'floating')
        .map((a) => a.addr);
    for (const name of NODES) expect(floatingOf(name)).toEqual(floating[name] ? [floating[name]] : []);
    for (const s of servers) for (const pid of (cloud!.runtime as LocalNodeRuntime).pids(s.id)) pids.add(pid);
    expect(pids.size).toBeGreaterThanOrEqual(NODES.length);
  });

  it('renders fractals created through app-api-1 on the three workers; app-api-2 serves them too', {
    timeout: 60_000,
  }, async () => {
    // The API listens on 8080 (port 80 needs root) unless that is taken: ask the runtime.
    const port = (await (cloud!.runtime as LocalNodeRuntime).servicePorts()).api;
    const api1 = `http://${floating['app-api-1']}:${port}`;
    const api2 = `http://${floating['app-api-2']}:${port}`;
    const { stdout } = await run(
      process.execPath,
      [FAAFO_BIN, '--endpoint-url', api1, 'create', '--tasks', '12', '--width', '256', '--height', '256'],
      { env: cleanEnv({}), timeout: 30_000 },
    );
    const uuids = [...stdout.matchAll(/^\| ([0-9a-f-]{36}) \|/gm)].map((m) => m[1]!);
    expect(uuids).toHaveLength(12);
    type Fractal = { state: string; checksum: string | null; generated_by: string | null };
    const done = await waitFor(
      'all 12 fractals rendered',
      async () => {
        const fractals = await Promise.all(
          uuids.map(async (uuid) => (await (await fetch(`${api1}/v1/fractal/${uuid}`)).json()) as Fractal),
        );
        return fractals.every((f) => f.checksum) ? fractals : undefined;
      },
      45_000,
    );
    const by = new Set(done.map((f) => f.generated_by!));
    expect(WORKERS).toEqual(expect.arrayContaining([...by]));
    expect(by.size).toBeGreaterThan(1);
    const image = await fetch(`${api2}/fractal/${uuids[0]}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('leaves no node process once the cloud is closed', async () => {
    await cloud!.close();
    await waitFor('every node process gone', async () => ([...pids].some(alive) ? undefined : true), 10_000);
  });
});
