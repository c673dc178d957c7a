// What the lesson reads from a cloud (src/cloud/models.ts): Nova server bodies as real clouds send
// them (shared/spec/openstack-api.md §3: a fixed 10.0.0.x on `private`, a 127.x on `public`,
// floating addresses, IPv6, every status, a fault), Neutron security groups, Nova floating IPs and
// the absolute limits — parsed into libcloud's shapes.
import { describe, expect, it } from 'vitest';
import {
  floatingIpFrom,
  isPrivateIpv4,
  limitsFrom,
  nodeFrom,
  ruleFrom,
  securityGroupFrom,
} from '../../src/cloud/models.ts';

/** A server body as GET /servers/{id} answers it at Nova 2.1, with the fields libcloud requires. */
function novaServer(overrides: Record<string, unknown> = {}) {
  return {
    id: '6b2f3a0e-1c4d-4e5f-8a9b-0c1d2e3f4a5b',
    name: 'app-api-1',
    status: 'ACTIVE',
    created: '2024-05-01T10:00:00Z',
    updated: '2024-05-01T10:00:07Z',
    hostId: 'a1b2c3',
    tenant_id: 'f00dfeedf00dfeedf00dfeedf00dfeed',
    user_id: 'b00cb00cb00cb00cb00cb00cb00cb00c',
    links: [{ rel: 'self', href: 'http://127.0.0.1:8774/v2.1/servers/6b2f3a0e-1c4d-4e5f-8a9b-0c1d2e3f4a5b' }],
    addresses: {
      private: [
        {
          addr: '10.0.0.5',
          version: 4,
          'OS-EXT-IPS:type': 'fixed',
          'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:05',
        },
      ],
      public: [
        {
          addr: '127.3.1.5',
          version: 4,
          'OS-EXT-IPS:type': 'fixed',
          'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:01:05',
        },
      ],
    },
    image: { id: '3f0c5a52-7d8e-4b2a-9c41-6e0d2b1a7c11', links: [] },
    flavor: { id: '2', links: [] },
    key_name: 'demokey',
    metadata: {},
    security_groups: [{ name: 'api' }],
    'OS-EXT-STS:vm_state': 'active',
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:power_state': 1,
    ...overrides,
  };
}

