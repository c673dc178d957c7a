// Every meter a lab run keeps on while its load runs: per node of the topology its load average
// and CPU use (Nova diagnostics through the cloud API), the task queue's depth and consumers (when
// the caller can reach the broker), the fractals the API lists by state and finished per minute, and
// this machine's busy cores. Started together, stopped together, and summed up per field for the
// run record — the tutor draws the same meters live instead.
import type { Connection } from '../cloud/driver.ts';
import { type Collecting, collect } from './collect.ts';
import { samplesSummary } from './figures.ts';
import { type FractalsSample, fractalsMeter } from './fractals-meter.ts';
import { type HostCpuSample, hostCpuMeter } from './host-cpu.ts';
import { type NodeSample, nodeMeter } from './node-meter.ts';
import { type QueueSample, queueMeter } from './queue-meter.ts';
import type { Figures } from './run-record.ts';
import type { LabTopology } from './topology.ts';

export interface RunMetersOptions {
  conn: Connection;
  topology: LabTopology;
  /** amqp:// URL of the broker the workers consume from; without it, no queue meter. */
  queueUrl?: string;
  /** Default 2 s (the nodes' load average moves every 5 s). */
  intervalMs?: number;
  /**
   * Whether to list the fractals through the API every interval (default true). A flood's run turns
   * it off: thousands of listed fractals every 2 s would be load of its own on the node measured.
   */
  fractals?: boolean;
}

export interface RunSamples {
  nodes: Record<string, NodeSample[]>;
  queue: QueueSample[];
  fractals: FractalsSample[];
  host: HostCpuSample[];
}

export interface RunMeters {
  /** Samples so far (live arrays). */
  readonly samples: RunSamples;
  stop(): Promise<RunSamples>;
}

export function startRunMeters(options: RunMetersOptions): RunMeters {
  const { conn, topology } = options;
  const intervalMs = options.intervalMs ?? 2000;
  const controller = new AbortController();
  const { signal } = controller;
  const nodes = topology.nodes.map(
    ({ node }) =>
      [node.name, collect(nodeMeter({ source: conn, node, intervalMs, signal }), controller)] as const,
  );
  const queue: Collecting<QueueSample> | undefined = options.queueUrl
    ? collect(queueMeter({ url: options.queueUrl, intervalMs, signal }), controller)
    : undefined;
  const fractals: Collecting<FractalsSample> | undefined =
    options.fractals === false
      ? undefined
      : collect(fractalsMeter({ endpoint: topology.apiEndpoints[0]!, intervalMs, signal }), controller);
  const host = collect(hostCpuMeter({ intervalMs, signal }), controller);
  const snapshot = (): RunSamples => ({
    nodes: Object.fromEntries(nodes.map(([name, c]) => [name, c.samples])),
    queue: queue?.samples ?? [],
    fractals: fractals?.samples ?? [],
    host: host.samples,
  });
  return {
    get samples() {
      return snapshot();
    },
    async stop() {
      await Promise.all([...nodes.map(([, c]) => c.stop()), queue?.stop(), fractals?.stop(), host.stop()]);
      return snapshot();
    },
  };
}

/** A node sample's figures as flat numbers (the 1-minute load, CPU use in vCPUs, RSS in MiB). */
export function nodeFigures(sample: NodeSample): { load1?: number; cpuUse?: number; rssMiB?: number } {
  if (sample.unavailable !== undefined) return {};
  return {
    ...(sample.loadavg ? { load1: sample.loadavg[0] } : {}),
    ...(sample.cpuUse !== null ? { cpuUse: sample.cpuUse } : {}),
    ...(sample.memoryRssKiB !== null ? { rssMiB: sample.memoryRssKiB / 1024 } : {}),
  };
}

/** The samples as a run record's `samples`: per node, the queue, the fractals and the host. */
export function summarizeRun(samples: RunSamples): Figures['samples'] {
  const summary: Figures['samples'] = {};
  for (const [name, list] of Object.entries(samples.nodes))
    summary[name] = samplesSummary(list.map(nodeFigures), ['load1', 'cpuUse', 'rssMiB']);
  if (samples.queue.length > 0) summary.queue = samplesSummary(samples.queue, ['depth', 'consumers']);
  if (samples.fractals.length > 0)
    summary.fractals = samplesSummary(samples.fractals, ['pending', 'finishedPerMinute']);
  summary.host = samplesSummary(samples.host, ['busyCores']);
  return summary;
}
