// The lesson's topologies as the lab reads them (src/lab/topology.ts): from the cloud's servers,
// flavors and groups to nodes with their roles and the faafo API on each API node's floating IP
// (moved ports included); a node that is missing, not up or without a floating IP is one sentence
// saying which step to run; and building stops at the first failed step with its reason.
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/cloud/driver.ts';
import type { Node, Size } from '../../src/cloud/models.ts';
import { buildTopology, describeTopology, TOPOLOGIES } from '../../src/lab/topology.ts';
import { UserError } from '../../src/shared/user-error.ts';

const SIZES: Size[] = [
  { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
  { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
];

const server = (name: string, group: string, extra: Partial<Node> = {}): Node => ({
  id: `id-${name}`,
  name,
  state: 'running',
  status: 'ACTIVE',
  privateIps: ['10.2.0.3'],
  publicIps: [],
  floatingIps: [],
  securityGroups: [group],
  flavorId: '2',
  metadata: {},
  ...extra,
});

/** What describeTopology asks of a connection, answered from a list of servers. */
function cloudOf(nodes: Node[]): Connection {
  const fake = {
    label: 'a test cloud',
    listNodes: async () => nodes,
    listSizes: async () => SIZES,
    serviceUrl: (node: Node, address: string, port: number) =>
      `http://${address}:${node.metadata['local-cloud:ports'] === '80=8080' ? 8080 : port}`,
  };
  return fake as unknown as Connection;
}

describe('describeTopology', () => {
  it('reads the scaled-out topology: roles by group, flavors, the API on each floating IP', async () => {
    const nodes = [
      server('app-services', 'services', { flavorId: '1' }),
      server('app-api-1', 'api', {
        floatingIps: ['127.2.2.3'],
        metadata: { 'local-cloud:ports': '80=8080' },
      }),
      server('app-api-2', 'api', { floatingIps: ['127.2.2.4'] }),
      server('app-worker-1', 'worker'),
      server('app-worker-2', 'worker'),
      server('app-worker-3', 'worker'),
      server('someone-else', 'default'),
    ];
    const topology = await describeTopology(cloudOf(nodes), 'scaled-out');
    expect(topology.label).toBe(TOPOLOGIES['scaled-out'].label);
    expect(topology.cloud).toBe('a test cloud');
    expect(topology.apiEndpoints).toEqual(['http://127.2.2.3:8080', 'http://127.2.2.4:80']);
    expect(topology.floatingIps).toEqual(['127.2.2.3', '127.2.2.4']);
    expect(topology.workerNodes.map((n) => n.name)).toEqual(['app-worker-1', 'app-worker-2', 'app-worker-3']);
    // Only the lesson's servers, each with what runs there.
    expect(topology.nodes.map((n) => [n.node.name, n.flavor, n.vcpus, n.ramMb, n.roles])).toEqual([
      ['app-services', 'm1.tiny', 1, 512, ['database', 'messaging']],
      ['app-api-1', 'm1.small', 1, 2048, ['api']],
      ['app-api-2', 'm1.small', 1, 2048, ['api']],
      ['app-worker-1', 'm1.small', 1, 2048, ['worker']],
      ['app-worker-2', 'm1.small', 1, 2048, ['worker']],
      ['app-worker-3', 'm1.small', 1, 2048, ['worker']],
    ]);
  });

  it('reads the prelude’s topology: the controller runs the API, the database and the messaging', async () => {
    const nodes = [
      server('app-controller', 'control', { floatingIps: ['127.2.2.3'] }),
      server('app-worker-1', 'worker'),
    ];
    const topology = await describeTopology(cloudOf(nodes), 'one-worker');
    expect(topology.apiNodes.map((n) => n.name)).toEqual(['app-controller']);
    expect(topology.nodes.find((n) => n.node.name === 'app-controller')?.roles).toEqual([
      'api',
      'database',
      'messaging',
    ]);
  });

  it('says which node is missing, not up, or without a floating IP, and what to run', async () => {
    await expect(describeTopology(cloudOf([server('app-worker-1', 'worker')]), 'one-worker')).rejects.toThrow(
      /^The one-worker topology needs app-controller running, but it is missing; build it again \(prelude\)\.$/,
    );
    const booting = [
      server('app-controller', 'control', { floatingIps: ['127.2.2.3'] }),
      server('app-worker-1', 'worker', { state: 'pending', status: 'BUILD' }),
    ];
    await expect(describeTopology(cloudOf(booting), 'one-worker')).rejects.toThrow(
      /needs app-worker-1 running, but it is BUILD/,
    );
    const noFloating = [server('app-controller', 'control'), server('app-worker-1', 'worker')];
    await expect(describeTopology(cloudOf(noFloating), 'one-worker')).rejects.toThrow(
      /^app-controller has no floating IP; run prelude again to attach one\.$/,
    );
  });
});

describe('buildTopology', () => {
  it('stops at the first step that fails, with its reason', async () => {
    // No cloud configured and no fallback: the prelude cannot connect.
    const env = { PATH: process.env.PATH ?? '', HOME: '/nonexistent-home' };
    const events: string[] = [];
    const building = buildTopology('one-worker', { run: { env }, onEvent: (e) => events.push(e.type) });
    await expect(building).rejects.toThrow(UserError);
    await expect(buildTopology('one-worker', { run: { env } })).rejects.toThrow(
      /^Building the one-worker topology stopped at prelude: /,
    );
    expect(events[0]).toBe('started');
    expect(events.at(-1)).toBe('failed');
  });
});
