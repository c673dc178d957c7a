// The Neutron provider through the gateway's service app (token check, body parsing, error
// handler), over a seeded memory store and a NodeRuntime that records what it is asked.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/localcloud/auth.ts';
import type { CloudStore, NodeRuntime, ProviderDeps } from '../../src/localcloud/contracts.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { networkProvider } from '../../src/localcloud/providers/network/index.ts';
import type { CloudState, Server } from '../../src/localcloud/state.ts';
import { createMemoryStore, seedState } from '../../src/localcloud/store.ts';

const SLOT = 7;
const NOW = new Date('2026-03-01T12:00:00.000Z');

function recordingRuntime() {
  const calls: string[] = [];
  const runtime: NodeRuntime = {
    boot: (server) => void calls.push(`boot ${server.id}`),
    stop: async (id) => void calls.push(`stop ${id}`),
    start: async (id) => void calls.push(`start ${id}`),
    reboot: async (id) => void calls.push(`reboot ${id}`),
    destroy: async (id) => void calls.push(`destroy ${id}`),
    consoleOutput: () => '',
    refreshNetwork: () => void calls.push('refreshNetwork'),
    close: async () => {},
  };
  return { runtime, calls };
}

/** A server as the compute provider records one: a port on `private` and one on `public`. */
function addServer(
  store: CloudStore,
  fields: Partial<Server> = {},
): { server: Server; portId: string; publicPortId: string } {
  return store.update((state) => {
    const projectId = state.projects[0]!.id;
    const n = state.servers.length + 3;
    const server: Server = {
      id: randomUUID(),
      name: `app-${n}`,
      projectId,
      userId: state.users[0]!.id,
      imageId: state.images[0]!.id,
      flavorId: '1',
      keyName: null,
      securityGroupIds: [state.securityGroups[0]!.id],
      metadata: {},
      userData: null,
      status: 'ACTIVE',
      taskState: null,
      powerState: 1,
      fault: null,
      fixedIp: `10.${SLOT}.0.${n}`,
      loopbackIp: `127.${SLOT}.1.${n}`,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      ...fields,
    };
    state.servers.push(server);
    const port = (name: 'private' | 'public', fixedIp: string) => {
      const id = randomUUID();
      state.ports.push({
        id,
        networkId: state.networks.find((net) => net.name === name)!.id,
        deviceId: server.id,
        macAddress: `fa:16:3e:00:${n.toString(16).padStart(2, '0')}:${name === 'private' ? '01' : '02'}`,
        fixedIp,
        projectId,
      });
      return id;
    };
    return {
      server,
      portId: port('private', server.fixedIp),
      publicPortId: port('public', server.loopbackIp),
    };
  });
}

let app: FastifyInstance;
let store: CloudStore;
let calls: string[];
let token: string;
let projectId: string;
let state: () => Readonly<CloudState>;

beforeEach(async () => {
  store = createMemoryStore(seedState({ slot: SLOT }));
  state = () => store.read();
  projectId = store.read().projects[0]!.id;
  const recorded = recordingRuntime();
  calls = recorded.calls;
  const deps: ProviderDeps = {
    store,
    runtime: recorded.runtime,
    now: () => NOW,
    endpoints: {
      identity: 'http://127.0.0.1:5000',
      compute: 'http://127.0.0.1:8774/v2.1',
      network: 'http://127.0.0.1:9696',
      image: 'http://127.0.0.1:9292',
    },
  };
  app = buildServiceApp('network', networkProvider, deps);
  await app.ready();
  token = issueToken(store, { userId: store.read().users[0]!.id, projectId }, NOW).id;
});

afterEach(async () => {
  await app.close();
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } });
const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
  app.inject({
    method,
    url,
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });

function neutronError(response: { statusCode: number; json: () => unknown }) {
  const body = response.json() as { NeutronError?: { type: string; message: string; detail: string } };
  expect(body.NeutronError).toBeDefined();
  expect(body.NeutronError!.detail).toBe('');
  return { status: response.statusCode, type: body.NeutronError!.type, message: body.NeutronError!.message };
}

