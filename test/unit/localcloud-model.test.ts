// The local cloud's model (src/localcloud/model/) called directly on a seeded state: what it makes,
// the refusals it answers (typed values, no HTTP), and that a refused call changes nothing.
import { describe, expect, it } from 'vitest';
import {
  allocateFloatingIp,
  associateFloatingIp,
  disassociateFloatingIp,
  releaseFloatingIp,
} from '../../src/localcloud/model/floating-ips.ts';
import { portsOfServer } from '../../src/localcloud/model/ports.ts';
import { quotaRefusal, setQuota, usageOf } from '../../src/localcloud/model/quotas.ts';
import { addRule, deleteRule } from '../../src/localcloud/model/security-group-rules.ts';
import {
  createSecurityGroup,
  defaultGroupOf,
  deleteSecurityGroup,
  ensureDefaultGroup,
  updateSecurityGroup,
} from '../../src/localcloud/model/security-groups.ts';
import {
  joinSecurityGroup,
  leaveSecurityGroup,
  plugServer,
  unplugServer,
} from '../../src/localcloud/model/servers-network.ts';
import type { CloudState, Server } from '../../src/localcloud/state.ts';
import { seedState } from '../../src/localcloud/store.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function seeded() {
  const state = seedState({ slot: 5 });
  return { state, projectId: state.projects[0]!.id };
}

