// The guide's other SDK tab: "Scaling out" step-1 … step-6 written for openstacksdk's cloud layer
// (openstack.connect(), which shade became; test/fixtures/guide/scaling_out_shade.py) and run by
// Debian's python3-openstacksdk 0.101 against a fresh local cloud, through the clouds.yaml entry the
// cloud gives its users. The SDK negotiates compute microversion 2.47 and sends `networks: "auto"`,
// so this is the end-to-end test of the microversions as well. Then the app it built is driven from
// outside (a fractal made through app-api-1's floating IP is rendered by a worker), and the rest of
// the cloud layer and the proxy layer are exercised on the same cloud.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CLOUD_NAME, cloudsYamlEntry } from '../../src/localcloud/control/client-files.ts';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import { DEFAULT_CREDENTIALS, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';
import { FAAFO_BIN, PACKAGE_ROOT } from '../../src/shared/bins.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';
import { serviceAvailable } from '../helpers/services.ts';
import { opensshPublicKey } from '../helpers/ssh-key.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(PACKAGE_ROOT, 'test', 'fixtures', 'guide', 'scaling_out_shade.py');
const NODES = ['app-services', 'app-api-1', 'app-api-2', 'app-worker-1', 'app-worker-2', 'app-worker-3'];
const WORKERS = ['app-worker-1', 'app-worker-2', 'app-worker-3'];