describe('isPrivateIpv4: libcloud’s RFC 1918 test', () => {
  it.each([
    ['10.0.0.5', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.254', true],
    ['192.168.1.20', true],
    ['172.15.255.255', false],
    ['172.32.0.1', false],
    ['192.169.0.1', false],
    ['11.0.0.1', false],
    ['127.3.1.5', false],
    ['203.0.113.9', false],
    ['fd00::5', false],
    ['not-an-address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateIpv4(address)).toBe(expected);
  });
});

describe('nodeFrom', () => {
  it('splits addresses as libcloud does: 10.x private, 127.x public (fixed first), floating ones too', () => {
    const node = nodeFrom(
      novaServer({
        addresses: {
          // A floating address listed before the fixed one, as Nova may order them.
          private: [
            { addr: '127.3.2.7', version: 4, 'OS-EXT-IPS:type': 'floating' },
            { addr: '10.0.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' },
            { addr: 'fd00:0:0:0::5', version: 6, 'OS-EXT-IPS:type': 'fixed' },
          ],
          public: [{ addr: '127.3.1.5', version: 4, 'OS-EXT-IPS:type': 'fixed' }],
        },
      }),
    );
    expect(node.privateIps).toEqual(['10.0.0.5']);
    // Fixed first, so publicIps[0] is the node's own public address and the floating one follows.
    expect(node.publicIps).toEqual(['127.3.1.5', '127.3.2.7']);
    expect(node.floatingIps).toEqual(['127.3.2.7']);
    // The IPv6 address is in neither list: the lesson only uses IPv4 addresses.
    expect([...node.privateIps, ...node.publicIps].some((a) => a.includes(':'))).toBe(false);
  });

  it('keeps fixed addresses first among the private ones (privateIps[0] is the node’s own)', () => {
    const node = nodeFrom(
      novaServer({
        addresses: {
          // A devstack-style floating address in 172.24.4.0/24 is RFC 1918, so private for libcloud.
          private: [
            { addr: '172.24.4.10', version: 4, 'OS-EXT-IPS:type': 'floating' },
            { addr: '10.0.0.9', version: 4, 'OS-EXT-IPS:type': 'fixed' },
          ],
        },
      }),
    );
    expect(node.privateIps).toEqual(['10.0.0.9', '172.24.4.10']);
    expect(node.publicIps).toEqual([]);
    expect(node.floatingIps).toEqual(['172.24.4.10']);
  });

  it('reads the rest of the body: ids, key, metadata, groups once each', () => {
    const node = nodeFrom(
      novaServer({
        metadata: { 'local-cloud:ports': '80=8080' },
        // Nova lists a group once per port: two networks, two entries.
        security_groups: [{ name: 'api' }, { name: 'api' }],
      }),
    );
    expect(node).toEqual({
      id: '6b2f3a0e-1c4d-4e5f-8a9b-0c1d2e3f4a5b',
      name: 'app-api-1',
      status: 'ACTIVE',
      state: 'running',
      privateIps: ['10.0.0.5'],
      publicIps: ['127.3.1.5'],
      floatingIps: [],
      securityGroups: ['api'],
      imageId: '3f0c5a52-7d8e-4b2a-9c41-6e0d2b1a7c11',
      flavorId: '2',
      keyName: 'demokey',
      metadata: { 'local-cloud:ports': '80=8080' },
    });
  });

  it.each([
    ['BUILD', 'pending'],
    ['ACTIVE', 'running'],
    ['SHUTOFF', 'stopped'],
    ['ERROR', 'error'],
    ['REBOOT', 'rebooting'],
    ['HARD_REBOOT', 'rebooting'],
    ['DELETED', 'terminated'],
    ['UNKNOWN', 'unknown'],
    ['MIGRATING', 'unknown'],
  ])('status %s → state %s (and status kept as Nova said it)', (status, state) => {
    const node = nodeFrom(novaServer({ status }));
    expect(node.state).toBe(state);
    expect(node.status).toBe(status);
  });

  it('a server in BUILD with no addresses yet has empty lists, not a crash', () => {
    const node = nodeFrom(novaServer({ status: 'BUILD', addresses: {} }));
    expect(node).toMatchObject({ state: 'pending', privateIps: [], publicIps: [], floatingIps: [] });
    // addresses missing altogether is read as none too.
    const { addresses: _, ...bare } = novaServer({ status: 'BUILD' });
    expect(nodeFrom(bare).privateIps).toEqual([]);
  });

  it('an ERROR server carries the fault’s message', () => {
    const node = nodeFrom(
      novaServer({
        status: 'ERROR',
        addresses: {},
        fault: {
          code: 500,
          message: 'No valid host was found. There are not enough hosts available.',
          created: '2024-05-01T10:00:05Z',
          details: 'Traceback (most recent call last): …',
        },
      }),
    );
    expect(node.state).toBe('error');
    expect(node.fault).toBe('No valid host was found. There are not enough hosts available.');
  });

  it('a server booted from a volume (image "") has no imageId; no key and no flavor id are left out', () => {
    const node = nodeFrom(novaServer({ image: '', key_name: null, flavor: { original_name: 'm1.small' } }));
    expect(node).not.toHaveProperty('imageId');
    expect(node).not.toHaveProperty('keyName');
    expect(node).not.toHaveProperty('flavorId');
    expect(node).not.toHaveProperty('fault');
  });

  it('an image given as a bare id string is that id', () => {
    expect(nodeFrom(novaServer({ image: 'abc-123' })).imageId).toBe('abc-123');
  });

  it('refuses a body without the fields every client needs', () => {
    expect(() => nodeFrom({ name: 'x', status: 'ACTIVE' })).toThrow();
    expect(() => nodeFrom(novaServer({ addresses: { private: [{ version: 4 }] } }))).toThrow();
  });
});

/** A Neutron security group as GET /v2.0/security-groups lists it. */
const neutronRule = (fields: Record<string, unknown>) => ({
  security_group_id: 'sg-services',
  tenant_id: 'p',
  project_id: 'p',
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  remote_group_id: null,
  ...fields,
});

describe('securityGroupFrom', () => {
  const services = {
    id: 'sg-services',
    name: 'services',
    description: 'for DB and AMQP services only',
    tenant_id: 'p',
    project_id: 'p',
    stateful: true,
    tags: [],
    revision_number: 3,
    security_group_rules: [
      neutronRule({ id: 'eg4', direction: 'egress', ethertype: 'IPv4' }),
      neutronRule({ id: 'eg6', direction: 'egress', ethertype: 'IPv6' }),
      neutronRule({
        id: 'ssh6',
        direction: 'ingress',
        ethertype: 'IPv6',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
        remote_ip_prefix: '::/0',
      }),
      neutronRule({
        id: 'ssh',
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
      }),
      neutronRule({
        id: 'mysql',
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 3306,
        port_range_max: 3306,
        remote_group_id: 'sg-api',
      }),
      neutronRule({
        id: 'web',
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'TCP',
        port_range_min: 8000,
        port_range_max: 8080,
        remote_ip_prefix: '192.168.0.0/16',
      }),
    ],
  };

  it('keeps only the ingress IPv4 rules, with sources as CIDR or group', () => {
    const group = securityGroupFrom(services);
    expect(group).toEqual({
      id: 'sg-services',
      name: 'services',
      description: 'for DB and AMQP services only',
      rules: [
        // No remote prefix and no remote group: everyone, as Neutron means it.
        { id: 'ssh', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0', sourceGroupId: null },
        { id: 'mysql', protocol: 'tcp', fromPort: 3306, toPort: 3306, cidr: null, sourceGroupId: 'sg-api' },
        // Protocol lower-cased, a port range kept as a range.
        {
          id: 'web',
          protocol: 'tcp',
          fromPort: 8000,
          toPort: 8080,
          cidr: '192.168.0.0/16',
          sourceGroupId: null,
        },
      ],
    });
  });

  it('a group with no rules and a null description', () => {
    expect(securityGroupFrom({ id: 'g', name: 'worker', description: null })).toEqual({
      id: 'g',
      name: 'worker',
      description: '',
      rules: [],
    });
  });

  it('ruleFrom marks what securityGroupFrom keeps; a rule without ethertype counts as IPv4', () => {
    expect(ruleFrom(neutronRule({ id: 'a', direction: 'ingress' })).ingressIpv4).toBe(true);
    expect(ruleFrom(neutronRule({ id: 'b', direction: 'egress', ethertype: 'IPv4' })).ingressIpv4).toBe(
      false,
    );
    expect(ruleFrom(neutronRule({ id: 'c', direction: 'ingress', ethertype: 'IPv6' })).ingressIpv4).toBe(
      false,
    );
    // Any protocol (null) and no ports: all of them.
    expect(ruleFrom(neutronRule({ id: 'd', direction: 'ingress' }))).toMatchObject({
      protocol: null,
      fromPort: null,
      toPort: null,
    });
  });
});

describe('floatingIpFrom', () => {
  it('Nova’s numeric id becomes a string; a null instance_id is no node', () => {
    expect(
      floatingIpFrom({ id: 1, ip: '172.24.4.10', pool: 'public', fixed_ip: null, instance_id: null }),
    ).toEqual({ id: '1', ipAddress: '172.24.4.10', nodeId: null, pool: 'public' });
  });

  it('an attached one names its server; an absent pool is null', () => {
    expect(
      floatingIpFrom({
        id: '5d0c1f7e-7777-4a4a-9b9b-000000000001',
        ip: '127.3.2.7',
        fixed_ip: '10.0.0.5',
        instance_id: '6b2f3a0e-1c4d-4e5f-8a9b-0c1d2e3f4a5b',
      }),
    ).toEqual({
      id: '5d0c1f7e-7777-4a4a-9b9b-000000000001',
      ipAddress: '127.3.2.7',
      nodeId: '6b2f3a0e-1c4d-4e5f-8a9b-0c1d2e3f4a5b',
      pool: null,
    });
  });

  it('an empty instance_id is no node either (the guide tests `not floating_ip.node_id`)', () => {
    expect(floatingIpFrom({ id: 2, ip: '127.3.2.8', instance_id: '' }).nodeId).toBeNull();
  });
});

describe('limitsFrom', () => {
  const absolute = {
    maxTotalInstances: 10,
    totalInstancesUsed: 4,
    maxTotalCores: 20,
    totalCoresUsed: 5,
    maxTotalRAMSize: 51200,
    totalRAMUsed: 9216,
    maxTotalKeypairs: 100,
    maxSecurityGroups: 10,
    totalFloatingIpsUsed: 1,
  };
  const expected = {
    instances: { limit: 10, used: 4 },
    cores: { limit: 20, used: 5 },
    ram: { limit: 51200, used: 9216 },
  };

  it('reads GET /limits as Nova answers it ({limits:{absolute, rate}})', () => {
    expect(limitsFrom({ limits: { absolute, rate: [] } })).toEqual(expected);
  });

  it('reads the unwrapped {absolute} that pkgcloud’s getLimits hands back', () => {
    expect(limitsFrom({ absolute, rate: [] })).toEqual(expected);
  });

  it('keeps -1 (unlimited) as it is', () => {
    expect(limitsFrom({ absolute: { ...absolute, maxTotalCores: -1 } }).cores).toEqual({
      limit: -1,
      used: 5,
    });
  });

  it('refuses a body without the instance limits', () => {
    const { maxTotalInstances: _, ...partial } = absolute;
    expect(() => limitsFrom({ limits: { absolute: partial } })).toThrow();
    expect(() => limitsFrom(undefined)).toThrow();
  });
});