const publicNet = () => state().networks.find((n) => n.external)!;
const privateNet = () => state().networks.find((n) => !n.external)!;
const defaultGroup = () => state().securityGroups.find((g) => g.name === 'default')!;

describe('versions and tokens', () => {
  it('answers GET / without a token and everything else only with one', async () => {
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.json()).toEqual({
      versions: [
        { id: 'v2.0', status: 'CURRENT', links: [{ href: 'http://127.0.0.1:9696/v2.0/', rel: 'self' }] },
      ],
    });
    const anonymous = await app.inject({ method: 'GET', url: '/v2.0/networks' });
    expect(anonymous.statusCode).toBe(401);
    const resources = await get('/v2.0');
    expect(resources.json().resources.map((r: { collection: string }) => r.collection)).toContain(
      'floatingips',
    );
  });
});

describe('networks and subnets', () => {
  it('lists both networks with the fields clients read', async () => {
    const response = await get('/v2.0/networks');
    expect(response.statusCode).toBe(200);
    const networks = response.json().networks as Record<string, unknown>[];
    expect(networks.map((n) => n.name).sort()).toEqual(['private', 'public']);
    const pub = networks.find((n) => n.name === 'public')!;
    expect(pub).toMatchObject({
      id: publicNet().id,
      status: 'ACTIVE',
      admin_state_up: true,
      shared: false,
      'router:external': true,
      subnets: [publicNet().subnetId],
      tenant_id: projectId,
      project_id: projectId,
      mtu: 1500,
      availability_zones: ['nova'],
    });
  });

  it('filters as libcloud and the OSC ask: router:external, fields, name', async () => {
    const pools = await get('/v2.0/networks?router:external=True&fields=id&fields=name');
    expect(pools.json()).toEqual({ networks: [{ id: publicNet().id, name: 'public' }] });
    const byName = await get('/v2.0/networks?name=private');
    expect(byName.json().networks.map((n: { id: string }) => n.id)).toEqual([privateNet().id]);
    const internal = await get('/v2.0/networks?router:external=false');
    expect(internal.json().networks).toHaveLength(1);
    const bad = neutronError(await get('/v2.0/networks?router:external=maybe'));
    expect(bad).toEqual({
      status: 400,
      type: 'InvalidInput',
      message: "Invalid input for operation: 'maybe' cannot be converted to boolean.",
    });
  });

  it('answers a lookup by name with 404 NetworkNotFound, as the OSC expects before it filters', async () => {
    expect(neutronError(await get('/v2.0/networks/public'))).toEqual({
      status: 404,
      type: 'NetworkNotFound',
      message: 'Network public could not be found.',
    });
    const shown = await get(`/v2.0/networks/${privateNet().id}`);
    expect(shown.json().network.name).toBe('private');
  });

  it('pages with limit and marker and a next link', async () => {
    const page = await get('/v2.0/networks?limit=1');
    const body = page.json();
    expect(body.networks).toHaveLength(1);
    const next = new URL(body.networks_links[0].href);
    expect(body.networks_links[0].rel).toBe('next');
    const rest = await get(`${next.pathname}${next.search}`);
    expect(rest.json().networks).toHaveLength(1);
    expect(rest.json().networks[0].id).not.toBe(body.networks[0].id);
    expect(neutronError(await get('/v2.0/networks?limit=x'))).toMatchObject({
      status: 400,
      type: 'BadRequest',
    });
  });

  it('derives subnets from the networks', async () => {
    const response = await get('/v2.0/subnets');
    const subnet = response
      .json()
      .subnets.find((s: { network_id: string }) => s.network_id === privateNet().id);
    expect(subnet).toMatchObject({
      id: privateNet().subnetId,
      name: 'private-subnet',
      cidr: `10.${SLOT}.0.0/24`,
      gateway_ip: `10.${SLOT}.0.1`,
      allocation_pools: [{ start: `10.${SLOT}.0.2`, end: `10.${SLOT}.0.254` }],
      ip_version: 4,
    });
    expect((await get(`/v2.0/subnets/${privateNet().subnetId}`)).json().subnet.id).toBe(
      privateNet().subnetId,
    );
    expect(neutronError(await get('/v2.0/subnets/nope'))).toMatchObject({
      status: 404,
      type: 'SubnetNotFound',
    });
  });
});

