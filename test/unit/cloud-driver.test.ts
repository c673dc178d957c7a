// The lesson's cloud connection (src/cloud/driver.ts through connect()) against a real local cloud
// started in this process: every call goes through pkgcloud over HTTP, and the cloud's own state
// is what the assertions read. The servers here boot userdata that runs no installer (or none at
// all), so they go ACTIVE at once and start no processes; every wait is bounded.
//
// The tests run in order and build on each other: groups, rules, a key, a server, a floating IP,
// stop/start, ERROR, deletion — and `made` at the end lists all that was created, in order.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect } from '../../src/cloud/connect.ts';
import type { Connection } from '../../src/cloud/driver.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import { type CloudEvent, describeCloudEvent } from '../../src/cloud/events.ts';
import { type Image, type Node, nodeFrom, type SecurityGroup, type Size } from '../../src/cloud/models.ts';
import { EXIT_OK, runStep } from '../../src/lesson/run-step.ts';
import { DEFAULT_QUOTA } from '../../src/localcloud/store.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

const WAIT = { timeoutMs: 20_000, pollMs: 100 };
const NO_INSTALLER = '#!/usr/bin/env bash\necho hi\n';

let cloud: TestCloud;
let conn: Connection;
/** What the connection reported, and the same as the step printer's text lines. */
const events: CloudEvent[] = [];
const progress: string[] = [];
const report = (event: CloudEvent) => {
  events.push(event);
  const line = describeCloudEvent(event);
  if (line) progress.push(line);
};

/** The cloud's OS_* and nothing of the developer's own; no local cloud of theirs is started either. */
const envFor = (extra: Record<string, string> = {}) =>
  cleanEnv({ ...cloud.osEnv, FAAFO_CLOUD_DIR: join(cloud.dir, 'not-this-one'), ...extra });

const state = () => cloud.serving.cloud.store.read();
const said = (pattern: RegExp) => progress.filter((line) => pattern.test(line));

