// The lesson's load claims on a local cloud built by the lesson's own prelude (app-controller with
// the API, the database and the messaging; app-worker-1), measured with the lab (src/lab):
// - the scenario (src/lab/scenario.ts) records a seeded batch and a flood with every meter on;
// - one busy 1-vCPU worker, fed the guide's batch (scaled, seeded): its 1-minute load average, read
//   through the cloud API (Nova diagnostics, `local-cloud:loadavg`) and through `uptime` on the node
//   over ssh with the real OpenSSH client, reaches 0.9 within two minutes and stays at or above it
//   while the batch lasts; then it falls back. (A constant demand of exactly one task reaches only
//   0.87 in two minutes: this holds because the worker's render thread and its PNG encoding both
//   wait for its one vCPU.)
// - 500 parallel creates from this machine: every 201 a fractal;
// - the guide's API overload as the guide runs it, its `faafo create` loop on the API node itself
//   (src/lab/node-loop.ts): the node's load, through the API and `uptime`, goes well above 1 and
//   falls back after.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaafoClient } from '../../src/faafo/cli/client.ts';
import { awaitFinished, createBatch } from '../../src/lab/batch.ts';
import { collect } from '../../src/lab/collect.ts';
import { flood } from '../../src/lab/flood.ts';
import { type NodeSample, nodeMeter } from '../../src/lab/node-meter.ts';
import { poll } from '../../src/lab/poll.ts';
import { measureBatch, measureFlood, measureNodeLoop } from '../../src/lab/scenario.ts';
import { seededRandom } from '../../src/lab/seeded-random.ts';
import { buildTopology, describeTopology, type LabTopology } from '../../src/lab/topology.ts';
import { sshArgs, sshTarget } from '../../src/lesson/ssh-call.ts';
import { type LabCloud, startLabCloud } from '../helpers/lab-cloud.ts';

const run = promisify(execFile);
const haveSsh = spawnSync('ssh', ['-V']).status === 0;
if (!haveSsh && process.env.CI) throw new Error('The OpenSSH client (ssh) is missing; CI must install it.');

let lab: LabCloud;
let topology: LabTopology;

beforeAll(async () => {
  lab = await startLabCloud('lab-scale-out-load-');
  await buildTopology('one-worker', { run: lab.run });
  topology = await describeTopology(lab.conn, 'one-worker');
}, 180_000);

afterAll(async () => {
  await lab?.close();
}, 60_000);

const load1 = (s: NodeSample) => (s.unavailable === undefined && s.loadavg ? s.loadavg[0] : Number.NaN);