describe('ports', () => {
  it('lists a server port by device_id with fixed_ips and the server’s groups', async () => {
    const { server, portId, publicPortId } = addServer(store);
    addServer(store);
    const response = await get(`/v2.0/ports?device_id=${server.id}`);
    const ports = response.json().ports;
    expect(ports.map((p: { id: string }) => p.id)).toEqual([portId, publicPortId]);
    expect(ports[0]).toMatchObject({
      id: portId,
      network_id: privateNet().id,
      device_id: server.id,
      device_owner: 'compute:nova',
      status: 'ACTIVE',
      fixed_ips: [{ subnet_id: privateNet().subnetId, ip_address: server.fixedIp }],
      security_groups: server.securityGroupIds,
      tenant_id: projectId,
      project_id: projectId,
      'binding:vnic_type': 'normal',
    });
    expect(ports[0].mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    const byIp = await get(`/v2.0/ports?fixed_ips=ip_address%3D${server.fixedIp}`);
    expect(byIp.json().ports.map((p: { id: string }) => p.id)).toEqual([portId]);
    expect((await get(`/v2.0/ports/${portId}`)).json().port.id).toBe(portId);
    expect(neutronError(await get(`/v2.0/ports/${randomUUID()}`))).toMatchObject({
      status: 404,
      type: 'PortNotFound',
    });
  });

  it('shows a stopped server’s port DOWN', async () => {
    const { portId } = addServer(store, { status: 'SHUTOFF' });
    expect((await get(`/v2.0/ports/${portId}`)).json().port.status).toBe('DOWN');
  });
});

describe('security groups', () => {
  it('lists the default group, and only the asked fields', async () => {
    const response = await get(
      '/v2.0/security-groups?fields=id&fields=name&fields=description&fields=project_id&fields=tags',
    );
    expect(response.json().security_groups).toEqual([
      {
        id: defaultGroup().id,
        name: 'default',
        description: 'Default security group',
        project_id: projectId,
        tags: [],
      },
    ]);
  });

  it('creates the default group on first use when a project has none, as Neutron does', async () => {
    store.update((s) => {
      s.securityGroupRules = [];
      s.securityGroups = [];
    });
    const response = await get('/v2.0/security-groups');
    const [group] = response.json().security_groups;
    expect(group.name).toBe('default');
    expect(group.security_group_rules).toHaveLength(4);
    expect(calls).toContain('refreshNetwork');
  });

  it('creates a group with Neutron’s two egress rules and tells the runtime', async () => {
    const response = await send('POST', '/v2.0/security-groups', {
      security_group: { name: 'worker', description: 'for services that run on a worker node' },
    });
    expect(response.statusCode).toBe(201);
    const group = response.json().security_group;
    expect(group).toMatchObject({
      name: 'worker',
      description: 'for services that run on a worker node',
      tenant_id: projectId,
      project_id: projectId,
      stateful: true,
    });
    expect(group.security_group_rules).toHaveLength(2);
    expect(
      group.security_group_rules.map((r: { direction: string; ethertype: string; protocol: unknown }) => [
        r.direction,
        r.ethertype,
        r.protocol,
      ]),
    ).toEqual([
      ['egress', 'IPv4', null],
      ['egress', 'IPv6', null],
    ]);
    expect(calls).toEqual(['refreshNetwork']);
    expect(state().securityGroups.map((g) => g.name)).toContain('worker');
    const shown = await get(`/v2.0/security-groups/${group.id}`);
    expect(shown.json().security_group.id).toBe(group.id);
  });

  it('answers a lookup by name with 404 SecurityGroupNotFound', async () => {
    expect(neutronError(await get('/v2.0/security-groups/worker'))).toEqual({
      status: 404,
      type: 'SecurityGroupNotFound',
      message: 'Security group worker does not exist',
    });
  });

  it('refuses bad bodies in Neutron’s words', async () => {
    expect(neutronError(await send('POST', '/v2.0/security-groups', '{"security_group": '))).toMatchObject({
      status: 400,
    });
    expect(neutronError(await send('POST', '/v2.0/security-groups'))).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: 'Resource body required',
    });
    expect(neutronError(await send('POST', '/v2.0/security-groups', { name: 'x' }))).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: "Unable to find 'security_group' in request body",
    });
    expect(
      neutronError(await send('POST', '/v2.0/security-groups', { security_group: { nmae: 'x' } })),
    ).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: "Unrecognized attribute(s) 'nmae'",
    });
    expect(
      neutronError(await send('POST', '/v2.0/security-groups', { security_group: { name: 5 } })),
    ).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: "Invalid input for name. Reason: '5' is not a valid string.",
    });
    expect(
      neutronError(
        await send('POST', '/v2.0/security-groups', { security_group: { name: 'x', tenant_id: 'other' } }),
      ),
    ).toMatchObject({ status: 400, type: 'HTTPBadRequest' });
    expect(state().securityGroups).toHaveLength(1);
  });

  it('refuses a second group named default, renaming default, and deleting it', async () => {
    expect(
      neutronError(await send('POST', '/v2.0/security-groups', { security_group: { name: 'Default' } })),
    ).toEqual({
      status: 409,
      type: 'SecurityGroupDefaultAlreadyExists',
      message: 'Default security group already exists.',
    });
    const id = defaultGroup().id;
    expect(
      neutronError(await send('PUT', `/v2.0/security-groups/${id}`, { security_group: { name: 'x' } })),
    ).toEqual({
      status: 409,
      type: 'SecurityGroupCannotUpdateDefault',
      message: 'Updating default security group not allowed.',
    });
    expect(neutronError(await send('DELETE', `/v2.0/security-groups/${id}`))).toEqual({
      status: 409,
      type: 'SecurityGroupCannotRemoveDefault',
      message: 'Insufficient rights for removing default security group.',
    });
  });

  it('updates name and description, and refuses read-only attributes', async () => {
    const created = (await send('POST', '/v2.0/security-groups', { security_group: { name: 'api' } })).json();
    const id = created.security_group.id;
    const updated = await send('PUT', `/v2.0/security-groups/${id}`, {
      security_group: { name: 'api-2', description: 'renamed' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().security_group).toMatchObject({ name: 'api-2', description: 'renamed' });
    expect(
      neutronError(await send('PUT', `/v2.0/security-groups/${id}`, { security_group: { id: 'x' } })),
    ).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: 'Cannot update read-only attribute id',
    });
  });

  it('refuses to delete a group a server uses, then deletes it with its rules once free', async () => {
    const created = (
      await send('POST', '/v2.0/security-groups', { security_group: { name: 'services' } })
    ).json();
    const id = created.security_group.id as string;
    const rule = await send('POST', '/v2.0/security-group-rules', {
      security_group_rule: {
        direction: 'ingress',
        security_group_id: defaultGroup().id,
        remote_group_id: id,
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
      },
    });
    expect(rule.statusCode).toBe(201);
    const { server } = addServer(store, { securityGroupIds: [id] });
    expect(neutronError(await send('DELETE', `/v2.0/security-groups/${id}`))).toEqual({
      status: 409,
      type: 'SecurityGroupInUse',
      message: `Security Group ${id} in use.`,
    });
    store.update((s) => {
      s.servers = s.servers.filter((x) => x.id !== server.id);
    });
    calls.length = 0;
    const deleted = await send('DELETE', `/v2.0/security-groups/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(calls).toEqual(['refreshNetwork']);
    expect(state().securityGroups.some((g) => g.id === id)).toBe(false);
    // Its own rules, and the rule elsewhere that named it as remote group, went with it.
    expect(state().securityGroupRules.some((r) => r.groupId === id || r.remoteGroupId === id)).toBe(false);
    expect(neutronError(await send('DELETE', `/v2.0/security-groups/${id}`))).toMatchObject({
      status: 404,
      type: 'SecurityGroupNotFound',
    });
  });

  it('enforces the security_group quota with OverQuota', async () => {
    store.update((s) => {
      s.quotas[projectId]!.securityGroups = 2;
    });
    expect((await send('POST', '/v2.0/security-groups', { security_group: { name: 'a' } })).statusCode).toBe(
      201,
    );
    expect(
      neutronError(await send('POST', '/v2.0/security-groups', { security_group: { name: 'b' } })),
    ).toEqual({
      status: 409,
      type: 'OverQuota',
      message: "Quota exceeded for resources: ['security_group'].",
    });
  });
});

describe('security group rules', () => {
  let groupId: string;
  beforeEach(async () => {
    groupId = (await send('POST', '/v2.0/security-groups', { security_group: { name: 'api' } })).json()
      .security_group.id;
    calls.length = 0;
  });
  const createRule = (rule: Record<string, unknown>) =>
    send('POST', '/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: groupId, ...rule },
    });

  it('creates the OSC’s rule and libcloud’s upper-case one, protocol normalised', async () => {
    const osc = await createRule({
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 80,
      port_range_max: 80,
      remote_ip_prefix: '0.0.0.0/0',
    });
    expect(osc.statusCode).toBe(201);
    expect(osc.json().security_group_rule).toMatchObject({
      security_group_id: groupId,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 80,
      port_range_max: 80,
      remote_ip_prefix: '0.0.0.0/0',
      remote_group_id: null,
      normalized_cidr: '0.0.0.0/0',
      tenant_id: projectId,
      project_id: projectId,
    });
    const libcloud = await createRule({
      direction: 'ingress',
      protocol: 'TCP',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: '10.0.0.5',
    });
    expect(libcloud.statusCode).toBe(201);
    expect(libcloud.json().security_group_rule).toMatchObject({
      protocol: 'tcp',
      remote_ip_prefix: '10.0.0.5/32',
    });
    const numeric = await createRule({
      direction: 'ingress',
      protocol: '6',
      port_range_min: '443',
      port_range_max: '443',
    });
    expect(numeric.json().security_group_rule).toMatchObject({
      protocol: 'tcp',
      port_range_min: 443,
      port_range_max: 443,
    });
    expect(calls).toEqual(['refreshNetwork', 'refreshNetwork', 'refreshNetwork']);
    const rule = state().securityGroupRules.find((r) => r.id === osc.json().security_group_rule.id)!;
    expect(rule).toMatchObject({ protocol: 'tcp', portMin: 80, portMax: 80, remoteIpPrefix: '0.0.0.0/0' });
  });

  it('creates pkgcloud’s remote-group rule (no ethertype) and lists rules by group', async () => {
    const response = await createRule({
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 5672,
      port_range_max: 5672,
      remote_group_id: defaultGroup().id,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().security_group_rule).toMatchObject({
      ethertype: 'IPv4',
      remote_group_id: defaultGroup().id,
      remote_ip_prefix: null,
    });
    const list = await get(`/v2.0/security-group-rules?security_group_id=${groupId}`);
    expect(list.json().security_group_rules).toHaveLength(3);
    const id = response.json().security_group_rule.id;
    expect((await get(`/v2.0/security-group-rules/${id}`)).json().security_group_rule.id).toBe(id);
  });

  it('refuses a duplicate with Neutron’s message, the same rule written differently too', async () => {
    const first = await createRule({
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 80,
      port_range_max: 80,
      remote_ip_prefix: '0.0.0.0/0',
    });
    const id = first.json().security_group_rule.id;
    const again = await createRule({
      direction: 'ingress',
      protocol: '6',
      port_range_min: 80,
      port_range_max: 80,
    });
    expect(neutronError(again)).toEqual({
      status: 409,
      type: 'SecurityGroupRuleExists',
      message: `Security group rule already exists. Rule id is ${id}.`,
    });
    // The group's own egress rules count too.
    expect(neutronError(await createRule({ direction: 'egress' }))).toMatchObject({
      status: 409,
      type: 'SecurityGroupRuleExists',
    });
  });

  it('checks ports, protocols, remotes and the groups as Neutron does', async () => {
    const cases: [Record<string, unknown>, number, string, string?][] = [
      [
        { direction: 'ingress', protocol: 'tcp', port_range_min: 90, port_range_max: 80 },
        400,
        'SecurityGroupInvalidPortRange',
        'For TCP/UDP protocols, port_range_min must be <= port_range_max',
      ],
      [{ direction: 'ingress', protocol: 'tcp', port_range_min: 80 }, 400, 'SecurityGroupInvalidPortRange'],
      [
        { direction: 'ingress', port_range_min: 80, port_range_max: 80 },
        400,
        'SecurityGroupProtocolRequiredWithPorts',
        'Must also specify protocol if port range is given.',
      ],
      [
        { direction: 'ingress', protocol: 'tcp', port_range_min: 70000, port_range_max: 70000 },
        400,
        'SecurityGroupInvalidPortValue',
        'Invalid value for port 70000',
      ],
      [{ direction: 'ingress', protocol: 'http' }, 400, 'SecurityGroupRuleInvalidProtocol'],
      [
        { direction: 'ingress', protocol: 'icmp', port_range_min: 300 },
        400,
        'SecurityGroupInvalidIcmpValue',
        'Invalid value for ICMP type (port_range_min) 300. It must be 0 to 255.',
      ],
      [
        { direction: 'ingress', protocol: 'gre', port_range_min: 1, port_range_max: 2 },
        400,
        'SecurityGroupInvalidProtocolForPort',
      ],
      [
        { direction: 'ingress', remote_ip_prefix: '::/0' },
        400,
        'SecurityGroupRuleParameterConflict',
        'Conflicting value ethertype IPv4 for CIDR ::/0',
      ],
      [
        { direction: 'ingress', remote_ip_prefix: '10.0.0.300/8' },
        400,
        'InvalidCIDR',
        'Invalid CIDR 10.0.0.300/8 given as IP prefix.',
      ],
      [
        { direction: 'ingress', ethertype: 'IPv5' },
        400,
        'SecurityGroupRuleInvalidEtherType',
        "Security group rule for ethertype 'IPv5' not supported. Allowed values are ['IPv4', 'IPv6'].",
      ],
      [
        { direction: 'sideways' },
        400,
        'HTTPBadRequest',
        'Invalid input for direction. Reason: sideways is not in valid_values.',
      ],
      [
        { direction: 'ingress', remote_ip_prefix: '0.0.0.0/0', remote_group_id: 'x' },
        400,
        'SecurityGroupMultipleRemoteEntites',
        'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
      ],
      [
        { direction: 'ingress', remote_group_id: 'no-such-group' },
        404,
        'SecurityGroupNotFound',
        'Security group no-such-group does not exist',
      ],
      [
        { direction: 'ingress', security_group_id: 'no-such-group' },
        404,
        'SecurityGroupNotFound',
        'Security group no-such-group does not exist',
      ],
    ];
    for (const [rule, status, type, message] of cases) {
      const error = neutronError(await createRule(rule));
      expect({ rule, ...error }).toMatchObject({ rule, status, type, ...(message ? { message } : {}) });
    }
    expect(calls).toEqual([]);
  });

  it('requires direction and security_group_id', async () => {
    const noGroup = await send('POST', '/v2.0/security-group-rules', {
      security_group_rule: { direction: 'ingress' },
    });
    expect(neutronError(noGroup)).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: "Failed to parse request. Required attribute 'security_group_id' not specified",
    });
    expect(neutronError(await createRule({ protocol: 'tcp' }))).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: "Failed to parse request. Required attribute 'direction' not specified",
    });
  });

  it('treats the whole port range as no range, as Neutron does', async () => {
    const response = await createRule({
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 1,
      port_range_max: 65535,
    });
    expect(response.json().security_group_rule).toMatchObject({ port_range_min: null, port_range_max: null });
  });

  it('deletes a rule, and answers 404 for an unknown one', async () => {
    const id = (
      await createRule({ direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 })
    ).json().security_group_rule.id;
    calls.length = 0;
    expect((await send('DELETE', `/v2.0/security-group-rules/${id}`)).statusCode).toBe(204);
    expect(calls).toEqual(['refreshNetwork']);
    expect(neutronError(await send('DELETE', `/v2.0/security-group-rules/${id}`))).toEqual({
      status: 404,
      type: 'SecurityGroupRuleNotFound',
      message: `Security group rule ${id} does not exist`,
    });
  });

  it('enforces the security_group_rule quota', async () => {
    const used = state().securityGroupRules.length;
    store.update((s) => {
      s.quotas[projectId]!.securityGroupRules = used;
    });
    expect(neutronError(await createRule({ direction: 'ingress', protocol: 'udp' }))).toEqual({
      status: 409,
      type: 'OverQuota',
      message: "Quota exceeded for resources: ['security_group_rule'].",
    });
  });
});

describe('floating IPs', () => {
  const allocate = () =>
    send('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicNet().id } });

  it('allocates the lowest free address of public, DOWN until associated', async () => {
    const response = await allocate();
    expect(response.statusCode).toBe(201);
    const fip = response.json().floatingip;
    expect(fip).toMatchObject({
      floating_ip_address: `127.${SLOT}.2.3`,
      floating_network_id: publicNet().id,
      port_id: null,
      fixed_ip_address: null,
      router_id: null,
      status: 'DOWN',
      port_details: null,
      tenant_id: projectId,
      project_id: projectId,
      description: '',
    });
    expect(typeof fip.revision_number).toBe('number');
    expect((await allocate()).json().floatingip.floating_ip_address).toBe(`127.${SLOT}.2.4`);
    expect(calls).toEqual(['refreshNetwork', 'refreshNetwork']);
    expect(state().floatingIps.map((f) => f.pool)).toEqual(['public', 'public']);
  });

  it('associates with a port (PUT port_id), records the server, and disassociates with null', async () => {
    const { server, portId } = addServer(store);
    const id = (await allocate()).json().floatingip.id;
    const put = await send('PUT', `/v2.0/floatingips/${id}`, { floatingip: { port_id: portId } });
    expect(put.statusCode).toBe(200);
    expect(put.json().floatingip).toMatchObject({
      port_id: portId,
      fixed_ip_address: server.fixedIp,
      status: 'ACTIVE',
      port_details: { device_id: server.id, device_owner: 'compute:nova', network_id: privateNet().id },
    });
    expect(state().floatingIps[0]).toMatchObject({
      portId,
      serverId: server.id,
      fixedAddress: server.fixedIp,
    });
    const byPort = await get(`/v2.0/floatingips?port_id=${portId}`);
    expect(byPort.json().floatingips.map((f: { id: string }) => f.id)).toEqual([id]);
    const cleared = await send('PUT', `/v2.0/floatingips/${id}`, { floatingip: { port_id: null } });
    expect(cleared.json().floatingip).toMatchObject({
      port_id: null,
      fixed_ip_address: null,
      status: 'DOWN',
    });
    expect(state().floatingIps[0]).toMatchObject({ portId: null, serverId: null, fixedAddress: null });
    expect(calls.filter((c) => c === 'refreshNetwork')).toHaveLength(3);
  });

  it('associates at create when port_id is given, and refuses a second FIP on the same port or the public port', async () => {
    const { portId, publicPortId } = addServer(store);
    const created = await send('POST', '/v2.0/floatingips', {
      floatingip: { floating_network_id: publicNet().id, port_id: portId },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().floatingip.status).toBe('ACTIVE');
    const second = (await allocate()).json().floatingip.id;
    expect(
      neutronError(await send('PUT', `/v2.0/floatingips/${second}`, { floatingip: { port_id: portId } })),
    ).toMatchObject({
      status: 409,
      type: 'FloatingIPPortAlreadyAssociated',
    });
    const onPublic = await send('PUT', `/v2.0/floatingips/${second}`, {
      floatingip: { port_id: publicPortId },
    });
    expect(neutronError(onPublic)).toEqual({
      status: 404,
      type: 'ExternalGatewayForFloatingIPNotFound',
      message: `External network ${publicNet().id} is not reachable from subnet ${publicNet().subnetId}.  Therefore, cannot associate Port ${publicPortId} with a Floating IP.`,
    });
    expect(
      neutronError(
        await send('PUT', `/v2.0/floatingips/${second}`, { floatingip: { port_id: randomUUID() } }),
      ),
    ).toMatchObject({
      status: 404,
      type: 'PortNotFound',
    });
    expect(state().floatingIps.find((f) => f.id === second)).toMatchObject({ portId: null, serverId: null });
  });

  it('finds FIPs by address, and answers 404 FloatingIPNotFound for an address in the path', async () => {
    const fip = (await allocate()).json().floatingip;
    const found = await get(`/v2.0/floatingips?floating_ip_address=${fip.floating_ip_address}`);
    expect(found.json().floatingips.map((f: { id: string }) => f.id)).toEqual([fip.id]);
    expect(neutronError(await get(`/v2.0/floatingips/${fip.floating_ip_address}`))).toEqual({
      status: 404,
      type: 'FloatingIPNotFound',
      message: `Floating IP ${fip.floating_ip_address} could not be found`,
    });
    expect((await get(`/v2.0/floatingips/${fip.id}`)).json().floatingip.id).toBe(fip.id);
  });

  it('releases with DELETE (204), then 404', async () => {
    const id = (await allocate()).json().floatingip.id;
    expect((await send('DELETE', `/v2.0/floatingips/${id}`)).statusCode).toBe(204);
    expect(state().floatingIps).toHaveLength(0);
    expect(neutronError(await send('DELETE', `/v2.0/floatingips/${id}`))).toMatchObject({
      status: 404,
      type: 'FloatingIPNotFound',
    });
  });

  it('refuses unknown, private and malformed networks', async () => {
    const unknown = randomUUID();
    expect(
      neutronError(await send('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: unknown } })),
    ).toEqual({
      status: 404,
      type: 'NetworkNotFound',
      message: `Network ${unknown} could not be found.`,
    });
    expect(
      neutronError(
        await send('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: 'public' } }),
      ),
    ).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: "Invalid input for floating_network_id. Reason: 'public' is not a valid UUID.",
    });
    expect(
      neutronError(
        await send('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: privateNet().id } }),
      ),
    ).toEqual({
      status: 400,
      type: 'BadRequest',
      message: `Bad floatingip request: Network ${privateNet().id} is not a valid external network.`,
    });
    expect(neutronError(await send('POST', '/v2.0/floatingips', { floatingip: {} }))).toEqual({
      status: 400,
      type: 'HTTPBadRequest',
      message: "Failed to parse request. Required attribute 'floating_network_id' not specified",
    });
    expect(state().floatingIps).toHaveLength(0);
    expect(calls).toEqual([]);
  });

  it('enforces the floatingip quota with Neutron’s OverQuota', async () => {
    store.update((s) => {
      s.quotas[projectId]!.floatingIps = 1;
    });
    expect((await allocate()).statusCode).toBe(201);
    expect(neutronError(await allocate())).toEqual({
      status: 409,
      type: 'OverQuota',
      message: "Quota exceeded for resources: ['floatingip'].",
    });
    expect(state().floatingIps).toHaveLength(1);
  });
});

describe('quotas and extensions', () => {
  it('shows the project’s quota, its usage, and refuses other projects', async () => {
    const quota = await get(`/v2.0/quotas/${projectId}`);
    expect(quota.json().quota).toMatchObject({
      floatingip: 10,
      security_group: 10,
      security_group_rule: 100,
      network: 100,
      subnet: 100,
      port: 500,
      router: 10,
    });
    await send('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: publicNet().id } });
    const details = await get(`/v2.0/quotas/${projectId}/details.json`);
    expect(details.json().quota.floatingip).toEqual({ limit: 10, used: 1, reserved: 0 });
    expect(details.json().quota.security_group_rule).toEqual({ limit: 100, used: 4, reserved: 0 });
    expect((await get(`/v2.0/quotas/${projectId}/default`)).json().quota.floatingip).toBe(10);
    expect(neutronError(await get('/v2.0/quotas/someone-else'))).toMatchObject({
      status: 403,
      type: 'PolicyNotAuthorized',
    });
  });

  it('lists its extensions and 404s an unknown one', async () => {
    const list = await get('/v2.0/extensions');
    expect(list.json().extensions.map((e: { alias: string }) => e.alias)).toContain('security-group');
    expect((await get('/v2.0/extensions/external-net')).json().extension.alias).toBe('external-net');
    expect(neutronError(await get('/v2.0/extensions/dvr'))).toMatchObject({
      status: 404,
      type: 'HTTPNotFound',
    });
  });
});