/** Polls until `test` holds for the server as the cloud reports it, within a bound. */
async function until(node: Node, test: (n: Node) => boolean, timeoutMs = 20_000): Promise<Node> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await conn.getNode(node.id);
    if (test(current)) return current;
    if (Date.now() > deadline) throw new Error(`${node.name} is still ${current.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  cloud = await startTestCloud('cloud-driver-');
  conn = await connect({ env: envFor(), report, pollMs: 100 });
}, 60_000);

afterAll(async () => {
  await cloud?.close();
}, 60_000);

describe('connect', () => {
  it('labels the cloud by the OS_* variables it used', () => {
    expect(conn.label).toContain('OS_');
    expect(conn.made).toEqual([]);
  });

  it('a wrong password fails at connect with one 401 line that does not repeat the password', async () => {
    const password = 'Wr0ng-S3cret-for-this-test';
    const error = await connect({ env: envFor({ OS_PASSWORD: password }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect((error as CloudError).status).toBe(401);
    expect((error as CloudError).message).toMatch(/^The cloud refused the credentials/);
    expect((error as CloudError).message).toContain('OS_PASSWORD');
    expect((error as CloudError).message).not.toContain(password);
    expect((error as CloudError).message).not.toMatch(/\n/);
  }, 20_000);
});

describe('the driver on a real local cloud', () => {
  let api: SecurityGroup;
  let worker: SecurityGroup;
  let services: SecurityGroup;
  let image: Image;
  let tiny: Size;
  let node: Node;
  let errored: Node;
  let replacement: Node;
  let floatingAddress: string;

  it('exCreateSecurityGroup twice: one group, and the second call says it found it', async () => {
    api = await conn.exCreateSecurityGroup('drv-api', 'for API services only');
    expect(api).toMatchObject({ name: 'drv-api', description: 'for API services only' });
    // A new Neutron group has only egress rules: none of them is the lesson's.
    expect(api.rules).toEqual([]);
    expect(said(/drv-api/)).toEqual([]);

    const again = await conn.exCreateSecurityGroup('drv-api', 'another description');
    expect(again.id).toBe(api.id);
    expect(again.description).toBe('for API services only');
    expect(state().securityGroups.filter((g) => g.name === 'drv-api')).toHaveLength(1);
    expect(said(/drv-api/)).toEqual(['found security group drv-api (0 rules): kept']);
  });

  it('a rule from a source group is a Neutron rule with remote_group_id', async () => {
    worker = await conn.exCreateSecurityGroup('drv-worker', 'for services that run on a worker note');
    services = await conn.exCreateSecurityGroup('drv-services', 'for DB and AMQP services only');
    const rule = await conn.exCreateSecurityGroupRule(services, 'TCP', 5672, 5672, {
      sourceSecurityGroup: worker,
    });
    expect(rule).toMatchObject({
      protocol: 'tcp',
      fromPort: 5672,
      toPort: 5672,
      cidr: null,
      sourceGroupId: worker.id,
    });
    const inCloud = state().securityGroupRules.filter(
      (r) => r.groupId === services.id && r.direction === 'ingress',
    );
    expect(inCloud).toEqual([
      expect.objectContaining({
        id: rule.id,
        ethertype: 'IPv4',
        protocol: 'tcp',
        portMin: 5672,
        portMax: 5672,
        remoteGroupId: worker.id,
        remoteIpPrefix: null,
      }),
    ]);
  });

  it('the same rule again is returned, not made twice (even from a group object read before it)', async () => {
    const before = state().securityGroupRules.length;
    // `services` was read before the rule existed: the driver reads the group again.
    expect(services.rules).toEqual([]);
    const again = await conn.exCreateSecurityGroupRule(services, 'tcp', 5672, 5672, {
      sourceSecurityGroup: worker,
    });
    expect(state().securityGroupRules.length).toBe(before);
    expect(again.sourceGroupId).toBe(worker.id);
    expect(said(/^found rule/)).toEqual(['found rule tcp 5672-5672 to drv-services from drv-worker: kept']);
  });

  it('the same port from another source is another rule (the guide’s services group has both)', async () => {
    const fromApi = await conn.exCreateSecurityGroupRule(services, 'TCP', 5672, 5672, {
      sourceSecurityGroup: api,
    });
    expect(fromApi.sourceGroupId).toBe(api.id);
    const remotes = state()
      .securityGroupRules.filter((r) => r.groupId === services.id && r.portMin === 5672)
      .map((r) => r.remoteGroupId)
      .sort();
    expect(remotes).toEqual([api.id, worker.id].sort());
  });

  it('a rule for everyone is 0.0.0.0/0, once', async () => {
    const ssh = await conn.exCreateSecurityGroupRule(api, 'TCP', 22, 22);
    expect(ssh).toMatchObject({
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      cidr: '0.0.0.0/0',
      sourceGroupId: null,
    });
    await conn.exCreateSecurityGroupRule(api, 'TCP', 22, 22);
    const rules = state().securityGroupRules.filter((r) => r.groupId === api.id && r.direction === 'ingress');
    expect(rules).toEqual([
      expect.objectContaining({ portMin: 22, remoteIpPrefix: '0.0.0.0/0', remoteGroupId: null }),
    ]);
    const listed = (await conn.exListSecurityGroups()).find((g) => g.id === api.id);
    expect(listed?.rules.map((r) => [r.fromPort, r.cidr])).toEqual([[22, '0.0.0.0/0']]);
  });

  it('images, flavors and a key pair the cloud makes', async () => {
    image = (await conn.listImages()).find((i) => i.name === 'ubuntu-22.04')!;
    expect(image).toMatchObject({ name: 'ubuntu-22.04', status: 'ACTIVE' });
    const sizes = await conn.listSizes();
    tiny = sizes.find((s) => s.name === 'm1.tiny')!;
    expect(tiny).toMatchObject({ id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 });
    expect(sizes.map((s) => s.name)).toEqual(expect.arrayContaining(['m1.small', 'm1.medium', 'm1.large']));

    const key = await conn.importKeyPair('drv-key');
    expect(key.name).toBe('drv-key');
    expect(key.fingerprint).not.toBe('');
    expect(key.privateKey).toMatch(/PRIVATE KEY/);
    expect((await conn.listKeyPairs()).map((k) => k.name)).toEqual(['drv-key']);
  });

  it('createNode + waitUntilRunning: running, a 10.x private and a public address', async () => {
    const created = await conn.createNode({
      name: 'drv-node',
      image,
      size: tiny,
      exKeyname: 'drv-key',
      exUserdata: NO_INSTALLER,
      exSecurityGroups: [worker],
    });
    expect(created.name).toBe('drv-node');
    const [[running, addresses]] = await conn.waitUntilRunning([created], WAIT);
    node = running;
    expect(node.id).toBe(created.id);
    expect(node.state).toBe('running');
    expect(node.status).toBe('ACTIVE');
    expect(node.privateIps[0]).toMatch(/^10\./);
    expect(node.publicIps.length).toBeGreaterThan(0);
    expect(addresses).toEqual([...node.publicIps, ...node.privateIps]);
    expect(node).toMatchObject({
      securityGroups: ['drv-worker'],
      keyName: 'drv-key',
      imageId: image.id,
      flavorId: tiny.id,
    });
    // The cloud got the userdata base64-encoded, as Nova wants it.
    const server = state().servers.find((s) => s.id === node.id)!;
    expect(Buffer.from(server.userData!, 'base64').toString('utf8')).toBe(NO_INSTALLER);
    expect(server.fixedIp).toBe(node.privateIps[0]);
  }, 30_000);

  it('createNode again with the same name returns the same server and makes no second one', async () => {
    const again = await conn.createNode({ name: 'drv-node', image, size: tiny, exUserdata: NO_INSTALLER });
    expect(again.id).toBe(node.id);
    expect(state().servers.filter((s) => s.name === 'drv-node')).toHaveLength(1);
    expect(said(/^found server drv-node/)).toEqual(['found server drv-node (ACTIVE): kept']);
  });

  it('a bad image id fails with one CloudError that names the server, and leaves nothing', async () => {
    const bogus: Image = { id: '00000000-0000-4000-8000-000000000000', name: 'nope', status: 'ACTIVE' };
    const error = await conn
      .createNode({ name: 'drv-bad', image: bogus, size: tiny })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect((error as CloudError).status).toBe(400);
    expect((error as CloudError).message).toBe(
      'Could not create the server drv-bad: the cloud answered 400: Can not find requested image.',
    );
    expect(state().servers.some((s) => s.name === 'drv-bad')).toBe(false);
    expect(conn.made.some((m) => m.name === 'drv-bad')).toBe(false);
  });

  it('exGetConsoleOutput is the node’s boot log', async () => {
    const output = await conn.exGetConsoleOutput(node);
    expect(output).toContain('booting drv-node');
    expect(output).toContain('finished: drv-node is up');
    // Its userdata ran no installer, and the console says so.
    expect(output).toContain('userdata script failed');
  });

  it('a floating IP from the pool, attached: the node lists it and the IP names the node', async () => {
    const pools = await conn.exListFloatingIpPools();
    expect(pools.map((p) => p.name)).toEqual(['public']);
    const fip = await pools[0]!.createFloatingIp();
    floatingAddress = fip.ipAddress;
    expect(fip.nodeId).toBeNull();
    expect(state().floatingIps.map((f) => f.address)).toContain(fip.ipAddress);

    await conn.exAttachFloatingIpToNode(node, fip);
    const attached = await until(node, (n) => n.floatingIps.length > 0);
    expect(attached.floatingIps).toEqual([fip.ipAddress]);
    // libcloud's rule: a floating address is one of the public ones, listed after the node's own.
    expect(attached.publicIps.at(-1)).toBe(fip.ipAddress);
    expect(attached.privateIps).toEqual(node.privateIps);
    const listed = (await conn.exListFloatingIps()).find((f) => f.id === fip.id);
    expect(listed).toMatchObject({ ipAddress: fip.ipAddress, nodeId: node.id });
  });

  it('exStopNode → SHUTOFF; exStartNode → running again', async () => {
    await conn.exStopNode(node);
    const stopped = await until(node, (n) => n.status === 'SHUTOFF');
    expect(stopped.state).toBe('stopped');
    // A stopped node does not count as running: a short wait times out with one line.
    const late = await conn
      .waitUntilRunning([stopped], { timeoutMs: 300, pollMs: 100 })
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(CloudError);
    expect((late as CloudError).message).toMatch(
      /^Timed out after [\d.]+ seconds waiting for drv-node \(SHUTOFF\)/,
    );

    await conn.exStartNode(node);
    const [[again]] = await conn.waitUntilRunning([node], WAIT);
    expect(again.state).toBe('running');
    expect(again.floatingIps).toEqual([floatingAddress]);
  }, 30_000);

  it('createNode on a stopped server of that name starts it', async () => {
    await conn.exStopNode(node);
    await until(node, (n) => n.status === 'SHUTOFF');
    const kept = await conn.createNode({ name: 'drv-node', image, size: tiny, exUserdata: NO_INSTALLER });
    expect(kept.id).toBe(node.id);
    expect(said(/drv-node/).slice(-2)).toEqual([
      'found server drv-node (SHUTOFF): kept',
      'starting drv-node again',
    ]);
    const [[running]] = await conn.waitUntilRunning([kept], WAIT);
    expect(running.state).toBe('running');
    expect(state().servers.filter((s) => s.name === 'drv-node')).toHaveLength(1);
  }, 30_000);

  it('a server in ERROR ends the wait with its fault; createNode replaces it', async () => {
    const created = await conn.createNode({ name: 'drv-err', image, size: tiny });
    [[errored]] = await conn.waitUntilRunning([created], WAIT);
    // As Nova leaves a server it could not place.
    cloud.serving.cloud.store.update((draft) => {
      const s = draft.servers.find((x) => x.id === errored.id)!;
      s.status = 'ERROR';
      s.powerState = 0;
      s.fault = { code: 500, message: 'No valid host was found.', created: new Date().toISOString() };
    });
    const error = await conn.waitUntilRunning([errored], WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect((error as CloudError).message).toMatch(
      /^The server drv-err failed to boot: No valid host was found\./,
    );
    expect((error as CloudError).message).toContain('openstack console log show drv-err');

    replacement = await conn.createNode({ name: 'drv-err', image, size: tiny });
    expect(replacement.id).not.toBe(errored.id);
    expect(said(/drv-err/)).toEqual([
      'found server drv-err in ERROR (No valid host was found.): replacing it',
    ]);
    expect(
      state()
        .servers.filter((s) => s.name === 'drv-err')
        .map((s) => s.id),
    ).toEqual([replacement.id]);
    await conn.waitUntilRunning([replacement], WAIT);
  }, 30_000);

  it('waitUntilBooted: waits while a server boots (BUILD), only for the servers named, and says when it gives up', async () => {
    const setStatus = (status: 'BUILD' | 'ACTIVE') =>
      cloud.serving.cloud.store.update((draft) => {
        draft.servers.find((x) => x.id === replacement.id)!.status = status;
      });
    // As a cloud started again leaves the servers it boots anew.
    setStatus('BUILD');
    const before = events.length;
    const others = await conn.waitUntilBooted({ ...WAIT, names: ['drv-node'] });
    expect(others.find((n) => n.name === 'drv-err')?.status).toBe('BUILD');
    expect(events.slice(before)).toEqual([]);

    const late = await conn.waitUntilBooted({ timeoutMs: 500, pollMs: 100 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(CloudError);
    expect((late as CloudError).message).toMatch(
      /^Timed out after 0\.5 seconds waiting for drv-err \(BUILD\) to boot; look at its console log \(`openstack console log show drv-err`\)/,
    );

    const waitsBefore = events.filter((e) => e.type === 'waiting').length;
    const up = setTimeout(() => setStatus('ACTIVE'), 300);
    try {
      const all = await conn.waitUntilBooted(WAIT);
      expect(all.find((n) => n.name === 'drv-err')?.status).toBe('ACTIVE');
    } finally {
      clearTimeout(up);
    }
    const waits = events.filter((e) => e.type === 'waiting').slice(waitsBefore);
    expect(waits[0]).toEqual({
      type: 'waiting',
      servers: [{ name: 'drv-err', status: 'BUILD' }],
      elapsedS: 0,
    });
  }, 30_000);

  it('exGetLimits: the seeded quota, and what is used', async () => {
    const limits = await conn.exGetLimits();
    expect(DEFAULT_QUOTA.instances).toBe(10);
    expect(limits.instances).toEqual({ limit: DEFAULT_QUOTA.instances, used: 2 });
    expect(limits.cores).toEqual({ limit: DEFAULT_QUOTA.cores, used: 2 * tiny.vcpus });
    expect(limits.ram).toEqual({ limit: DEFAULT_QUOTA.ram, used: 2 * tiny.ram });
    expect(state().servers).toHaveLength(2);
  });

  it('a group in use cannot be deleted: one line with Neutron’s reason', async () => {
    const error = await conn.exDeleteSecurityGroup(worker).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect((error as CloudError).status).toBe(409);
    expect((error as CloudError).message).toBe(
      `Could not delete the security group drv-worker: the cloud answered 409: Security Group ${worker.id} in use. ` +
        'Something else is using it or changing it; wait a moment and run the step again.',
    );
  });

  it('destroyNode + waitUntilGone: not listed any more; then its group can go', async () => {
    await conn.destroyNode(node);
    await conn.destroyNode(replacement);
    await conn.waitUntilGone([node, replacement], WAIT);
    const names = (await conn.listNodes()).map((n) => n.name);
    expect(names).not.toContain('drv-node');
    expect(names).not.toContain('drv-err');
    expect(state().servers).toEqual([]);
    // The floating IP stays allocated, free again.
    expect((await conn.exListFloatingIps()).find((f) => f.ipAddress === floatingAddress)?.nodeId).toBeNull();
    // A server that went away while being waited for is said as such.
    const gone = await conn.waitUntilRunning([node], WAIT).catch((e: unknown) => e);
    expect((gone as CloudError).message).toMatch(/^The server drv-node disappeared while booting/);

    await conn.exDeleteSecurityGroup(worker);
    expect(state().securityGroups.some((g) => g.id === worker.id)).toBe(false);
  }, 30_000);

  it('`made` lists what this connection created, in order, and nothing it only found', () => {
    expect(conn.made.map((m) => `${m.kind}: ${m.name}`)).toEqual([
      'security group: drv-api',
      'security group: drv-worker',
      'security group: drv-services',
      'security group rule: TCP 5672-5672 to drv-services from drv-worker',
      'security group rule: TCP 5672-5672 to drv-services from drv-api',
      'security group rule: TCP 22-22 to drv-api',
      'key pair: drv-key',
      'server: drv-node',
      `floating IP: ${floatingAddress}`,
      'server: drv-err',
      'server: drv-err',
    ]);
    expect(conn.made.find((m) => m.kind === 'server' && m.name === 'drv-node')?.id).toBe(node.id);
    expect(conn.made.filter((m) => m.name === 'drv-err').map((m) => m.id)).toEqual([
      errored.id,
      replacement.id,
    ]);
  });

  it('reports each create as a created event, in the order of `made`, and each reuse as found', () => {
    const created = events.flatMap((e) =>
      e.type === 'created' ? [{ kind: e.kind, name: e.name, id: e.id }] : [],
    );
    expect(created).toEqual(conn.made);
    expect(events).toContainEqual({
      type: 'found',
      kind: 'server',
      name: 'drv-node',
      status: 'SHUTOFF',
      outcome: 'kept',
    });
    expect(events).toContainEqual({ type: 'server-starting', name: 'drv-node' });
    expect(events).toContainEqual({
      type: 'found',
      kind: 'server',
      name: 'drv-err',
      status: 'ERROR',
      fault: 'No valid host was found.',
      outcome: 'replaced',
    });
  });
});

describe('serviceUrl', () => {
  const at = (metadata: Record<string, string>): Node =>
    nodeFrom({ id: 'n', name: 'app-api-1', status: 'ACTIVE', metadata });

  it('a port the local cloud moved (local-cloud:ports "80=8080") is where this machine reaches it', () => {
    expect(conn.serviceUrl(at({ 'local-cloud:ports': '80=8080' }), 'a', 80)).toBe('http://a:8080');
  });

  it('without that metadata (a real cloud) the guide’s port, and none for the scheme’s default', () => {
    expect(conn.serviceUrl(at({}), 'a', 80)).toBe('http://a');
    expect(conn.serviceUrl(at({}), 'a', 5672)).toBe('http://a:5672');
    expect(conn.serviceUrl(at({}), 'a', 443, 'https')).toBe('https://a');
    expect(conn.serviceUrl(at({}), 'a', 80, 'https')).toBe('https://a:80');
  });

  it('several moved ports, and entries that are no pair of numbers are ignored', () => {
    const node = at({ 'local-cloud:ports': '80=8080,443=8443,x=y,3306=,=5672,9000' });
    expect(conn.serviceUrl(node, 'a', 80)).toBe('http://a:8080');
    expect(conn.serviceUrl(node, 'a', 443, 'https')).toBe('https://a:8443');
    // "3306=" is no pair (Number('') would be port 0), nor is "=5672".
    expect(conn.serviceUrl(node, 'a', 3306)).toBe('http://a:3306');
    expect(conn.serviceUrl(node, 'a', 0)).toBe('http://a:0');
    expect(conn.serviceUrl(node, 'a', 9000)).toBe('http://a:9000');
    // Moved onto the scheme's default port: no port in the URL.
    expect(conn.serviceUrl(at({ 'local-cloud:ports': '8000=80' }), 'a', 8000)).toBe('http://a');
  });
});

describe('the guide’s steps 2 and 1 through runStep, on the same cloud', () => {
  const run = async (name: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const code = await runStep(
        name,
        { env: envFor(), pollMs: 100 },
        { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } },
      );
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      log.mockRestore();
    }
  };
  const lessonGroups = () =>
    state()
      .securityGroups.filter((g) => ['api', 'worker', 'control', 'services'].includes(g.name))
      .map((g) => g.name)
      .sort();

  it('step 2 leaves exactly the guide’s groups and rules, and again without doubling any', async () => {
    const first = await run('2');
    expect(first.err).toBe('');
    expect(first.code).toBe(EXIT_OK);
    expect(first.out).toContain('✓ security group services: TCP 22 from 0.0.0.0/0, TCP 3306 from api');
    expect(first.out).not.toContain('✗');
    expect(lessonGroups()).toEqual(['api', 'control', 'services', 'worker']);
    const rules = state().securityGroupRules.length;

    const second = await run('step-2');
    expect(second.code).toBe(EXIT_OK);
    expect(second.out).toContain('found security group services (4 rules): kept');
    expect(state().securityGroupRules.length).toBe(rules);
    expect(lessonGroups()).toEqual(['api', 'control', 'services', 'worker']);
  }, 30_000);

  it('step 1 removes them again', async () => {
    const result = await run('1');
    expect(result.err).toBe('');
    expect(result.code).toBe(EXIT_OK);
    expect(result.out).toContain('✓ security group services is gone');
    expect(lessonGroups()).toEqual([]);
  }, 30_000);
});