const hasSdk = await serviceAvailable("openstacksdk (Debian's python3-openstacksdk)", () =>
  run(PYTHON, ['-c', 'import openstack'], { env: cleanEnv({}) }).then(
    () => true,
    () => false,
  ),
);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe.runIf(hasSdk)("the guide's scaling-out steps, run by openstacksdk's cloud layer", () => {
  let cloud: TestCloud;
  let env: NodeJS.ProcessEnv;

  /** Runs Python with the SDK against the cloud; fails with its output and the nodes' state. */
  async function python(args: string[], timeout: number): Promise<string> {
    const started = Date.now();
    const result = await run(PYTHON, args, { env, timeout }).catch(
      (error: { stdout?: string; stderr?: string; signal?: string }) => {
        const servers = cloud.serving.cloud.store.read().servers.map((s) => `${s.name}: ${s.status}`);
        throw new Error(
          `python ${args[0]} failed after ${((Date.now() - started) / 1000).toFixed(0)} s` +
            `${error.signal ? ` (${error.signal})` : ''}\n--- its output\n${error.stdout ?? ''}\n` +
            `--- its errors (last 4000 characters)\n${(error.stderr ?? '').slice(-4000)}\n` +
            `--- the nodes\n${servers.join('\n')}`,
        );
      },
    );
    return result.stdout;
  }

  beforeAll(async () => {
    cloud = await startTestCloud('localcloud-sdk-');
    // The entry `faafo-tutor cloud up` writes (control/client-files.ts), in a clouds.yaml of its own.
    const cloudsYaml = join(cloud.dir, 'clouds.yaml');
    const entry = cloudsYamlEntry({
      authUrl: cloud.serving.cloud.endpoints.identity,
      username: DEFAULT_CREDENTIALS.username,
      password: DEFAULT_CREDENTIALS.password,
      projectName: DEFAULT_CREDENTIALS.projectName,
    });
    writeFileSync(cloudsYaml, stringify({ clouds: { [CLOUD_NAME]: entry } }));
    const flavor = cloud.serving.cloud.store.read().flavors.find((f) => f.name === 'm1.tiny')!;
    env = cleanEnv({
      HOME: cloud.dir,
      OS_CLIENT_CONFIG_FILE: cloudsYaml,
      OS_CLOUD: CLOUD_NAME,
      FAAFO_IMAGE_ID: UBUNTU_IMAGE_ID,
      FAAFO_FLAVOR_ID: flavor.id,
      // The key pair the guide imported in an earlier section.
      FAAFO_PUBLIC_KEY: opensshPublicKey('sdk-test'),
    });
  }, 60_000);

  afterAll(async () => {
    await cloud?.close();
  }, 60_000);

  const state = () => cloud.serving.cloud.store.read();
  let floating: Record<string, string>;

  it('runs step-1 … step-6 to completion, six servers ACTIVE', { timeout: 240_000 }, async () => {
    const started = Date.now();
    const output = await python([SCRIPT], 210_000);
    console.log(`openstacksdk's step-1 … step-6 took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    floating = {};
    for (const m of output.matchAll(/^allocated (\S+) to (\S+)$/gm)) floating[m[2]!] = m[1]!;
    expect(Object.keys(floating).sort()).toEqual(['app-api-1', 'app-api-2']);
    expect(output).toMatch(/^api_1_ip 10\.\d+\.0\.\d+$/m);
    const servers = state().servers;
    expect(servers.map((s) => s.name).sort()).toEqual([...NODES].sort());
    expect(servers.every((s) => s.status === 'ACTIVE')).toBe(true);
    // Each floating IP is on its server's private port, as the SDK's NAT destination is `private`.
    for (const [name, address] of Object.entries(floating)) {
      const server = servers.find((s) => s.name === name)!;
      const fip = state().floatingIps.find((f) => f.address === address)!;
      expect(fip).toMatchObject({ serverId: server.id, fixedAddress: server.fixedIp });
    }
  });

  it("made the four security groups with the script's rules and nothing else", () => {
    const s = state();
    const project = s.users[0]!.defaultProjectId;
    const groups = s.securityGroups.filter((g) => g.projectId === project);
    expect(groups.map((g) => g.name).sort()).toEqual(['api', 'control', 'default', 'services', 'worker']);
    const name = (id: string | null) => groups.find((g) => g.id === id)?.name ?? null;
    const ingress = (group: string) => {
      const id = groups.find((g) => g.name === group)!.id;
      return s.securityGroupRules
        .filter((r) => r.groupId === id && r.direction === 'ingress')
        .map(
          (r) => `${r.protocol} ${r.portMin}-${r.portMax} from ${name(r.remoteGroupId) ?? r.remoteIpPrefix}`,
        )
        .sort();
    };
    expect(ingress('api')).toEqual(['tcp 22-22 from null', 'tcp 80-80 from null']);
    expect(ingress('worker')).toEqual(['tcp 22-22 from null']);
    expect(ingress('control')).toEqual([
      'tcp 22-22 from null',
      'tcp 5672-5672 from worker',
      'tcp 80-80 from null',
    ]);
    expect(ingress('services')).toEqual([
      'tcp 22-22 from null',
      'tcp 3306-3306 from api',
      'tcp 5672-5672 from api',
      'tcp 5672-5672 from worker',
    ]);
    // And Neutron's two default egress rules (IPv4, IPv6) on each, nothing else.
    for (const group of ['api', 'worker', 'control', 'services']) {
      const id = groups.find((g) => g.name === group)!.id;
      const egress = s.securityGroupRules.filter((r) => r.groupId === id && r.direction === 'egress');
      expect(egress.map((r) => [r.ethertype, r.protocol, r.remoteIpPrefix, r.remoteGroupId])).toEqual([
        ['IPv4', null, null, null],
        ['IPv6', null, null, null],
      ]);
    }
  });

  it("renders a fractal made through app-api-1's floating IP on a worker", { timeout: 60_000 }, async () => {
    const port = (await (cloud.serving.cloud.runtime as LocalNodeRuntime).servicePorts()).api;
    const api1 = `http://${floating['app-api-1']}:${port}`;
    const { stdout } = await run(
      process.execPath,
      [FAAFO_BIN, '--endpoint-url', api1, 'create', '--tasks', '3', '--width', '128', '--height', '128'],
      { env: cleanEnv({}), timeout: 30_000 },
    );
    const uuids = [...stdout.matchAll(/^\| ([0-9a-f-]{36}) \|/gm)].map((m) => m[1]!);
    expect(uuids).toHaveLength(3);
    type Fractal = { checksum: string | null; generated_by: string | null };
    const done = await waitFor(
      'the fractals rendered',
      async () => {
        const fractals = await Promise.all(
          uuids.map(async (uuid) => (await (await fetch(`${api1}/v1/fractal/${uuid}`)).json()) as Fractal),
        );
        return fractals.every((f) => f.checksum) ? fractals : undefined;
      },
      45_000,
    );
    for (const f of done) expect(WORKERS).toContain(f.generated_by);
  });

  it('answers the rest of the cloud layer and the proxy layer', { timeout: 120_000 }, async () => {
    const script = `
import json, openstack
conn = openstack.connect()
out = {}
extra = conn.create_server('app-extra', image='${UBUNTU_IMAGE_ID}', flavor='m1.tiny', wait=True, auto_ip=True)
out['extra'] = [extra['status'], extra['flavor']['original_name'], extra['public_v4'], extra['private_v4']]
out['console'] = conn.get_server_console(extra)
out['servers'] = sorted(s.name for s in conn.compute.servers())
out['groups'] = sorted(g.name for g in conn.network.security_groups())
out['limits'] = conn.get_compute_limits()['total_instances_used']
api2 = conn.get_server('app-api-2')
out['api2'] = api2['public_v4']
# By id, as the guide's step-1 deletes: by name the SDK finds the server through GET /servers?name=,
# whose entries (Nova's too) carry no addresses, so it would see no floating IP to delete.
out['deleted'] = conn.delete_server(api2.id, wait=True, delete_ips=True)
out['fips'] = sorted(f['floating_ip_address'] for f in conn.list_floating_ips())
print(json.dumps(out))
`;
    const out = JSON.parse(await python(['-c', script], 100_000));
    const extra = state().servers.find((s) => s.name === 'app-extra')!;
    // With auto_ip the SDK takes an address on a network named `public` as the server's public one
    // (every node here has one, its loopback address, where it answers), so it allocates no floating IP.
    expect(out.extra).toEqual(['ACTIVE', 'm1.tiny', extra.loopbackIp, extra.fixedIp]);
    const firstLine = String(out.console).split('\n')[0]!;
    expect(firstLine).not.toBe('');
    expect(cloud.serving.cloud.runtime.consoleOutput(extra.id)).toContain(firstLine);
    expect(out.servers).toEqual([...NODES, 'app-extra'].sort());
    expect(out.groups).toEqual(['api', 'control', 'default', 'services', 'worker']);
    expect(out.limits).toBe(NODES.length + 1);
    expect(out.api2).toBe(floating['app-api-2']);
    expect(out.deleted).toBe(true);
    expect(state().servers.some((s) => s.name === 'app-api-2')).toBe(false);
    // delete_ips: app-api-2's floating IP went with it; app-api-1's stays.
    expect(out.fips).toEqual([floating['app-api-1']]);
  });
});
