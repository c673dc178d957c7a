// Nova's proxies and Neutron's routes are two views of one model (src/localcloud/model/). Each
// state-changing operation is done through Nova in one fresh cloud and through Neutron in another;
// after every step the two clouds hold the same state, and in each cloud both APIs show it alike
// (groups, rules, floating IPs, quota usage). A project's `default` group exists whichever API
// touched the project first. Both services run in-process (the gateway's service apps) over one
// memory store per cloud, with a node runtime that boots servers ACTIVE at once.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/localcloud/auth.ts';
import type { CloudStore, ProviderDeps } from '../../src/localcloud/contracts.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { computeProvider } from '../../src/localcloud/providers/compute/index.ts';
import { networkProvider } from '../../src/localcloud/providers/network/index.ts';
import type { CloudState } from '../../src/localcloud/state.ts';
import { createMemoryStore, seedState, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';
import { bootingRuntime } from '../helpers/booting-runtime.ts';

const SLOT = 6;
const NOW = new Date('2026-03-01T12:00:00.000Z');

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
// biome-ignore lint/suspicious/noExplicitAny: API bodies, read field by field
type Json = any;
type Call = (method: Method, url: string, body?: unknown) => Promise<{ status: number; json: Json }>;

interface Cloud {
  store: CloudStore;
  projectId: string;
  nova: Call;
  neutron: Call;
  /** Another project of the same cloud, untouched so far (no `default` group yet). */
  freshProject(): { projectId: string; nova: Call; neutron: Call };
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function client(app: FastifyInstance, token: string): Call {
  return async (method, url, body) => {
    const response = await app.inject({
      method,
      url,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, json: response.body === '' ? undefined : response.json() };
  };
}

async function openCloud(): Promise<Cloud> {
  const store = createMemoryStore(seedState({ slot: SLOT }));
  const deps: ProviderDeps = {
    store,
    runtime: bootingRuntime(store),
    now: () => NOW,
    endpoints: {
      identity: 'http://127.0.0.1:5000',
      compute: 'http://127.0.0.1:8774/v2.1',
      network: 'http://127.0.0.1:9696',
      image: 'http://127.0.0.1:9292',
    },
  };
  const compute = buildServiceApp('compute', computeProvider, deps);
  const network = buildServiceApp('network', networkProvider, deps);
  apps.push(compute, network);
  await Promise.all([compute.ready(), network.ready()]);
  const user = store.read().users[0]!;
  const scoped = (projectId: string) => {
    const token = issueToken(store, { userId: user.id, projectId }, NOW).id;
    return { projectId, nova: client(compute, token), neutron: client(network, token) };
  };
  let fresh = 0;
  return {
    store,
    ...scoped(user.defaultProjectId),
    freshProject() {
      const projectId = `fresh${++fresh}`.padEnd(32, '0');
      store.update((state) => {
        state.projects.push({ id: projectId, name: `fresh-${fresh}`, domainId: 'default' });
      });
      return scoped(projectId);
    },
  };
}

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** The project's part of the state with every random id replaced by a name, so two clouds compare. */
function canonicalState(state: Readonly<CloudState>, projectId: string) {
  const groupName = (id: string) => state.securityGroups.find((g) => g.id === id)?.name ?? `missing ${id}`;
  const serverName = (id: string | null) =>
    id ? (state.servers.find((s) => s.id === id)?.name ?? id) : null;
  const portLabel = (id: string | null) => {
    const port = id ? state.ports.find((p) => p.id === id) : undefined;
    if (!port) return id;
    return `${serverName(port.deviceId)} on ${state.networks.find((n) => n.id === port.networkId)?.name}`;
  };
  return {
    groups: state.securityGroups
      .filter((g) => g.projectId === projectId)
      .map((g) => ({
        name: g.name,
        description: g.description,
        rules: state.securityGroupRules
          .filter((r) => r.groupId === g.id)
          .map(({ id: _, groupId: __, remoteGroupId, ...rule }) => ({
            ...rule,
            remoteGroup: remoteGroupId && groupName(remoteGroupId),
          }))
          .sort(byJson),
      }))
      .sort(byJson),
    floatingIps: state.floatingIps
      .filter((f) => f.projectId === projectId)
      .map((f) => ({
        address: f.address,
        pool: f.pool,
        server: serverName(f.serverId),
        port: portLabel(f.portId),
        fixedAddress: f.fixedAddress,
      }))
      .sort(byJson),
    ports: state.ports
      .filter((p) => p.projectId === projectId)
      .map((p) => ({ port: portLabel(p.id), fixedIp: p.fixedIp }))
      .sort(byJson),
    servers: state.servers
      .filter((s) => s.projectId === projectId)
      .map((s) => ({ name: s.name, groups: s.securityGroupIds.map(groupName).sort() }))
      .sort(byJson),
  };
}

/** An ingress rule as both APIs can show it: ports of "any" as null, the remote as a group name or a CIDR. */
interface SeenRule {
  id: string;
  protocol: string | null;
  ports: [number | null, number | null];
  remote: { group: string } | { cidr: string };
}
interface SeenGroup {
  id: string;
  name: string;
  description: string;
  ingress: SeenRule[];
}

async function groupsSeenByNova(call: Call): Promise<SeenGroup[]> {
  const response = await call('GET', '/v2.1/os-security-groups');
  expect(response.status).toBe(200);
  return response.json.security_groups
    .map((g: Json) => ({
      id: g.id,
      name: g.name,
      description: g.description,
      ingress: g.rules
        .map((r: Json): SeenRule => {
          // Nova shows "any port" of TCP/UDP as 1–65535 and of ICMP as -1.
          const whole = (r.from_port === 1 && r.to_port === 65535) || r.from_port === -1;
          return {
            id: r.id,
            protocol: r.ip_protocol,
            ports: whole ? [null, null] : [r.from_port, r.to_port],
            remote: r.group.name ? { group: r.group.name } : { cidr: r.ip_range.cidr },
          };
        })
        .sort(byJson),
    }))
    .sort(byJson);
}

async function groupsSeenByNeutron(call: Call): Promise<SeenGroup[]> {
  const response = await call('GET', '/v2.0/security-groups');
  expect(response.status).toBe(200);
  const groups: Json[] = response.json.security_groups;
  const nameOf = (id: string) => groups.find((g) => g.id === id)?.name;
  return groups
    .map((g) => ({
      id: g.id,
      name: g.name,
      description: g.description,
      ingress: g.security_group_rules
        .filter((r: Json) => r.direction === 'ingress')
        .map(
          (r: Json): SeenRule => ({
            id: r.id,
            protocol: r.protocol,
            ports: [r.port_range_min, r.port_range_max],
            // Nova shows a rule without remote as open to 0.0.0.0/0.
            remote: r.remote_group_id
              ? { group: nameOf(r.remote_group_id) }
              : { cidr: r.remote_ip_prefix ?? '0.0.0.0/0' },
          }),
        )
        .sort(byJson),
    }))
    .sort(byJson);
}

async function floatingIpsSeenByNova(call: Call) {
  const response = await call('GET', '/v2.1/os-floating-ips');
  expect(response.status).toBe(200);
  return response.json.floating_ips
    .map((f: Json) => ({ id: f.id, address: f.ip, fixed: f.fixed_ip, server: f.instance_id }))
    .sort(byJson);
}

async function floatingIpsSeenByNeutron(call: Call) {
  const response = await call('GET', '/v2.0/floatingips');
  expect(response.status).toBe(200);
  return response.json.floatingips
    .map((f: Json) => ({
      id: f.id,
      address: f.floating_ip_address,
      fixed: f.fixed_ip_address,
      server: f.port_details?.device_id ?? null,
    }))
    .sort(byJson);
}

interface Usage {
  floatingip: number;
  security_group: number;
  security_group_rule: number;
}

/** Usage as Nova's os-quota-sets detail and /limits show it, and as Neutron's quota details show it. */
async function usageSeenByBoth(call: { nova: Call; neutron: Call; projectId: string }): Promise<Usage> {
  const detail = (await call.nova('GET', `/v2.1/os-quota-sets/${call.projectId}/detail`)).json.quota_set;
  const limits = (await call.nova('GET', '/v2.1/limits')).json.limits.absolute;
  const neutron = (await call.neutron('GET', `/v2.0/quotas/${call.projectId}/details.json`)).json.quota;
  const novaUsage = {
    floatingip: detail.floating_ips.in_use,
    security_group: detail.security_groups.in_use,
    security_group_rule: detail.security_group_rules.in_use,
  };
  const neutronUsage = {
    floatingip: neutron.floatingip.used,
    security_group: neutron.security_group.used,
    security_group_rule: neutron.security_group_rule.used,
  };
  expect(novaUsage).toEqual(neutronUsage);
  expect(limits.totalFloatingIpsUsed).toBe(novaUsage.floatingip);
  expect(limits.totalSecurityGroupsUsed).toBe(novaUsage.security_group);
  for (const [nova, neutronName] of [
    ['floating_ips', 'floatingip'],
    ['security_groups', 'security_group'],
    ['security_group_rules', 'security_group_rule'],
  ] as const) {
    expect(detail[nova].limit).toBe(neutron[neutronName].limit);
  }
  return novaUsage;
}

/** Both APIs of one cloud show the same groups, ingress rules, floating IPs and usage; the usage is returned. */
async function bothViewsAgree(cloud: { nova: Call; neutron: Call; projectId: string }): Promise<Usage> {
  expect(await groupsSeenByNova(cloud.nova)).toEqual(await groupsSeenByNeutron(cloud.neutron));
  expect(await floatingIpsSeenByNova(cloud.nova)).toEqual(await floatingIpsSeenByNeutron(cloud.neutron));
  return usageSeenByBoth(cloud);
}

/** The operations, as each API's client sends them. Ids are the API's own answers. */
interface Api {
  createGroup(name: string, description: string): Promise<string>;
  deleteGroup(id: string): Promise<number>;
  addRule(groupId: string, rule: { protocol: string; port?: number; from?: string }): Promise<string>;
  deleteRule(id: string): Promise<void>;
  allocate(): Promise<{ id: string; address: string }>;
  associate(fip: { id: string; address: string }, serverId: string): Promise<number>;
  disassociate(fip: { id: string; address: string }, serverId: string): Promise<void>;
  release(fip: { id: string; address: string }): Promise<void>;
}

function novaApi(cloud: Cloud): Api {
  const { nova } = cloud;
  return {
    async createGroup(name, description) {
      const response = await nova('POST', '/v2.1/os-security-groups', {
        security_group: { name, description },
      });
      expect(response.status).toBe(200);
      return response.json.security_group.id;
    },
    async deleteGroup(id) {
      return (await nova('DELETE', `/v2.1/os-security-groups/${id}`)).status;
    },
    async addRule(groupId, { protocol, port, from }) {
      // As libcloud sends them: a CIDR rule names 0.0.0.0/0 (or null), a group rule group_id.
      const response = await nova('POST', '/v2.1/os-security-group-rules', {
        security_group_rule: {
          parent_group_id: groupId,
          ip_protocol: protocol,
          from_port: port ?? null,
          to_port: port ?? null,
          cidr: from ? null : '0.0.0.0/0',
          group_id: from ?? null,
        },
      });
      expect(response.status).toBe(200);
      return response.json.security_group_rule.id;
    },
    async deleteRule(id) {
      expect((await nova('DELETE', `/v2.1/os-security-group-rules/${id}`)).status).toBe(202);
    },
    async allocate() {
      const response = await nova('POST', '/v2.1/os-floating-ips', { pool: 'public' });
      expect(response.status).toBe(200);
      return { id: response.json.floating_ip.id, address: response.json.floating_ip.ip };
    },
    async associate(fip, serverId) {
      return (
        await nova('POST', `/v2.1/servers/${serverId}/action`, { addFloatingIp: { address: fip.address } })
      ).status;
    },
    async disassociate(fip, serverId) {
      const response = await nova('POST', `/v2.1/servers/${serverId}/action`, {
        removeFloatingIp: { address: fip.address },
      });
      expect(response.status).toBe(202);
    },
    async release(fip) {
      expect((await nova('DELETE', `/v2.1/os-floating-ips/${fip.id}`)).status).toBe(202);
    },
  };
}

function neutronApi(cloud: Cloud): Api {
  const { neutron } = cloud;
  return {
    async createGroup(name, description) {
      const response = await neutron('POST', '/v2.0/security-groups', {
        security_group: { name, description },
      });
      expect(response.status).toBe(201);
      return response.json.security_group.id;
    },
    async deleteGroup(id) {
      return (await neutron('DELETE', `/v2.0/security-groups/${id}`)).status;
    },
    async addRule(groupId, { protocol, port, from }) {
      // As the OSC sends them: a CIDR rule names 0.0.0.0/0, a group rule remote_group_id.
      const response = await neutron('POST', '/v2.0/security-group-rules', {
        security_group_rule: {
          security_group_id: groupId,
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol,
          ...(port === undefined ? {} : { port_range_min: port, port_range_max: port }),
          ...(from ? { remote_group_id: from } : { remote_ip_prefix: '0.0.0.0/0' }),
        },
      });
      expect(response.status).toBe(201);
      return response.json.security_group_rule.id;
    },
    async deleteRule(id) {
      expect((await neutron('DELETE', `/v2.0/security-group-rules/${id}`)).status).toBe(204);
    },
    async allocate() {
      const network = (await neutron('GET', '/v2.0/networks?router:external=True')).json.networks[0];
      const response = await neutron('POST', '/v2.0/floatingips', {
        floatingip: { floating_network_id: network.id },
      });
      expect(response.status).toBe(201);
      return { id: response.json.floatingip.id, address: response.json.floatingip.floating_ip_address };
    },
    async associate(fip, serverId) {
      // As the OSC does: the server's ports, then the first one Neutron accepts (the private one).
      const ports: Json[] = (await neutron('GET', `/v2.0/ports?device_id=${serverId}`)).json.ports;
      let status = 0;
      for (const port of ports) {
        status = (await neutron('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port.id } }))
          .status;
        if (status === 200) break;
      }
      return status === 200 ? 202 : status;
    },
    async disassociate(fip) {
      const response = await neutron('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
      expect(response.status).toBe(200);
    },
    async release(fip) {
      expect((await neutron('DELETE', `/v2.0/floatingips/${fip.id}`)).status).toBe(204);
    },
  };
}

/** A server created through Nova (the only API that creates servers), in the given groups. */
async function createServer(call: Call, name: string, groups?: string[]): Promise<string> {
  const response = await call('POST', '/v2.1/servers', {
    server: {
      name,
      imageRef: UBUNTU_IMAGE_ID,
      flavorRef: '1',
      ...(groups ? { security_groups: groups.map((g) => ({ name: g })) } : {}),
    },
  });
  expect(response.status, JSON.stringify(response.json)).toBe(202);
  return response.json.server.id;
}

describe('the same operation through Nova and through Neutron leaves the same state', () => {
  it('groups, rules with and without a source group, a floating IP’s whole life, and usage, step by step', async () => {
    const viaNova = await openCloud();
    const viaNeutron = await openCloud();
    const clouds = [
      { cloud: viaNova, api: novaApi(viaNova) },
      { cloud: viaNeutron, api: neutronApi(viaNeutron) },
    ];
    /** Runs a step in both clouds, each through its API; returns each cloud's answer. */
    const step = async <T>(run: (api: Api, cloud: Cloud, index: number) => Promise<T>): Promise<T[]> => {
      const results: T[] = [];
      for (const [index, { cloud, api }] of clouds.entries()) results.push(await run(api, cloud, index));
      return results;
    };
    /** After each step: one state in both clouds, both views alike in each, usage as expected. */
    const agree = async (expected: Usage) => {
      expect(canonicalState(viaNova.store.read(), viaNova.projectId)).toEqual(
        canonicalState(viaNeutron.store.read(), viaNeutron.projectId),
      );
      for (const { cloud } of clouds) expect(await bothViewsAgree(cloud)).toEqual(expected);
    };

    await agree({ floatingip: 0, security_group: 1, security_group_rule: 4 });

    const worker = await step((api) => api.createGroup('worker', 'for services that run on a worker node'));
    const control = await step((api) =>
      api.createGroup('control', 'for services that run on a control node'),
    );
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 8 });
    // Each new group has exactly Neutron's two egress rules, whichever API made it.
    const state = canonicalState(viaNova.store.read(), viaNova.projectId);
    expect(
      state.groups.find((g) => g.name === 'worker')?.rules.map((r) => [r.direction, r.ethertype]),
    ).toEqual([
      ['egress', 'IPv4'],
      ['egress', 'IPv6'],
    ]);

    const http = await step((api, _, i) => api.addRule(control[i]!, { protocol: 'tcp', port: 80 }));
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 9 });
    const amqp = await step((api, _, i) =>
      api.addRule(control[i]!, { protocol: 'tcp', port: 5672, from: worker[i]! }),
    );
    // A source-group rule without ports: Nova's 1–65535 is Neutron's "any port".
    const fromControl = await step((api, _, i) =>
      api.addRule(worker[i]!, { protocol: 'tcp', from: control[i]! }),
    );
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 11 });
    const stored = viaNova.store.read().securityGroupRules.find((r) => r.id === fromControl[0]);
    expect(stored).toMatchObject({
      protocol: 'tcp',
      portMin: null,
      portMax: null,
      remoteGroupId: control[0],
    });

    await step((api, _, i) => api.deleteRule(http[i]!));
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 10 });
    await step((api, _, i) => api.deleteRule(amqp[i]!));
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 9 });

    const server = await step((_, cloud) => createServer(cloud.nova, 'app-worker-1', ['worker']));
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 9 });

    const fip = await step((api) => api.allocate());
    expect(fip.map((f) => f.address)).toEqual([`127.${SLOT}.2.3`, `127.${SLOT}.2.3`]);
    await agree({ floatingip: 1, security_group: 3, security_group_rule: 9 });

    expect(await step((api, _, i) => api.associate(fip[i]!, server[i]!))).toEqual([202, 202]);
    await agree({ floatingip: 1, security_group: 3, security_group_rule: 9 });
    const associated = canonicalState(viaNeutron.store.read(), viaNeutron.projectId).floatingIps;
    expect(associated).toEqual([
      {
        address: `127.${SLOT}.2.3`,
        pool: 'public',
        server: 'app-worker-1',
        port: 'app-worker-1 on private',
        fixedAddress: `10.${SLOT}.0.3`,
      },
    ]);

    await step((api, _, i) => api.disassociate(fip[i]!, server[i]!));
    await agree({ floatingip: 1, security_group: 3, security_group_rule: 9 });
    expect(viaNova.store.read().floatingIps[0]).toMatchObject({
      portId: null,
      serverId: null,
      fixedAddress: null,
    });

    await step((api, _, i) => api.release(fip[i]!));
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 9 });

    // A group a server uses is refused by both (Nova 400, Neutron 409) and stays.
    expect(await step((api, _, i) => api.deleteGroup(worker[i]!))).toEqual([400, 409]);
    await agree({ floatingip: 0, security_group: 3, security_group_rule: 9 });

    // Deleting `control` takes the worker's rule that names it as source with it.
    expect(await step((api, _, i) => api.deleteGroup(control[i]!))).toEqual([202, 204]);
    await agree({ floatingip: 0, security_group: 2, security_group_rule: 6 });

    await step(async (_, cloud, i) => {
      expect((await cloud.nova('DELETE', `/v2.1/servers/${server[i]}`)).status).toBe(204);
    });
    expect(await step((api, _, i) => api.deleteGroup(worker[i]!))).toEqual([202, 204]);
    await agree({ floatingip: 0, security_group: 1, security_group_rule: 4 });
  });

  it('a server’s floating IP is let go when the server is deleted, whichever API associated it', async () => {
    const viaNova = await openCloud();
    const viaNeutron = await openCloud();
    for (const [cloud, api] of [
      [viaNova, novaApi(viaNova)],
      [viaNeutron, neutronApi(viaNeutron)],
    ] as const) {
      const server = await createServer(cloud.nova, 'app-api-1');
      const fip = await api.allocate();
      expect(await api.associate(fip, server)).toBe(202);
      expect((await cloud.nova('DELETE', `/v2.1/servers/${server}`)).status).toBe(204);
      expect(await bothViewsAgree(cloud)).toEqual({
        floatingip: 1,
        security_group: 1,
        security_group_rule: 4,
      });
      expect(await floatingIpsSeenByNeutron(cloud.neutron)).toEqual([
        { id: fip.id, address: fip.address, fixed: null, server: null },
      ]);
      expect((await cloud.neutron('GET', '/v2.0/ports')).json.ports).toEqual([]);
    }
    expect(canonicalState(viaNova.store.read(), viaNova.projectId)).toEqual(
      canonicalState(viaNeutron.store.read(), viaNeutron.projectId),
    );
  });
});

