// One local cloud, several projects (a classroom's students): Keystone's admin routes (projects,
// users, roles, role assignments) with its status codes and words, quotas an admin sets for another
// project through Nova and Neutron, and scoping — a student's lists, shows, updates and deletes see
// only their own project's servers, ports, floating IPs and security groups; another project's id
// is absent (404). Identity, compute and network run in-process over one memory store.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore, ProviderDeps } from '../../src/localcloud/contracts.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { DEFAULT_QUOTA } from '../../src/localcloud/model/quotas.ts';
import { computeProvider } from '../../src/localcloud/providers/compute/index.ts';
import { identityProvider } from '../../src/localcloud/providers/identity/index.ts';
import { networkProvider } from '../../src/localcloud/providers/network/index.ts';
import { createMemoryStore, seedState, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';
import { bootingRuntime } from '../helpers/booting-runtime.ts';

const NOW = new Date('2026-12-03T08:00:00.000Z');
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH';
// biome-ignore lint/suspicious/noExplicitAny: API bodies, read field by field
type Json = any;
type Call = (method: Method, url: string, body?: unknown) => Promise<{ status: number; json: Json }>;

let store: CloudStore;
let apps: Record<'identity' | 'compute' | 'network', FastifyInstance>;

beforeEach(async () => {
  store = createMemoryStore(seedState({ slot: 5 }));
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
  apps = {
    identity: buildServiceApp('identity', identityProvider, deps),
    compute: buildServiceApp('compute', computeProvider, deps),
    network: buildServiceApp('network', networkProvider, deps),
  };
  await Promise.all(Object.values(apps).map((a) => a.ready()));
});
afterEach(async () => {
  await Promise.all(Object.values(apps).map((a) => a.close()));
});

function caller(service: keyof typeof apps, token: string): Call {
  return async (method, url, body) => {
    const response = await apps[service].inject({
      method,
      url,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, json: response.body === '' ? undefined : response.json() };
  };
}

/** A token as the OSC asks for one; undefined when Keystone refuses (401). */
async function login(username: string, password: string, project: string) {
  const response = await apps.identity.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    payload: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: username, domain: { name: 'Default' }, password } },
        },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    },
  });
  if (response.statusCode !== 201)
    return { status: response.statusCode, token: undefined, body: response.json() };
  return { status: 201, token: response.headers['x-subject-token'] as string, body: response.json() };
}

interface As {
  keystone: Call;
  nova: Call;
  neutron: Call;
}
const as = (token: string): As => ({
  keystone: caller('identity', token),
  nova: caller('compute', token),
  neutron: caller('network', token),
});

async function admin(): Promise<As> {
  const user = store.read().users.find((u) => u.name === 'admin')!;
  const { token } = await login('admin', user.password, 'admin');
  return as(token!);
}

/** A student as a room makes one: project, user (default project), member role. */
async function student(boss: As, name: string) {
  const project = await boss.keystone('POST', '/v3/projects', { project: { name, domain_id: 'default' } });
  expect(project.status, JSON.stringify(project.json)).toBe(201);
  const user = await boss.keystone('POST', '/v3/users', {
    user: { name, password: `${name}-pw`, default_project_id: project.json.project.id, domain_id: 'default' },
  });
  expect(user.status).toBe(201);
  const member = (await boss.keystone('GET', '/v3/roles?name=member')).json.roles[0];
  const grant = await boss.keystone(
    'PUT',
    `/v3/projects/${project.json.project.id}/users/${user.json.user.id}/roles/${member.id}`,
  );
  expect(grant.status).toBe(204);
  const { token } = await login(name, `${name}-pw`, name);
  return { projectId: project.json.project.id as string, userId: user.json.user.id as string, ...as(token!) };
}

const serverBody = (name: string) => ({
  server: { name, imageRef: UBUNTU_IMAGE_ID, flavorRef: '1', security_groups: [{ name: 'default' }] },
});

