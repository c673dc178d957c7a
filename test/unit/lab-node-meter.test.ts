// The per-node meter (src/lab/node-meter.ts) on Nova diagnostics bodies: the libvirt shape
// (cpuN_time in ns, memory and memory-rss in KiB) plus the local cloud's `local-cloud:loadavg`.
// The source here answers as the cloud connection would — bodies, or CloudErrors carrying the HTTP
// status — so CPU use from two readings, a cloud without diagnostics (404, 501) and a broken one are
// each checked without a cloud that has the endpoint.
import { describe, expect, it } from 'vitest';
import { CloudError } from '../../src/cloud/errors.ts';
import {
  type DiagnosticsSource,
  LOADAVG_KEY,
  type NodeSample,
  nodeMeter,
  parseDiagnostics,
} from '../../src/lab/node-meter.ts';
import { HOST_CORES_KEY } from '../../src/shared/diagnostics-keys.ts';

const NODE = { id: 'b1c2', name: 'app-worker-1' };

/** A source that answers each call with the next of `answers` (a body, or an error to throw). */
function source(answers: Array<unknown>): DiagnosticsSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async exGetServerDiagnostics(node) {
      calls.push(node.id);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

async function collect(meter: AsyncIterable<NodeSample>): Promise<NodeSample[]> {
  const all: NodeSample[] = [];
  for await (const sample of meter) all.push(sample);
  return all;
}

describe('parseDiagnostics', () => {
  it('reads the libvirt fields and our load average, and ignores the rest', () => {
    const body = {
      cpu0_time: 17_300_000_000,
      cpu1_time: 2_700_000_000,
      memory: 524_288,
      'memory-actual': 524_288,
      'memory-rss': 120_000,
      vda_read: 262144,
      'tap1e54d2ab-e8_rx': 3,
      [LOADAVG_KEY]: [0.93, 0.41, 0.15],
      [HOST_CORES_KEY]: 0.333,
    };
    expect(parseDiagnostics(body)).toEqual({
      vcpus: 2,
      cpuTimeNs: 20_000_000_000,
      memoryKiB: 524_288,
      memoryRssKiB: 120_000,
      loadavg: [0.93, 0.41, 0.15],
      hostCores: 0.333,
    });
    expect(parseDiagnostics({})).toEqual({
      vcpus: 0,
      cpuTimeNs: null,
      memoryKiB: null,
      memoryRssKiB: null,
      loadavg: null,
      hostCores: null,
    });
    // A node that runs nothing is held to no share of the host: 0, not an error.
    expect(parseDiagnostics({ [HOST_CORES_KEY]: 0 }).hostCores).toBe(0);
    expect(() => parseDiagnostics({ [HOST_CORES_KEY]: -1 })).toThrow();
    expect(() => parseDiagnostics({ [LOADAVG_KEY]: '0.93 0.41 0.15' })).toThrow();
  });
});

describe('the node meter', () => {
  it('yields load and CPU use from two readings: CPU time gained over wall time', async () => {
    // 2 readings ≥ 100 ms apart; the second has 1 vCPU-second more per wall second → cpuUse ≈ 1.
    let first = true;
    let firstAt = 0;
    const src: DiagnosticsSource = {
      async exGetServerDiagnostics() {
        if (first) {
          first = false;
          firstAt = Date.now();
          return { cpu0_time: 5e9, memory: 524_288, [LOADAVG_KEY]: [1.02, 0.6, 0.22] };
        }
        // CPU time as if the vCPU had been busy the whole time since the first reading.
        return {
          cpu0_time: 5e9 + (Date.now() - firstAt) * 1e6,
          memory: 524_288,
          [LOADAVG_KEY]: [1.05, 0.64, 0.24],
        };
      },
    };
    const samples = await collect(nodeMeter({ source: src, node: NODE, intervalMs: 100, maxSamples: 2 }));
    expect(samples).toHaveLength(2);
    expect(samples[0]).toMatchObject({
      node: 'app-worker-1',
      cpuUse: null,
      loadavg: [1.02, 0.6, 0.22],
      vcpus: 1,
    });
    expect(samples[1]!.unavailable).toBeUndefined();
    const cpuUse = (samples[1] as { cpuUse: number }).cpuUse;
    expect(cpuUse).toBeGreaterThan(0.9);
    expect(cpuUse).toBeLessThanOrEqual(1.05);
    // Timers run on the monotonic clock and `at` is Date.now(): the two may round 1 ms apart.
    expect(samples[1]!.at - samples[0]!.at).toBeGreaterThanOrEqual(99);
  });

  it('reads a cloud without diagnostics (404, 501) as unavailable and keeps going', async () => {
    const src = source([
      new CloudError('Could not read the diagnostics of app-worker-1: the cloud answered 404.', 404),
      new CloudError('Could not read the diagnostics of app-worker-1: the cloud answered 501.', 501),
      new Error('socket hang up'),
      { cpu0_time: 1e9 },
    ]);
    const samples = await collect(nodeMeter({ source: src, node: NODE, intervalMs: 50, maxSamples: 4 }));
    expect(src.calls).toEqual(['b1c2', 'b1c2', 'b1c2', 'b1c2']);
    expect(samples.map((s) => s.unavailable)).toEqual([
      'The cloud gives no server diagnostics for app-worker-1 (it answered 404).',
      'The cloud gives no server diagnostics for app-worker-1 (it answered 501).',
      'socket hang up',
      undefined,
    ]);
    expect(samples[3]).toMatchObject({ cpuTimeNs: 1e9, cpuUse: null, loadavg: null });
  });

  it('stops when its signal fires', async () => {
    const controller = new AbortController();
    const src: DiagnosticsSource = { exGetServerDiagnostics: async () => ({ cpu0_time: 1 }) };
    const seen: NodeSample[] = [];
    for await (const sample of nodeMeter({
      source: src,
      node: NODE,
      intervalMs: 50,
      signal: controller.signal,
    })) {
      seen.push(sample);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toHaveLength(3);
  });
});
