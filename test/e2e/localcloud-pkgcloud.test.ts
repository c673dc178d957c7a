// pkgcloud 2.2.0 (npm, unchanged) against a local cloud started for this test: the guide's steps —
// flavors and images, a keypair, security groups with a port rule (Nova proxy) and a source-group
// rule (Neutron), a worker booted from base64 userdata, a floating IP through Nova's proxy, limits,
// and the teardown — with Keystone v2.0 (pkgcloud's default) and v3. The cloud's state must agree.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, nodePids, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

// pkgcloud ships no types; it is CommonJS.
const pkgcloud = createRequire(import.meta.url)('pkgcloud');

const WORKER_USERDATA = `#!/usr/bin/env bash
curl -L -s http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh | bash -s -- \\
-i faafo -r worker -e 'http://10.0.0.5' -m 'amqp://guest:guest@10.0.0.4:5672/'
`;
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkTqhFvE2xDwlEO8Uz9e4HLW7Q1lJ7bTbc3C2bX0a1p demo@faafo';

// biome-ignore lint/suspicious/noExplicitAny: pkgcloud's clients and models are untyped
type Any = any;

/** Calls a callback-style pkgcloud method as a promise. */
function call<T = Any>(client: Any, method: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](...args, (err: Error | null, value: T) => (err ? reject(err) : resolve(value))),
  );
}

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud('localcloud-pkgcloud-');
}, 60_000);

afterAll(async () => {
  await cloud?.close();
}, 60_000);

const state = () => cloud.serving.cloud.store.read();

function options(version: 'v2.0' | 'v3', password = cloud.osEnv.OS_PASSWORD!) {
  const base = {
    provider: 'openstack',
    username: cloud.osEnv.OS_USERNAME,
    password,
    authUrl: cloud.osEnv.OS_AUTH_URL,
    region: 'RegionOne',
    tenantName: cloud.osEnv.OS_PROJECT_NAME,
  };
  return version === 'v3'
    ? { ...base, keystoneAuthVersion: 'v3', domainName: 'Default', projectDomainName: 'Default' }
    : base;
}

describe.each(['v2.0', 'v3'] as const)('pkgcloud with Keystone %s', (version) => {
  let compute: Any;
  let network: Any;
  const suffix = version.replace('.', '');

  beforeAll(() => {
    compute = pkgcloud.compute.createClient(options(version));
    network = pkgcloud.network.createClient(options(version));
  });

  it('runs the guide: groups, rules, key, a worker with a floating IP, limits, teardown', async () => {
    const flavors = await call<Array<{ id: string; name: string }>>(compute, 'getFlavors');
    expect(flavors.map((f) => f.name)).toContain('m1.tiny');
    const images = await call<Array<{ id: string; name: string }>>(compute, 'getImages');
    const image = images.find((i) => i.name === 'ubuntu-22.04');
    expect(image).toBeDefined();
    const flavor = flavors.find((f) => f.name === 'm1.tiny')!;

    const key = await call(compute, 'addKey', { name: `demokey-${suffix}`, public_key: PUBLIC_KEY });
    expect(key.name ?? key.keypair?.name).toBe(`demokey-${suffix}`);

    const worker = await call(compute, 'addGroup', { name: `worker-${suffix}`, description: 'workers' });
    const control = await call(compute, 'addGroup', { name: `control-${suffix}`, description: 'control' });
    expect(worker).toMatchObject({ name: `worker-${suffix}` });
    const http = await call(compute, 'addRule', {
      groupId: control.id,
      ipProtocol: 'tcp',
      fromPort: 80,
      toPort: 80,
      cidr: '0.0.0.0/0',
    });
    expect(http).toMatchObject({ from_port: 80, to_port: 80, ip_protocol: 'tcp' });
    const amqp = await call(network, 'createSecurityGroupRule', {
      securityGroupId: control.id,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      portRangeMin: 5672,
      portRangeMax: 5672,
      remoteGroupId: worker.id,
    });
    expect(amqp).toMatchObject({ remoteGroupId: worker.id, portRangeMin: 5672 });
    const rules = state().securityGroupRules.filter((r) => r.groupId === control.id);
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ protocol: 'tcp', portMin: 80, portMax: 80 }),
        expect.objectContaining({ portMin: 5672, remoteGroupId: worker.id }),
      ]),
    );

    const created = await call(compute, 'createServer', {
      name: `app-worker-${suffix}`,
      flavor: flavor.id,
      image: image!.id,
      keyname: `demokey-${suffix}`,
      securityGroups: [{ name: `worker-${suffix}` }],
      cloudConfig: Buffer.from(WORKER_USERDATA).toString('base64'),
    });
    const running = await new Promise<Any>((resolve, reject) =>
      created.setWait({ status: created.STATUS.running }, 500, 60_000, (err: Error | null, s: Any) =>
        err ? reject(err) : resolve(s),
      ),
    );
    expect(running.status).toBe('RUNNING');
    const pids = nodePids(cloud.dataDir);
    expect(pids.length).toBeGreaterThanOrEqual(1);

    const ip = await call(compute, 'allocateNewFloatingIp');
    expect(ip.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await call(compute, 'addFloatingIp', running, ip.ip);
    const shown = await call(compute, 'getServer', running.id);
    const addrs = shown.addresses.private as Array<{ addr: string; 'OS-EXT-IPS:type': string }>;
    expect(addrs).toEqual([
      expect.objectContaining({ addr: expect.stringMatching(/^10\./), 'OS-EXT-IPS:type': 'fixed' }),
      expect.objectContaining({ addr: ip.ip, 'OS-EXT-IPS:type': 'floating' }),
    ]);
    const inState = state().servers.find((s: { id: string }) => s.id === running.id);
    expect(inState?.fixedIp).toBe(addrs[0]!.addr);
    expect(state().floatingIps.find((f: { id: string }) => f.id === ip.id)).toBeDefined();

    const limits = await call(compute, 'getLimits');
    expect(limits.absolute).toMatchObject({ maxTotalInstances: 10, totalInstancesUsed: 1 });

    await call(compute, 'destroyServer', running.id);
    await expect
      .poll(() => state().servers.some((s: { id: string }) => s.id === running.id), { timeout: 30_000 })
      .toBe(false);
    await expect.poll(() => pids.filter(isAlive), { timeout: 15_000 }).toEqual([]);
    await call(compute, 'deallocateFloatingIp', ip.id);
    expect(state().floatingIps.some((f: { id: string }) => f.id === ip.id)).toBe(false);
    await call(compute, 'destroyGroup', control.id);
    await call(compute, 'destroyGroup', worker.id);
    const groups = await call<Array<{ name: string }>>(compute, 'listGroups');
    expect(groups.map((g) => g.name)).toEqual(['default']);
    await call(compute, 'destroyKey', `demokey-${suffix}`);
  }, 90_000);

  it('names 401 when the password is wrong', async () => {
    const bad = pkgcloud.compute.createClient(options(version, 'wrong'));
    const err = await call(bad, 'getFlavors').then(
      () => undefined,
      (e: Error & { statusCode?: number }) => e,
    );
    expect(err).toBeDefined();
    expect(`${err?.message} ${err?.statusCode}`).toContain('401');
  }, 30_000);
});