/** `uptime` on the node over ssh: its 1-minute load average. */
async function uptimeLoad(nodeName: string): Promise<number> {
  const node = topology.nodes.find((n) => n.node.name === nodeName)!.node;
  const target = sshTarget(node)!;
  const { stdout } = await run(
    'ssh',
    sshArgs({ ...target, user: 'ubuntu', key: lab.keyFile, command: ['uptime'] }),
    { timeout: 30_000 },
  );
  const match = /load average: ([\d.]+), ([\d.]+), ([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`uptime on ${nodeName} printed no load average: ${stdout}`);
  return Number(match[1]);
}

describe('the scenario on the prelude’s topology', () => {
  it('measures a seeded batch and a flood, and records both with every meter', async () => {
    const queueUrl = await lab.brokerUrl('app-controller');
    expect(queueUrl).toMatch(/^amqp:\/\/guest:guest@127\./);
    const batch = await measureBatch({
      conn: lab.conn,
      topology,
      scale: 0.1,
      tasks: 3,
      seed: 5,
      queueUrl: queueUrl!,
      meterIntervalMs: 500,
    });
    expect(batch.result).toMatchObject({ done: 3, failed: 0 });
    expect(batch.record.generator).toEqual({ kind: 'batch', scale: 0.1, side: 1000, tasks: 3, seed: 5 });
    expect(batch.record.figures.drainMs).toBe(batch.result.drainMs);
    expect(batch.record.figures.throughputPerMinute).toBeCloseTo(3 / (batch.result.drainMs / 60_000), 6);
    expect(batch.record.topology.nodes.map((n) => [n.name, n.flavor, n.vcpus, n.roles]).sort()).toEqual([
      ['app-controller', 'm1.small', 1, ['api', 'database', 'messaging']],
      ['app-worker-1', 'm1.small', 1, ['worker']],
    ]);
    const samples = batch.record.figures.samples;
    expect(Object.keys(samples).sort()).toEqual([
      'app-controller',
      'app-worker-1',
      'fractals',
      'host',
      'queue',
    ]);
    expect(samples['app-worker-1']!.load1!.count).toBeGreaterThan(0);
    expect(samples.queue!.consumers!.max).toBe(1);
    expect(samples.fractals!.pending!.max).toBeGreaterThan(0);

    const flooded = await measureFlood({ conn: lab.conn, topology, requests: 50, meterIntervalMs: 500 });
    const { flood: result, found, drawn } = flooded.result;
    expect(result.errors, result.failures.join('; ')).toBe(0);
    expect({ created: result.created.length, found, drawn }).toEqual({ created: 50, found: 50, drawn: 50 });
    expect(flooded.record.generator).toMatchObject({
      kind: 'flood',
      requests: 50,
      endpoints: topology.apiEndpoints,
    });
    expect(flooded.record.figures).toMatchObject({
      requests: 50,
      errors: 0,
      created: 50,
      found: 50,
      drawn: 50,
    });
    expect(flooded.record.figures.samples.fractals).toBeUndefined();
  }, 120_000);
});

describe('one busy 1-vCPU worker', () => {
  it.skipIf(!haveSsh)(
    'its 1-minute load reaches 0.9 within two minutes and stays there while the batch lasts (API and uptime), then falls back',
    async () => {
      const worker = topology.workerNodes[0]!;
      const meterStop = new AbortController();
      const api = collect(
        nodeMeter({ source: lab.conn, node: worker, intervalMs: 5000, signal: meterStop.signal }),
        meterStop,
      );
      const sshStop = new AbortController();
      const uptime = collect(
        poll(async () => ({ load1: await uptimeLoad(worker.name) }), {
          intervalMs: 10_000,
          signal: sshStop.signal,
        }),
        sshStop,
      );
      // The guide's batch at 0.7 of its side, enough of it to keep one vCPU busy well past two minutes.
      const batch = await createBatch({
        endpoint: topology.apiEndpoints[0]!,
        scale: 0.7,
        tasks: 36,
        random: seededRandom(11),
        allowed: topology.floatingIps,
      });
      const finished = await awaitFinished(topology.apiEndpoints[0]!, batch.uuids, {
        since: batch.startedAt,
        pollMs: 250,
        timeoutMs: 360_000,
        allowed: topology.floatingIps,
      });
      const endedAt = batch.startedAt + finished.drainMs;
      // After the batch: the load falls back (the kernel's decay: e^-1 a minute).
      const peak = Math.max(...api.samples.map(load1).filter(Number.isFinite));
      const fallDeadline = Date.now() + 100_000;
      while (Date.now() < fallDeadline && !(load1(api.samples.at(-1)!) <= peak / 2))
        await new Promise((r) => setTimeout(r, 1000));
      const afterSsh = await uptimeLoad(worker.name);
      const apiSamples = await api.stop();
      const sshSamples = await uptime.stop();

      const during = (s: { at: number }) => s.at >= batch.startedAt && s.at <= endedAt;
      const t = (s: { at: number }) => ((s.at - batch.startedAt) / 1000).toFixed(0);
      console.log(
        `batch: ${finished.done} done in ${(finished.drainMs / 1000).toFixed(0)} s; API load1 ${apiSamples.map((s) => `${t(s)}s:${load1(s)}`).join(' ')}; uptime ${sshSamples.map((s) => `${t(s)}s:${s.load1}`).join(' ')}; after: ${afterSsh}`,
      );
      expect(finished).toMatchObject({ done: 36, failed: 0 });
      const reached = apiSamples.find((s) => during(s) && load1(s) >= 0.9);
      expect(reached, 'the API never read a 1-minute load of 0.9 during the batch').toBeDefined();
      expect(reached!.at - batch.startedAt).toBeLessThanOrEqual(120_000);
      // The claim is only worth something if the batch outlasts the climb by a good margin.
      expect(endedAt - reached!.at).toBeGreaterThan(60_000);
      const afterReached = apiSamples.filter((s) => s.at >= reached!.at && s.at <= endedAt);
      expect(afterReached.length).toBeGreaterThan(10);
      expect(afterReached.map(load1).filter((v) => !(v >= 0.9))).toEqual([]);
      // uptime on the node says the same: ≥ 0.9 from then on while the batch lasts.
      const sshWhileBusy = sshSamples.filter(
        (s) => s.at >= reached!.at + 5000 && s.at <= endedAt && !('error' in s),
      );
      expect(sshWhileBusy.length).toBeGreaterThan(3);
      expect(sshWhileBusy.map((s) => s.load1).filter((v) => !(v >= 0.9))).toEqual([]);
      expect(Math.max(...sshSamples.map((s) => s.load1))).toBeGreaterThanOrEqual(0.9);
      // Its one vCPU is all used (vCPU time, as a VM reports it), though it is a third of a host core.
      const cpuWhileBusy = afterReached.flatMap((s) =>
        s.unavailable === undefined && s.cpuUse !== null ? [s.cpuUse] : [],
      );
      expect(cpuWhileBusy.reduce((a, b) => a + b, 0) / cpuWhileBusy.length).toBeGreaterThanOrEqual(0.85);
      expect(Math.max(...cpuWhileBusy)).toBeLessThanOrEqual(1.1);
      // And back down after it: at most half the peak, through both.
      expect(load1(apiSamples.at(-1)!)).toBeLessThanOrEqual(peak / 2);
      expect(afterSsh).toBeLessThanOrEqual(peak / 2);
    },
    480_000,
  );
});

describe('the API node under the flood', () => {
  // A flood sent from this machine is answered in about a second: it measures the API's latency,
  // but is far too short to move a 1-minute average, and the API is one process. The guide's load
  // on the node comes from its loop of `faafo create` processes run there (src/lab/node-loop.ts).
  it('500 parallel creates from this machine: every 201 is a fractal the API lists', async () => {
    const endpoints = topology.apiEndpoints.slice(0, 1);
    const single = await flood({ endpoints, allowed: topology.floatingIps });
    expect(single.errors, single.failures.join('; ')).toBe(0);
    const listed = new Set((await new FaafoClient(endpoints[0]!).listAll()).map((f) => f.uuid));
    expect(single.created).toHaveLength(500);
    expect(single.created.filter((uuid) => !listed.has(uuid))).toEqual([]);
    console.log(
      `flood of 500 from this machine: ${single.durationMs.toFixed(0)} ms, p50 ${single.p50Ms?.toFixed(0)} ms, p99 ${single.p99Ms?.toFixed(0)} ms`,
    );
  }, 120_000);

  it('the guide’s loop run on the API node takes its load well above 1 (API and uptime), then it falls back', async () => {
    const controller = topology.apiNodes[0]!;
    const client = new FaafoClient(topology.apiEndpoints[0]!);
    const stop = new AbortController();
    const api = collect(
      nodeMeter({ source: lab.conn, node: controller, intervalMs: 1000, signal: stop.signal }),
      stop,
    );
    const loads = () => api.samples.map(load1).filter(Number.isFinite);
    const listedBefore = (await client.listAll()).length;
    // Eight at a time on one vCPU take the load over 1.5 within about 15 s; 32 keep it there for a
    // minute or more (60 took 146 s here and over 300 s with CI's other work beside it).
    const requests = 32;
    const loop = await measureNodeLoop({
      conn: lab.conn,
      topology,
      keyFile: lab.keyFile,
      requests,
      parallel: 8,
      target: 'first',
      meterIntervalMs: 1000,
    });
    const uptimeAtEnd = await uptimeLoad(controller.name);
    expect(loop.result.errors, loop.result.failures.join('; ')).toBe(0);
    expect(loop.result.accepted).toBe(requests);
    expect((await client.listAll()).length - listedBefore).toBe(requests);
    expect(loop.record.generator).toEqual({
      kind: 'node-loop',
      requests,
      parallel: 8,
      nodes: ['app-controller'],
    });
    const peak = Math.max(...loads());
    // Eight faafo processes starting beside the API on one vCPU: the guide's "well above 1".
    expect(peak).toBeGreaterThanOrEqual(1.5);
    expect(loop.record.figures.samples['app-controller']!.load1!.max).toBeGreaterThanOrEqual(1.5);
    expect(uptimeAtEnd).toBeGreaterThanOrEqual(1.5);
    // And it falls back once the loop is over (1-minute decay: half in about 42 s).
    const fellTo = await (async () => {
      const until = Date.now() + 120_000;
      for (;;) {
        const now = loads().at(-1)!;
        if (now <= peak / 2 || Date.now() > until) return now;
        await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    await api.stop();
    console.log(
      `guide's loop on app-controller: ${requests} faafo create, 8 at a time, in ${(loop.result.durationMs / 1000).toFixed(1)} s ` +
        `(p50 ${loop.result.p50Ms?.toFixed(0)} ms, p99 ${loop.result.p99Ms?.toFixed(0)} ms per invocation); ` +
        `load1 peak ${peak} (uptime ${uptimeAtEnd}), then ${fellTo}`,
    );
    expect(fellTo).toBeLessThanOrEqual(peak / 2);
  }, 420_000);
});
