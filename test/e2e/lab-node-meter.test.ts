// The node meter (src/lab/node-meter.ts) through the real cloud connection (src/cloud, pkgcloud over
// HTTP) against a local cloud started in this process, with one m1.tiny server. Nova's server
// diagnostics are read as a real client reads them: the libvirt fields for the flavor (one vCPU's
// cpu0_time, 512 MiB of memory) and our `local-cloud:loadavg`. (A cloud that gives none is the unit
// test's: test/unit/lab-node-meter.test.ts.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/cloud/connect.ts';
import type { Connection } from '../../src/cloud/driver.ts';
import type { Node } from '../../src/cloud/models.ts';
import { type NodeSample, nodeMeter } from '../../src/lab/node-meter.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

let cloud: TestCloud;
let conn: Connection;
let node: Node;

beforeAll(async () => {
  cloud = await startTestCloud('lab-node-meter-');
  conn = await connect({
    env: cleanEnv({ ...cloud.osEnv, FAAFO_CLOUD_DIR: join(cloud.dir, 'not-this-one') }),
    pollMs: 100,
  });
  const image = (await conn.listImages()).find((i) => i.name === 'ubuntu-22.04')!;
  const size = (await conn.listSizes()).find((s) => s.name === 'm1.tiny')!;
  const created = await conn.createNode({
    name: 'lab-meter-node',
    image,
    size,
    exUserdata: '#!/usr/bin/env bash\necho hi\n',
  });
  [[node]] = await conn.waitUntilRunning([created], { timeoutMs: 20_000, pollMs: 100 });
}, 60_000);

afterAll(async () => {
  await cloud?.close();
}, 60_000);

describe('the node meter through the cloud API', () => {
  it('reads Nova server diagnostics of a running server', async () => {
    const samples: NodeSample[] = [];
    for await (const sample of nodeMeter({ source: conn, node, intervalMs: 500, maxSamples: 2 }))
      samples.push(sample);
    expect(samples, JSON.stringify(samples)).toHaveLength(2);
    expect(
      samples.map((s) => s.node),
      JSON.stringify(samples),
    ).toEqual(['lab-meter-node', 'lab-meter-node']);
    const [first, second] = samples as [NodeSample, NodeSample];
    if (first.unavailable !== undefined) throw new Error(first.unavailable);
    expect(first).toMatchObject({ vcpus: 1, memoryKiB: 512 * 1024, cpuUse: null });
    expect(first.loadavg).toHaveLength(3);
    expect(first.loadavg!.every((v) => v >= 0)).toBe(true);
    if (second.unavailable !== undefined) throw new Error(second.unavailable);
    expect(second.cpuUse).toBeGreaterThanOrEqual(0);
    expect(second.cpuUse).toBeLessThanOrEqual(1.05);
  }, 30_000);
});