describe('both APIs refuse the same changes, each in its own words, and change nothing', () => {
  it('a second `default`, a duplicate rule, a group over quota, a second floating IP on one port', async () => {
    const cloud = await openCloud();
    const nova = novaApi(cloud);
    const current = () => canonicalState(cloud.store.read(), cloud.projectId);

    const snapshot = current();
    const novaDefault = await cloud.nova('POST', '/v2.1/os-security-groups', {
      security_group: { name: 'default', description: '' },
    });
    expect(novaDefault.json).toEqual({
      forbidden: { code: 403, message: 'Default security group already exists.' },
    });
    const neutronDefault = await cloud.neutron('POST', '/v2.0/security-groups', {
      security_group: { name: 'default' },
    });
    expect(neutronDefault.status).toBe(409);
    expect(neutronDefault.json.NeutronError.type).toBe('SecurityGroupDefaultAlreadyExists');
    expect(current()).toEqual(snapshot);

    const web = await nova.createGroup('web', '');
    const ruleId = await nova.addRule(web, { protocol: 'tcp', port: 22 });
    const withRule = current();
    // The same rule as the OSC would write it, through Neutron: Nova's rule is its duplicate.
    const again = await cloud.neutron('POST', '/v2.0/security-group-rules', {
      security_group_rule: {
        security_group_id: web,
        direction: 'ingress',
        protocol: '6',
        port_range_min: 22,
        port_range_max: 22,
      },
    });
    expect(again.status).toBe(409);
    expect(again.json.NeutronError.message).toBe(`Security group rule already exists. Rule id is ${ruleId}.`);
    const novaAgain = await cloud.nova('POST', '/v2.1/os-security-group-rules', {
      security_group_rule: {
        parent_group_id: web,
        ip_protocol: 'TCP',
        from_port: 22,
        to_port: 22,
        cidr: null,
      },
    });
    expect(novaAgain.json).toEqual({
      badRequest: { code: 400, message: `This rule already exists in group ${web}` },
    });
    expect(current()).toEqual(withRule);

    cloud.store.update((state) => {
      state.quotas[cloud.projectId]!.securityGroups = 2;
    });
    const novaOver = await cloud.nova('POST', '/v2.1/os-security-groups', {
      security_group: { name: 'x', description: '' },
    });
    expect(novaOver.json.forbidden.message).toBe("Quota exceeded for resources: ['security_group'].");
    const neutronOver = await cloud.neutron('POST', '/v2.0/security-groups', {
      security_group: { name: 'x' },
    });
    expect(neutronOver.json.NeutronError).toMatchObject({
      type: 'OverQuota',
      message: "Quota exceeded for resources: ['security_group'].",
    });
    expect(current()).toEqual(withRule);

    // One port, one floating IP: Neutron's rule holds for Nova's addFloatingIp too.
    const server = await createServer(cloud.nova, 'app-api-1');
    const first = await nova.allocate();
    const second = await nova.allocate();
    expect(await nova.associate(first, server)).toBe(202);
    const oneFip = current();
    const novaSecond = await cloud.nova('POST', `/v2.1/servers/${server}/action`, {
      addFloatingIp: { address: second.address },
    });
    expect(novaSecond.status).toBe(400);
    expect(novaSecond.json.badRequest.message).toBe(
      `Unable to associate floating IP ${second.address} to fixed IP 10.${SLOT}.0.3 for instance ${server}. Error: fixed IP 10.${SLOT}.0.3 already has floating IP ${first.address}.`,
    );
    const privatePort = cloud.store.read().ports.find((p) => p.fixedIp === `10.${SLOT}.0.3`)!;
    const neutronSecond = await cloud.neutron('PUT', `/v2.0/floatingips/${second.id}`, {
      floatingip: { port_id: privatePort.id },
    });
    expect(neutronSecond.status).toBe(409);
    expect(neutronSecond.json.NeutronError.type).toBe('FloatingIPPortAlreadyAssociated');
    expect(current()).toEqual(oneFip);
    await bothViewsAgree(cloud);
  });
});