function ok<T>(outcome: { ok: true; value: T } | { ok: false; refusal: unknown }): T {
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.refusal)}`);
  return outcome.value;
}

function addServer(state: CloudState, projectId: string, groupIds: string[]): Server {
  const server: Server = {
    id: `server-${state.servers.length + 1}`,
    name: 'app',
    projectId,
    userId: state.users[0]!.id,
    imageId: state.images[0]!.id,
    flavorId: '1',
    keyName: null,
    securityGroupIds: groupIds,
    metadata: {},
    userData: null,
    status: 'ACTIVE',
    taskState: null,
    powerState: 1,
    fault: null,
    fixedIp: `10.5.0.${state.servers.length + 3}`,
    loopbackIp: `127.5.1.${state.servers.length + 3}`,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
  plugServer(state, server);
  state.servers.push(server);
  return server;
}

describe('security groups', () => {
  it('makes the default group once, with all egress and ingress from its own members', () => {
    const { state, projectId } = seeded();
    const group = defaultGroupOf(state, projectId)!;
    expect(ensureDefaultGroup(state, projectId, NOW)).toBe(group);
    const rules = state.securityGroupRules.filter((r) => r.groupId === group.id);
    expect(rules.map((r) => [r.direction, r.ethertype, r.remoteGroupId])).toEqual([
      ['egress', 'IPv4', null],
      ['egress', 'IPv6', null],
      ['ingress', 'IPv4', group.id],
      ['ingress', 'IPv6', group.id],
    ]);
  });

  it('makes a new group with two egress rules, and the default group on the way for a new project', () => {
    const { state } = seeded();
    const group = ok(createSecurityGroup(state, { projectId: 'p2', name: 'web', description: '', now: NOW }));
    expect(state.securityGroupRules.filter((r) => r.groupId === group.id).map((r) => r.direction)).toEqual([
      'egress',
      'egress',
    ]);
    expect(defaultGroupOf(state, 'p2')).toBeDefined();
    expect(usageOf(state, 'p2')).toMatchObject({ securityGroups: 2, securityGroupRules: 6 });
  });

  it('refuses before it changes anything: `default` in any case, over quota counting the default group made on the way', () => {
    const { state } = seeded();
    const before = structuredClone(state);
    expect(
      createSecurityGroup(state, { projectId: 'p2', name: 'DEFAULT', description: '', now: NOW }),
    ).toEqual({
      ok: false,
      refusal: { kind: 'default-group', change: 'take-name' },
    });
    // Room for the default group's four rules but not the new group's two.
    state.quotas.p2 = { ...state.quotas[state.projects[0]!.id]!, securityGroupRules: 5 };
    const snapshot = structuredClone(state);
    expect(createSecurityGroup(state, { projectId: 'p2', name: 'web', description: '', now: NOW })).toEqual({
      ok: false,
      refusal: { kind: 'quota', resources: ['security_group_rule'] },
    });
    expect(state).toEqual(snapshot);
    expect({ ...snapshot, quotas: before.quotas }).toEqual(before);
  });

  it('refuses renaming or deleting `default`, deleting a group in use, and unknown groups', () => {
    const { state, projectId } = seeded();
    const fallback = defaultGroupOf(state, projectId)!;
    const web = ok(createSecurityGroup(state, { projectId, name: 'web', description: '', now: NOW }));
    expect(updateSecurityGroup(state, { projectId, id: fallback.id, name: 'x' })).toMatchObject({
      refusal: { kind: 'default-group', change: 'rename' },
    });
    expect(deleteSecurityGroup(state, { projectId, id: fallback.id })).toMatchObject({
      refusal: { kind: 'default-group', change: 'delete' },
    });
    const server = addServer(state, projectId, [web.id]);
    expect(deleteSecurityGroup(state, { projectId, id: web.id })).toMatchObject({
      refusal: { kind: 'in-use', resource: 'security_group', id: web.id },
    });
    expect(updateSecurityGroup(state, { projectId, id: web.id, stateful: false })).toMatchObject({
      refusal: { kind: 'in-use' },
    });
    ok(leaveSecurityGroup(state, { projectId, serverId: server.id, groupId: web.id }));
    ok(deleteSecurityGroup(state, { projectId, id: web.id }));
    expect(deleteSecurityGroup(state, { projectId, id: web.id })).toMatchObject({
      refusal: { kind: 'not-found', resource: 'security_group', id: web.id },
    });
    // Another project's group is unknown to this one.
    expect(deleteSecurityGroup(state, { projectId: 'p2', id: fallback.id })).toMatchObject({
      refusal: { kind: 'not-found' },
    });
  });
});

describe('security group rules', () => {
  it('stores the whole port range as none, refuses its duplicate however written, and the rule quota', () => {
    const { state, projectId } = seeded();
    const web = ok(createSecurityGroup(state, { projectId, name: 'web', description: '', now: NOW }));
    const rule = {
      groupId: web.id,
      direction: 'ingress' as const,
      ethertype: 'IPv4' as const,
      protocol: 'tcp',
      portMin: 1,
      portMax: 65535,
      remoteIpPrefix: '0.0.0.0/0',
      remoteGroupId: null,
    };
    const added = ok(addRule(state, projectId, rule));
    expect(added).toMatchObject({ portMin: null, portMax: null });
    expect(
      addRule(state, projectId, {
        ...rule,
        protocol: '6',
        portMin: null,
        portMax: null,
        remoteIpPrefix: null,
      }),
    ).toEqual({
      ok: false,
      refusal: { kind: 'duplicate', resource: 'security_group_rule', existingId: added.id },
    });
    state.quotas[projectId]!.securityGroupRules = usageOf(state, projectId).securityGroupRules;
    expect(addRule(state, projectId, { ...rule, portMin: 22, portMax: 22 })).toEqual({
      ok: false,
      refusal: { kind: 'quota', resources: ['security_group_rule'] },
    });
    ok(deleteRule(state, { projectId, id: added.id }));
    expect(deleteRule(state, { projectId, id: added.id })).toMatchObject({ refusal: { kind: 'not-found' } });
  });

  it('refuses an unknown remote group before an unknown group', () => {
    const { state, projectId } = seeded();
    const outcome = addRule(state, projectId, {
      groupId: 'nope',
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: null,
      portMin: null,
      portMax: null,
      remoteIpPrefix: null,
      remoteGroupId: 'gone',
    });
    expect(outcome).toEqual({
      ok: false,
      refusal: { kind: 'not-found', resource: 'security_group', id: 'gone' },
    });
  });
});

describe('floating IPs and a server’s network', () => {
  it('allocates, associates with the private port only, one per port, moves, disassociates and releases', () => {
    const { state, projectId } = seeded();
    const external = state.networks.find((n) => n.external)!;
    const internal = state.networks.find((n) => !n.external)!;
    const server = addServer(state, projectId, [defaultGroupOf(state, projectId)!.id]);
    const [privatePort, publicPort] = portsOfServer(state, server.id);
    expect(privatePort?.fixedIp).toBe(server.fixedIp);

    expect(allocateFloatingIp(state, { projectId, network: internal, now: NOW })).toEqual({
      ok: false,
      refusal: { kind: 'not-external', networkId: internal.id },
    });
    const first = ok(allocateFloatingIp(state, { projectId, network: external, now: NOW }));
    const second = ok(allocateFloatingIp(state, { projectId, network: external, now: NOW }));
    expect([first.address, second.address]).toEqual(['127.5.2.3', '127.5.2.4']);
    expect(
      allocateFloatingIp(state, { projectId, network: external, now: NOW, address: first.address }),
    ).toMatchObject({
      refusal: { kind: 'address-taken' },
    });

    const at = (id: string, portId: string) =>
      associateFloatingIp(state, { projectId, floatingIpId: id, portId });
    expect(at(first.id, publicPort!.id)).toMatchObject({ refusal: { kind: 'port-on-external-network' } });
    expect(ok(at(first.id, privatePort!.id))).toMatchObject({
      serverId: server.id,
      fixedAddress: server.fixedIp,
    });
    expect(at(second.id, privatePort!.id)).toEqual({
      ok: false,
      refusal: {
        kind: 'port-has-floating-ip',
        portId: privatePort!.id,
        floatingIpId: second.id,
        heldBy: first.id,
      },
    });
    expect(ok(at(first.id, privatePort!.id)).portId).toBe(privatePort!.id);

    expect(
      disassociateFloatingIp(state, { projectId, floatingIpId: second.id, serverId: server.id }),
    ).toMatchObject({
      refusal: { kind: 'not-associated' },
    });
    ok(disassociateFloatingIp(state, { projectId, floatingIpId: first.id, serverId: server.id }));
    ok(releaseFloatingIp(state, { projectId, id: second.id }));
    expect(releaseFloatingIp(state, { projectId, id: second.id })).toMatchObject({
      refusal: { kind: 'not-found' },
    });
    expect(state.floatingIps.map((f) => f.address)).toEqual(['127.5.2.3']);
  });

  it('over the floating-IP quota, refuses and allocates nothing', () => {
    const { state, projectId } = seeded();
    state.quotas[projectId]!.floatingIps = 0;
    const external = state.networks.find((n) => n.external)!;
    expect(allocateFloatingIp(state, { projectId, network: external, now: NOW })).toEqual({
      ok: false,
      refusal: { kind: 'quota', resources: ['floatingip'] },
    });
    expect(state.floatingIps).toEqual([]);
  });

  it('unplugs a deleted server: its ports go, its floating IP stays allocated but free', () => {
    const { state, projectId } = seeded();
    const server = addServer(state, projectId, []);
    const fip = ok(
      allocateFloatingIp(state, { projectId, network: state.networks.find((n) => n.external)!, now: NOW }),
    );
    ok(
      associateFloatingIp(state, {
        projectId,
        floatingIpId: fip.id,
        portId: portsOfServer(state, server.id)[0]!.id,
      }),
    );
    expect(unplugServer(state, server.id)).toBe(true);
    expect(state.ports).toEqual([]);
    expect(state.floatingIps[0]).toMatchObject({ portId: null, serverId: null, fixedAddress: null });
    expect(unplugServer(state, server.id)).toBe(false);
  });

  it('adds a server to a group once and takes it out once', () => {
    const { state, projectId } = seeded();
    const web = ok(createSecurityGroup(state, { projectId, name: 'web', description: '', now: NOW }));
    const server = addServer(state, projectId, []);
    const target = { projectId, serverId: server.id, groupId: web.id };
    expect(ok(joinSecurityGroup(state, target)).securityGroupIds).toEqual([web.id]);
    expect(joinSecurityGroup(state, target)).toMatchObject({ refusal: { kind: 'already-member' } });
    ok(leaveSecurityGroup(state, target));
    expect(leaveSecurityGroup(state, target)).toMatchObject({ refusal: { kind: 'not-member' } });
    expect(joinSecurityGroup(state, { ...target, serverId: 'nope' })).toMatchObject({
      refusal: { kind: 'not-found', resource: 'server' },
    });
  });
});

describe('quotas', () => {
  it('names every resource over its limit, sorted; -1 is unlimited', () => {
    const { state, projectId } = seeded();
    state.quotas[projectId] = {
      ...state.quotas[projectId]!,
      securityGroups: 1,
      floatingIps: 0,
      securityGroupRules: -1,
    };
    expect(
      quotaRefusal(state, projectId, { security_group: 1, floatingip: 1, security_group_rule: 500 }),
    ).toEqual({
      kind: 'quota',
      resources: ['floatingip', 'security_group'],
    });
    expect(quotaRefusal(state, projectId, { security_group_rule: 500 })).toBeUndefined();
  });

  it('sets limits, refusing one below usage unless forced', () => {
    const { state, projectId } = seeded();
    expect(setQuota(state, { projectId, limits: { security_group: 0 }, force: false })).toEqual({
      ok: false,
      refusal: { kind: 'below-usage', resource: 'security_group', limit: 0, used: 1 },
    });
    expect(state.quotas[projectId]!.securityGroups).toBe(10);
    expect(
      ok(setQuota(state, { projectId, limits: { security_group: 0, instances: 3 }, force: true })),
    ).toMatchObject({
      securityGroups: 0,
      instances: 3,
    });
  });
});