describe('Keystone administration', () => {
  it('gives the seeded admin the admin role (with member and reader implied) and the demo user member only', async () => {
    const adminUser = store.read().users.find((u) => u.name === 'admin')!;
    const adminLogin = await login('admin', adminUser.password, 'admin');
    expect(adminLogin.body.token.roles.map((r: { name: string }) => r.name)).toEqual([
      'admin',
      'member',
      'reader',
    ]);
    const demo = await login('demo', 'password', 'demo');
    expect(demo.body.token.roles.map((r: { name: string }) => r.name)).toEqual(['member', 'reader']);
    // The demo user holds no role on the admin project, so no token for it.
    expect((await login('demo', 'password', 'admin')).status).toBe(401);
  });

  it('creates projects and users, refuses duplicates with 409 and bad bodies with 400', async () => {
    const boss = await admin();
    const made = await boss.keystone('POST', '/v3/projects', { project: { name: 'alice' } });
    expect(made.status).toBe(201);
    expect(made.json.project).toMatchObject({ name: 'alice', domain_id: 'default', enabled: true });
    expect(store.read().quotas[made.json.project.id]).toEqual(DEFAULT_QUOTA);
    const again = await boss.keystone('POST', '/v3/projects', { project: { name: 'alice' } });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 409, title: 'Conflict' });
    expect(again.json.error.message).toMatch(/two projects with the same name in the same domain : alice\.$/);
    expect((await boss.keystone('POST', '/v3/projects', { project: {} })).status).toBe(400);
    expect(
      (await boss.keystone('POST', '/v3/projects', { project: { name: 'x', domain_id: 'nope' } })).status,
    ).toBe(404);

    const user = await boss.keystone('POST', '/v3/users', {
      user: { name: 'alice', password: 'pw', default_project_id: made.json.project.id },
    });
    expect(user.status).toBe(201);
    expect(user.json.user).toMatchObject({ name: 'alice', default_project_id: made.json.project.id });
    expect(user.json.user.password).toBeUndefined();
    const twice = await boss.keystone('POST', '/v3/users', { user: { name: 'alice', password: 'pw' } });
    expect(twice.status).toBe(409);
    expect(twice.json.error.message).toMatch(/Duplicate entry found with name alice/);
    const noProject = await boss.keystone('POST', '/v3/users', {
      user: { name: 'bob', password: 'pw', default_project_id: 'missing' },
    });
    expect(noProject.status).toBe(404);
    expect(noProject.json.error.message).toBe('Could not find project: missing.');
    // Found by name as the OSC does: GET /v3/users/NAME is 404, then ?name=.
    expect((await boss.keystone('GET', '/v3/users/alice')).status).toBe(404);
    expect((await boss.keystone('GET', '/v3/users?name=alice')).json.users).toHaveLength(1);
  });

  it('refuses a member every administrative call with Keystone 403, naming the policy', async () => {
    const demo = as((await login('demo', 'password', 'demo')).token!);
    const refusals: Array<[Method, string, string, unknown?]> = [
      ['POST', '/v3/projects', 'create_project', { project: { name: 'x' } }],
      ['DELETE', `/v3/projects/${store.read().projects[1]!.id}`, 'delete_project'],
      ['POST', '/v3/users', 'create_user', { user: { name: 'x', password: 'p' } }],
      ['DELETE', `/v3/users/${store.read().users[1]!.id}`, 'delete_user'],
      ['GET', '/v3/users', 'list_users'],
      ['GET', '/v3/roles', 'list_roles'],
      ['GET', '/v3/role_assignments', 'list_role_assignments'],
      [
        'PUT',
        `/v3/projects/${store.read().projects[0]!.id}/users/${store.read().users[0]!.id}/roles/admin`,
        'create_grant',
      ],
    ];
    for (const [method, url, action, body] of refusals) {
      const res = await demo.keystone(method, url, body);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.json.error).toEqual({
        code: 403,
        title: 'Forbidden',
        message: `You are not authorized to perform the requested action: identity:${action}.`,
      });
    }
    // What a member may see: their own projects and themselves, not the admin project.
    const projects = (await demo.keystone('GET', '/v3/projects')).json.projects;
    expect(projects.map((p: { name: string }) => p.name)).toEqual(['demo']);
    expect((await demo.keystone('GET', `/v3/projects/${store.read().projects[1]!.id}`)).status).toBe(403);
    expect((await demo.keystone('GET', `/v3/users/${store.read().users[1]!.id}`)).status).toBe(403);
  });

  it('grants, checks, lists and revokes roles; a token needs a role on its project', async () => {
    const boss = await admin();
    const alice = await student(boss, 'alice');
    const roles = (await boss.keystone('GET', '/v3/roles')).json.roles;
    expect(roles.map((r: { name: string }) => r.name)).toEqual(['admin', 'member', 'reader']);
    const member = roles.find((r: { name: string }) => r.name === 'member');
    const grant = `/v3/projects/${alice.projectId}/users/${alice.userId}/roles/${member.id}`;
    expect((await boss.keystone('HEAD', grant)).status).toBe(204);
    const reader = roles.find((r: { name: string }) => r.name === 'reader');
    expect(
      (
        await boss.keystone(
          'HEAD',
          `/v3/projects/${alice.projectId}/users/${alice.userId}/roles/${reader.id}`,
        )
      ).status,
    ).toBe(404);
    const listed = await boss.keystone(
      'GET',
      `/v3/role_assignments?user.id=${alice.userId}&scope.project.id=${alice.projectId}`,
    );
    expect(listed.json.role_assignments).toEqual([
      {
        role: { id: member.id },
        user: { id: alice.userId },
        scope: { project: { id: alice.projectId } },
        links: { assignment: `http://127.0.0.1:5000${grant}` },
      },
    ]);
    expect(
      (await boss.keystone('GET', `/v3/role_assignments?user.id=${alice.userId}&role.id=${reader.id}`)).json
        .role_assignments,
    ).toEqual([]);
    expect(
      (await boss.keystone('PUT', `/v3/projects/${alice.projectId}/users/${alice.userId}/roles/nope`)).status,
    ).toBe(404);
    expect((await alice.nova('GET', '/v2.1/servers')).status).toBe(200);
    expect((await boss.keystone('DELETE', grant)).status).toBe(204);
    expect((await boss.keystone('DELETE', grant)).status).toBe(404);
    // Her token for the project is revoked with the role.
    expect((await alice.nova('GET', '/v2.1/servers')).status).toBe(401);
    expect((await login('alice', 'alice-pw', 'alice')).status).toBe(401);
  });

  it('gives a student a v2.0 token (libcloud 2.0_password) for their own tenant only', async () => {
    const boss = await admin();
    await student(boss, 'alice');
    const v2 = (tenantName: string) =>
      apps.identity.inject({
        method: 'POST',
        url: '/v2.0/tokens',
        payload: { auth: { passwordCredentials: { username: 'alice', password: 'alice-pw' }, tenantName } },
      });
    const own = await v2('alice');
    expect(own.statusCode).toBe(200);
    expect(own.json().access.user.roles).toEqual([{ name: 'member' }, { name: 'reader' }]);
    expect((await v2('demo')).statusCode).toBe(401);
  });

  it('refuses to delete a project while it has servers (409), then deletes it and what it owned', async () => {
    const boss = await admin();
    const alice = await student(boss, 'alice');
    const server = await alice.nova('POST', '/v2.1/servers', serverBody('app-worker-1'));
    expect(server.status).toBe(202);
    const pub = (await alice.neutron('GET', '/v2.0/networks?name=public')).json.networks[0];
    expect(
      (await alice.neutron('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: pub.id } }))
        .status,
    ).toBe(201);
    const refused = await boss.keystone('DELETE', `/v3/projects/${alice.projectId}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(/still has servers \(app-worker-1\).*delete them first/);
    expect((await alice.nova('DELETE', `/v2.1/servers/${server.json.server.id}`)).status).toBe(204);
    expect((await boss.keystone('DELETE', `/v3/projects/${alice.projectId}`)).status).toBe(204);
    const state = store.read();
    expect(state.projects.some((p) => p.id === alice.projectId)).toBe(false);
    expect(state.securityGroups.filter((g) => g.projectId === alice.projectId)).toEqual([]);
    expect(state.floatingIps.filter((f) => f.projectId === alice.projectId)).toEqual([]);
    expect(state.quotas[alice.projectId]).toBeUndefined();
    // The token scoped to the project is gone with it.
    expect((await alice.nova('GET', '/v2.1/servers')).status).toBe(401);
    expect((await boss.keystone('DELETE', `/v3/projects/${alice.projectId}`)).status).toBe(404);
    // The project that owns the shared networks is not deleted from under every other project.
    const demoProject = state.projects[0]!.id;
    const owns = await boss.keystone('DELETE', `/v3/projects/${demoProject}`);
    expect(owns.status).toBe(409);
    expect(owns.json.error.message).toMatch(/owns the networks private, public/);
  });

  it('deletes a user: their tokens and key pairs go, their project stays', async () => {
    const boss = await admin();
    const alice = await student(boss, 'alice');
    expect((await alice.nova('POST', '/v2.1/os-keypairs', { keypair: { name: 'k' } })).status).toBe(200);
    expect((await boss.keystone('DELETE', `/v3/users/${alice.userId}`)).status).toBe(204);
    expect((await alice.nova('GET', '/v2.1/os-keypairs')).status).toBe(401);
    expect(store.read().keypairs.filter((k) => k.userId === alice.userId)).toEqual([]);
    expect((await boss.keystone('GET', `/v3/projects/${alice.projectId}`)).status).toBe(200);
    expect((await boss.keystone('DELETE', `/v3/users/${alice.userId}`)).status).toBe(404);
  });
});

describe('quotas for another project', () => {
  it('lets the admin read and set any project’s quota through Nova and Neutron; a student only reads their own', async () => {
    const boss = await admin();
    const alice = await student(boss, 'alice');
    const bob = await student(boss, 'bob');
    expect((await alice.nova('GET', `/v2.1/os-quota-sets/${alice.projectId}`)).json.quota_set.instances).toBe(
      DEFAULT_QUOTA.instances,
    );
    const set = await boss.nova('PUT', `/v2.1/os-quota-sets/${alice.projectId}`, {
      quota_set: { instances: 6, cores: 8 },
    });
    expect(set.status).toBe(200);
    expect(set.json.quota_set).toMatchObject({ instances: 6, cores: 8 });
    expect((await boss.nova('GET', `/v2.1/os-quota-sets/${alice.projectId}`)).json.quota_set.instances).toBe(
      6,
    );
    expect(
      (await alice.nova('GET', `/v2.1/os-quota-sets/${alice.projectId}/detail`)).json.quota_set.instances,
    ).toEqual({
      limit: 6,
      in_use: 0,
      reserved: 0,
    });
    // A student's project is the admin's to size: no raising it, no reading the neighbour's.
    const raise = await alice.nova('PUT', `/v2.1/os-quota-sets/${alice.projectId}`, {
      quota_set: { instances: 60 },
    });
    expect(raise.status).toBe(403);
    expect(raise.json.forbidden.message).toMatch(/os-quota-sets:update/);
    expect((await alice.nova('GET', `/v2.1/os-quota-sets/${bob.projectId}`)).status).toBe(403);

    const neutronSet = await boss.neutron('PUT', `/v2.0/quotas/${alice.projectId}`, {
      quota: { floatingip: 2, security_group: 4 },
    });
    expect(neutronSet.status).toBe(200);
    expect(neutronSet.json.quota).toMatchObject({ floatingip: 2, security_group: 4, network: 100 });
    expect((await alice.neutron('GET', `/v2.0/quotas/${alice.projectId}`)).json.quota.floatingip).toBe(2);
    // Both APIs show the one quota.
    expect(
      (await alice.nova('GET', `/v2.1/os-quota-sets/${alice.projectId}`)).json.quota_set.floating_ips,
    ).toBe(2);
    expect(
      (await alice.neutron('PUT', `/v2.0/quotas/${alice.projectId}`, { quota: { floatingip: 9 } })).status,
    ).toBe(403);
    expect((await alice.neutron('GET', `/v2.0/quotas/${bob.projectId}`)).status).toBe(403);
    expect((await boss.neutron('GET', `/v2.0/quotas/${bob.projectId}`)).json.quota.floatingip).toBe(
      DEFAULT_QUOTA.floatingIps,
    );
    expect((await boss.neutron('PUT', '/v2.0/quotas/missing', { quota: { floatingip: 1 } })).status).toBe(
      404,
    );
    expect(
      (await boss.neutron('PUT', `/v2.0/quotas/${bob.projectId}`, { quota: { network: 3 } })).status,
    ).toBe(400);
    const all = (await boss.neutron('GET', '/v2.0/quotas')).json.quotas;
    expect(all.find((q: { project_id: string }) => q.project_id === alice.projectId).floatingip).toBe(2);

    // The quota holds: the seventh server of a six-instance project is refused.
    for (let i = 1; i <= 6; i++)
      expect((await alice.nova('POST', '/v2.1/servers', serverBody(`n${i}`))).status).toBe(202);
    const seventh = await alice.nova('POST', '/v2.1/servers', serverBody('n7'));
    expect(seventh.status).toBe(403);
    expect(seventh.json.forbidden.message).toMatch(/Quota exceeded for instances/);
  });
});

describe('scoping: a student sees and touches only their own project', () => {
  it('servers, security groups, rules, floating IPs and ports of another project are absent (404)', async () => {
    const boss = await admin();
    const alice = await student(boss, 'alice');
    const bob = await student(boss, 'bob');

    // Both may use the shared `private` network and the external `public` one.
    for (const who of [alice, bob]) {
      const nets = (await who.neutron('GET', '/v2.0/networks')).json.networks;
      expect(nets.map((n: { name: string; shared: boolean }) => [n.name, n.shared]).sort()).toEqual([
        ['private', true],
        ['public', false],
      ]);
    }
    // The same server name in two projects: two servers, each in its own project.
    const a = await alice.nova('POST', '/v2.1/servers', serverBody('app-worker-1'));
    const b = await bob.nova('POST', '/v2.1/servers', serverBody('app-worker-1'));
    expect([a.status, b.status]).toEqual([202, 202]);
    const aId = a.json.server.id;
    const bId = b.json.server.id;
    expect(
      (await alice.nova('GET', '/v2.1/servers/detail')).json.servers.map((s: { id: string }) => s.id),
    ).toEqual([aId]);
    expect(
      (await bob.nova('GET', '/v2.1/servers?name=app-worker-1')).json.servers.map(
        (s: { id: string }) => s.id,
      ),
    ).toEqual([bId]);
    expect((await bob.nova('GET', `/v2.1/servers/${aId}`)).status).toBe(404);
    expect((await bob.nova('DELETE', `/v2.1/servers/${aId}`)).status).toBe(404);
    expect((await bob.nova('POST', `/v2.1/servers/${aId}/action`, { 'os-stop': null })).status).toBe(404);
    expect((await alice.nova('GET', `/v2.1/servers/${aId}`)).json.server.addresses.private[0].addr).toMatch(
      /^10\./,
    );

    // Each project gets its own `default` group; another's groups and rules are not there.
    const aGroups = (await alice.neutron('GET', '/v2.0/security-groups')).json.security_groups;
    const bGroups = (await bob.neutron('GET', '/v2.0/security-groups')).json.security_groups;
    expect(aGroups.map((g: { name: string }) => g.name)).toEqual(['default']);
    expect(bGroups.map((g: { name: string }) => g.name)).toEqual(['default']);
    expect(aGroups[0].id).not.toBe(bGroups[0].id);
    const web = await alice.neutron('POST', '/v2.0/security-groups', { security_group: { name: 'web' } });
    expect(web.status).toBe(201);
    const webId = web.json.security_group.id;
    expect((await bob.neutron('GET', `/v2.0/security-groups/${webId}`)).status).toBe(404);
    expect((await bob.neutron('DELETE', `/v2.0/security-groups/${webId}`)).status).toBe(404);
    expect((await bob.nova('GET', `/v2.1/os-security-groups/${webId}`)).status).toBe(404);
    const rule = await alice.neutron('POST', '/v2.0/security-group-rules', {
      security_group_rule: {
        security_group_id: webId,
        direction: 'ingress',
        protocol: 'tcp',
        port_range_min: 80,
        port_range_max: 80,
      },
    });
    expect(rule.status).toBe(201);
    expect(
      (await bob.neutron('GET', `/v2.0/security-group-rules/${rule.json.security_group_rule.id}`)).status,
    ).toBe(404);
    expect(
      (await bob.neutron('DELETE', `/v2.0/security-group-rules/${rule.json.security_group_rule.id}`)).status,
    ).toBe(404);
    // A rule of Bob's may not name Alice's group as its source.
    const crossed = await bob.neutron('POST', '/v2.0/security-group-rules', {
      security_group_rule: { security_group_id: bGroups[0].id, direction: 'ingress', remote_group_id: webId },
    });
    expect(crossed.status).toBe(404);
    expect(
      (await bob.neutron('GET', '/v2.0/security-group-rules')).json.security_group_rules.every(
        (r: { security_group_id: string }) => r.security_group_id === bGroups[0].id,
      ),
    ).toBe(true);

    // Floating IPs and ports.
    const pub = (await alice.neutron('GET', '/v2.0/networks?name=public')).json.networks[0];
    const fip = await alice.neutron('POST', '/v2.0/floatingips', {
      floatingip: { floating_network_id: pub.id },
    });
    expect(fip.status).toBe(201);
    const fipId = fip.json.floatingip.id;
    expect((await bob.neutron('GET', '/v2.0/floatingips')).json.floatingips).toEqual([]);
    expect((await bob.nova('GET', '/v2.1/os-floating-ips')).json.floating_ips).toEqual([]);
    expect((await bob.neutron('GET', `/v2.0/floatingips/${fipId}`)).status).toBe(404);
    const bPort = (await bob.neutron('GET', `/v2.0/ports?device_id=${bId}`)).json.ports[0];
    expect(
      (await bob.neutron('PUT', `/v2.0/floatingips/${fipId}`, { floatingip: { port_id: bPort.id } })).status,
    ).toBe(404);
    expect((await bob.neutron('DELETE', `/v2.0/floatingips/${fipId}`)).status).toBe(404);
    expect((await bob.neutron('GET', `/v2.0/ports?device_id=${aId}`)).json.ports).toEqual([]);
    const aPort = (await alice.neutron('GET', `/v2.0/ports?device_id=${aId}`)).json.ports[0];
    expect((await bob.neutron('GET', `/v2.0/ports/${aPort.id}`)).status).toBe(404);
    // Alice's own floating IP cannot go onto Bob's port either.
    expect(
      (await alice.neutron('PUT', `/v2.0/floatingips/${fipId}`, { floatingip: { port_id: bPort.id } }))
        .status,
    ).toBe(404);
    expect(
      (
        await alice.nova('POST', `/v2.1/servers/${bId}/action`, {
          addFloatingIp: { address: fip.json.floatingip.floating_ip_address },
        })
      ).status,
    ).toBe(404);
    // Key pairs are the user's.
    expect((await alice.nova('POST', '/v2.1/os-keypairs', { keypair: { name: 'mine' } })).status).toBe(200);
    expect((await bob.nova('GET', '/v2.1/os-keypairs')).json.keypairs).toEqual([]);
    expect((await bob.nova('GET', '/v2.1/os-keypairs/mine')).status).toBe(404);
  });
});

describe('the admin across projects', () => {
  it('lists every project’s servers with all_tenants, shows and deletes any; a member may not ask for all', async () => {
    const boss = await admin();
    const alice = await student(boss, 'alice');
    const bob = await student(boss, 'bob');
    const a = (await alice.nova('POST', '/v2.1/servers', serverBody('app-worker-1'))).json.server.id;
    const b = (await bob.nova('POST', '/v2.1/servers', serverBody('app-worker-1'))).json.server.id;
    // Without all_tenants the admin sees its own project's servers only, as Nova.
    expect((await boss.nova('GET', '/v2.1/servers')).json.servers).toEqual([]);
    const all = (await boss.nova('GET', '/v2.1/servers/detail?all_tenants=1')).json.servers;
    expect(all.map((s: { id: string }) => s.id).sort()).toEqual([a, b].sort());
    const bobs = (await boss.nova('GET', `/v2.1/servers/detail?all_tenants=True&project_id=${bob.projectId}`))
      .json.servers;
    expect(bobs.map((s: { id: string; tenant_id: string }) => [s.id, s.tenant_id])).toEqual([
      [b, bob.projectId],
    ]);
    expect((await boss.nova('GET', `/v2.1/servers/${a}`)).json.server.tenant_id).toBe(alice.projectId);
    const refused = await alice.nova('GET', '/v2.1/servers?all_tenants=1');
    expect(refused.status).toBe(403);
    expect(refused.json.forbidden.message).toMatch(/get_all_tenants/);
    expect((await boss.nova('DELETE', `/v2.1/servers/${a}`)).status).toBe(204);
    expect((await alice.nova('GET', '/v2.1/servers')).json.servers).toEqual([]);
    expect((await boss.keystone('DELETE', `/v3/projects/${alice.projectId}`)).status).toBe(204);
  });
});

describe('a state written before clouds had several projects', () => {
  it('is upgraded: members of their default projects, an admin, the private network shared', async () => {
    const { upgradeIdentity } = await import('../../src/localcloud/model/identity.ts');
    const old = seedState({ slot: 2 }) as Json;
    old.projects = old.projects.slice(0, 1).map(({ membersSetQuota: _, ...p }: Json) => p);
    old.users = old.users.slice(0, 1);
    delete old.roleAssignments;
    for (const n of old.networks) delete n.shared;
    expect(upgradeIdentity(old)).toBe(true);
    expect(old.projects.map((p: Json) => [p.name, p.membersSetQuota])).toEqual([
      ['demo', true],
      ['admin', undefined],
    ]);
    expect(old.users.map((u: Json) => u.name)).toEqual(['demo', 'admin']);
    expect(old.roleAssignments).toHaveLength(2);
    expect(old.networks.map((n: Json) => [n.name, n.shared])).toEqual([
      ['private', true],
      ['public', undefined],
    ]);
    expect(upgradeIdentity(old)).toBe(false);
  });
});
