import { describe, expect, it } from 'vitest';
import {
  classify,
  floatingCidr,
  freeSlot,
  loopbackFor,
  MAX_SLOT,
  nextFixedAddresses,
  nextFloatingAddress,
  privateCidr,
  publicCidr,
  unreachableAddress,
} from '../../src/localcloud/nodes/addresses.ts';
import type { CloudState, Server } from '../../src/localcloud/state.ts';
import { floatingIpFixture } from '../helpers/floating-ip.ts';

function emptyState(slot = 0): CloudState {
  return {
    version: 1,
    slot,
    region: 'RegionOne',
    projects: [],
    users: [],
    roleAssignments: [],
    tokens: [],
    flavors: [],
    images: [],
    keypairs: [],
    networks: [],
    ports: [],
    securityGroups: [],
    securityGroupRules: [],
    floatingIps: [],
    servers: [],
    quotas: {},
  };
}

function server(id: string, fixedIp: string, loopbackIp: string): Server {
  const now = new Date(0).toISOString();
  return {
    id,
    name: id,
    projectId: 'p',
    userId: 'u',
    imageId: 'i',
    flavorId: 'f',
    keyName: null,
    securityGroupIds: [],
    metadata: {},
    userData: null,
    status: 'ACTIVE',
    taskState: null,
    powerState: 1,
    fault: null,
    fixedIp,
    loopbackIp,
    createdAt: now,
    updatedAt: now,
  };
}

describe('address ranges', () => {
  it('are per slot', () => {
    expect(privateCidr(0)).toBe('10.0.0.0/24');
    expect(publicCidr(7)).toBe('127.7.1.0/24');
    expect(floatingCidr(7)).toBe('127.7.2.0/24');
    expect(classify('10.7.0.3', 7)).toEqual({ range: 'fixed', host: 3 });
    expect(classify('127.7.1.9', 7)).toEqual({ range: 'loopback', host: 9 });
    expect(classify('127.7.2.254', 7)).toEqual({ range: 'floating', host: 254 });
    expect(classify('10.7.0.3', 8)).toBeUndefined();
    expect(classify('10.7.0.1', 7)).toBeUndefined(); // the router, never a node
    expect(classify('192.168.0.3', 7)).toBeUndefined();
    expect(classify('not-an-ip', 7)).toBeUndefined();
  });

  it('freeSlot takes the lowest unused slot and says when none is left', () => {
    expect(freeSlot([])).toBe(0);
    expect(freeSlot([0, 1, 3])).toBe(2);
    expect(freeSlot(new Set([0]))).toBe(1);
    expect(freeSlot(Array.from({ length: MAX_SLOT + 1 }, (_, i) => i))).toBeUndefined();
  });
});

describe('nextFixedAddresses', () => {
  it('starts at .3 and pairs 10.S.0.x with 127.S.1.x', () => {
    expect(nextFixedAddresses(emptyState(0))).toEqual({ fixedIp: '10.0.0.3', loopbackIp: '127.0.1.3' });
    expect(nextFixedAddresses(emptyState(5))).toEqual({ fixedIp: '10.5.0.3', loopbackIp: '127.5.1.3' });
  });

  it('skips addresses held by servers and ports, and reuses freed ones', () => {
    const state = emptyState(0);
    state.servers.push(server('a', '10.0.0.3', '127.0.1.3'), server('b', '10.0.0.5', '127.0.1.5'));
    expect(nextFixedAddresses(state)?.fixedIp).toBe('10.0.0.4');
    state.ports.push({
      id: 'port',
      networkId: 'n',
      deviceId: '',
      macAddress: 'fa:16:3e:00:00:04',
      fixedIp: '10.0.0.4',
      projectId: 'p',
    });
    expect(nextFixedAddresses(state)).toEqual({ fixedIp: '10.0.0.6', loopbackIp: '127.0.1.6' });
  });

  it('says when the /24 is full', () => {
    const state = emptyState(1);
    for (let x = 3; x <= 254; x++) state.servers.push(server(`s${x}`, `10.1.0.${x}`, `127.1.1.${x}`));
    expect(nextFixedAddresses(state)).toBeUndefined();
  });
});

describe('nextFloatingAddress', () => {
  it('takes the lowest free 127.S.2.x', () => {
    const state = emptyState(2);
    expect(nextFloatingAddress(state)).toBe('127.2.2.3');
    state.floatingIps.push(floatingIpFixture('127.2.2.3', null), floatingIpFixture('127.2.2.4', null));
    expect(nextFloatingAddress(state)).toBe('127.2.2.5');
    for (let x = 5; x <= 254; x++) state.floatingIps.push(floatingIpFixture(`127.2.2.${x}`, null));
    expect(nextFloatingAddress(state)).toBeUndefined();
  });
});

describe('loopbackFor', () => {
  it("maps a node's fixed, loopback or floating address to its loopback address", () => {
    const state = emptyState(0);
    state.servers.push(server('api', '10.0.0.4', '127.0.1.4'));
    state.floatingIps.push(floatingIpFixture('127.0.2.3', 'api'), floatingIpFixture('127.0.2.4', null));
    expect(loopbackFor('10.0.0.4', state)).toBe('127.0.1.4');
    expect(loopbackFor('127.0.1.4', state)).toBe('127.0.1.4');
    expect(loopbackFor('127.0.2.3', state)).toBe('127.0.1.4');
    // An unassociated floating IP reaches nothing.
    expect(loopbackFor('127.0.2.4', state)).toBe(unreachableAddress(0));
    // A 10.x label nobody holds maps to its twin, where nothing listens.
    expect(loopbackFor('10.0.0.9', state)).toBe('127.0.1.9');
    expect(loopbackFor('10.1.0.9', state)).toBeUndefined();
    expect(loopbackFor('8.8.8.8', state)).toBeUndefined();
  });
});