describe("a project's `default` group exists whichever API touched the project first", () => {
  const touches: [string, (project: { nova: Call; neutron: Call }) => Promise<void>][] = [
    [
      'Nova create-server without groups',
      async ({ nova }) => {
        await createServer(nova, 'first');
      },
    ],
    [
      'Nova create-server naming `default` (as libcloud does)',
      async ({ nova }) => {
        await createServer(nova, 'first', ['default']);
      },
    ],
    [
      'Nova GET os-security-groups',
      async ({ nova }) => {
        expect((await nova('GET', '/v2.1/os-security-groups')).status).toBe(200);
      },
    ],
    [
      'Nova POST os-security-groups',
      async ({ nova }) => {
        const response = await nova('POST', '/v2.1/os-security-groups', {
          security_group: { name: 'web', description: '' },
        });
        expect(response.status).toBe(200);
      },
    ],
    [
      'Neutron GET security-groups',
      async ({ neutron }) => {
        expect((await neutron('GET', '/v2.0/security-groups')).status).toBe(200);
      },
    ],
    [
      'Neutron POST security-groups',
      async ({ neutron }) => {
        expect(
          (await neutron('POST', '/v2.0/security-groups', { security_group: { name: 'web' } })).status,
        ).toBe(201);
      },
    ],
  ];

  it.each(touches)('first touched by %s', async (_, touch) => {
    const cloud = await openCloud();
    const project = cloud.freshProject();
    expect(cloud.store.read().securityGroups.some((g) => g.projectId === project.projectId)).toBe(false);
    await touch(project);

    const state = cloud.store.read();
    const defaults = state.securityGroups.filter(
      (g) => g.projectId === project.projectId && g.name === 'default',
    );
    expect(defaults).toHaveLength(1);
    // The same group as the seed's: all egress, ingress from its own members.
    const seeded = canonicalState(state, cloud.projectId).groups.find((g) => g.name === 'default');
    const made = canonicalState(state, project.projectId).groups.find((g) => g.name === 'default');
    expect(made).toEqual(seeded);
    expect(made?.rules).toHaveLength(4);
    // Both APIs show it, and a server made without groups is in it.
    const seen = await groupsSeenByNova(project.nova);
    expect(seen).toEqual(await groupsSeenByNeutron(project.neutron));
    expect(seen.filter((g) => g.name === 'default').map((g) => g.id)).toEqual([defaults[0]!.id]);
    for (const server of state.servers.filter((s) => s.projectId === project.projectId)) {
      expect(server.securityGroupIds).toEqual([defaults[0]!.id]);
    }
    await usageSeenByBoth(project);
  });
});
