// The lesson's two measurements on a topology, each run the same way whatever the topology, so
// "before" and "after" differ only by the nodes they ran on:
// - the batch (the guide's `faafo create --height 9999 --width 9999 --tasks 5`, scaled, replayable
//   with a seed) posted through the first API node's floating IP and drained: fractals per minute,
//   drain time, and the meters (per-node load and CPU, queue depth, host cores) while it ran;
// - the flood (N parallel creates, round-robin over the API nodes' floating IPs or against the
//   first only): p50/p99 and errors, then every 201 looked up again (none lost) and waited for
//   until the workers have drawn it.
// Each gives a checked run record (./run-record.ts) and the raw samples.
import type { Connection } from '../cloud/driver.ts';
import { FaafoClient } from '../faafo/cli/client.ts';
import { awaitFinished, createBatch, GUIDE_BATCH } from './batch.ts';
import { batchFigures, floodFigures, nodeLoopFigures } from './figures.ts';
import { DEFAULT_FLOOD_REQUESTS, type FloodResult, flood } from './flood.ts';
import { DEFAULT_LOOP_PARALLEL, type NodeLoopResult, nodeLoop } from './node-loop.ts';
import { type RunSamples, startRunMeters, summarizeRun } from './run-meters.ts';
import { type RunRecord, RunRecordSchema } from './run-record.ts';
import { seededRandom } from './seeded-random.ts';
import type { LabTopology } from './topology.ts';

interface ScenarioBase {
  conn: Connection;
  topology: LabTopology;
  /** amqp:// URL of the workers' broker, for the queue meter; none without it. */
  queueUrl?: string;
  /** Meters' interval; default 2 s. */
  meterIntervalMs?: number;
  /** The record's label; default the topology's. */
  label?: string;
}

export interface BatchScenarioOptions extends ScenarioBase {
  /** 0 < scale ≤ 1 of the guide's 9999 × 9999. */
  scale: number;
  /** Default the guide's 5. */
  tasks?: number;
  /** Fixed iterations; default drawn as `faafo create` draws them. */
  iterations?: number;
  /** The same seed posts the same fractals. Default 1. */
  seed?: number;
  /** How long to wait for the batch to drain; default 30 min. */
  timeoutMs?: number;
}

export interface ScenarioResult<T> {
  record: RunRecord;
  samples: RunSamples;
  result: T;
}

const topologyOf = (topology: LabTopology) => ({
  cloud: topology.cloud,
  nodes: topology.nodes.map(({ node, flavor, vcpus, ramMb, roles }) => ({
    name: node.name,
    flavor,
    roles,
    ...(vcpus === undefined ? {} : { vcpus }),
    ...(ramMb === undefined ? {} : { ramMb }),
  })),
});

/** Every meter of the scenario's topology; the fractals meter off for loads that create thousands. */
function scenarioMeters(options: ScenarioBase, { fractals }: { fractals: boolean }) {
  return startRunMeters({
    conn: options.conn,
    topology: options.topology,
    ...(fractals ? {} : { fractals: false }),
    ...(options.queueUrl ? { queueUrl: options.queueUrl } : {}),
    ...(options.meterIntervalMs ? { intervalMs: options.meterIntervalMs } : {}),
  });
}

/** Posts the batch through the first API node, waits until it drained, and records the run. */
export async function measureBatch(
  options: BatchScenarioOptions,
): Promise<ScenarioResult<{ drainMs: number; done: number; failed: number }>> {
  const { topology } = options;
  const endpoint = topology.apiEndpoints[0]!;
  const seed = options.seed ?? 1;
  const meters = scenarioMeters(options, { fractals: true });
  try {
    const batch = await createBatch({
      endpoint,
      scale: options.scale,
      tasks: options.tasks ?? GUIDE_BATCH.tasks,
      ...(options.iterations === undefined ? {} : { iterations: options.iterations }),
      random: seededRandom(seed),
      allowed: topology.floatingIps,
    });
    const finished = await awaitFinished(endpoint, batch.uuids, {
      since: batch.startedAt,
      // The drain time to a quarter of a second: three workers drain the bench's batch in ~10 s.
      pollMs: 250,
      allowed: topology.floatingIps,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    const samples = await meters.stop();
    const record = RunRecordSchema.parse({
      version: 1,
      label: options.label ?? topology.label,
      startedAt: new Date(batch.startedAt).toISOString(),
      finishedAt: new Date(batch.startedAt + finished.drainMs).toISOString(),
      generator: {
        kind: 'batch',
        scale: batch.scale,
        side: batch.side,
        tasks: batch.tasks,
        seed,
        ...(options.iterations === undefined ? {} : { iterations: options.iterations }),
      },
      topology: topologyOf(topology),
      figures: { ...batchFigures(finished), samples: summarizeRun(samples) },
    });
    return { record, samples, result: finished };
  } finally {
    // Already stopped on success; after a failure, that failure is the one to report.
    await meters.stop().catch(() => {});
  }
}

export interface FloodScenarioOptions extends ScenarioBase {
  /** Default 500. */
  requests?: number;
  /** `all` (default): round-robin over every API node's floating IP; `first`: the first only. */
  target?: 'all' | 'first';
  requestTimeoutMs?: number;
  deadlineMs?: number;
  /** How long to wait for the workers to draw every accepted fractal; default 5 min, 0: do not wait. */
  drawTimeoutMs?: number;
}

export interface FloodOutcome {
  flood: FloodResult;
  /** Accepted (201) fractals the API lists afterwards. */
  found: number;
  /** Of those, how many the workers finished (done or failed) before the wait ended. */
  drawn: number;
}

/** Sends the flood, looks every accepted fractal up again, waits for them to be drawn, records the run. */
export async function measureFlood(options: FloodScenarioOptions): Promise<ScenarioResult<FloodOutcome>> {
  const { topology } = options;
  const endpoints = options.target === 'first' ? topology.apiEndpoints.slice(0, 1) : topology.apiEndpoints;
  const requests = options.requests ?? DEFAULT_FLOOD_REQUESTS;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const deadlineMs = options.deadlineMs ?? 120_000;
  const meters = scenarioMeters(options, { fractals: false });
  try {
    const result = await flood({
      endpoints,
      requests,
      requestTimeoutMs,
      deadlineMs,
      allowed: topology.floatingIps,
    });
    const { found, drawn } = await lookUp(endpoints[0]!, result.created, options.drawTimeoutMs ?? 300_000);
    const samples = await meters.stop();
    const record = RunRecordSchema.parse({
      version: 1,
      label: options.label ?? topology.label,
      startedAt: new Date(result.startedAt).toISOString(),
      finishedAt: new Date(result.startedAt + result.durationMs).toISOString(),
      generator: { kind: 'flood', requests, endpoints, requestTimeoutMs, deadlineMs },
      topology: topologyOf(topology),
      figures: { ...floodFigures(result, found), drawn, samples: summarizeRun(samples) },
    });
    return { record, samples, result: { flood: result, found, drawn } };
  } finally {
    // Already stopped on success; after a failure, that failure is the one to report.
    await meters.stop().catch(() => {});
  }
}

export interface NodeLoopScenarioOptions extends ScenarioBase {
  /** The lesson's private key, to log in to the API nodes. */
  keyFile: string;
  /** Default 500. */
  requests?: number;
  /** faafo invocations at once on each node; default 8. */
  parallel?: number;
  /** `all` (default): the requests split over every API node, each running its share; `first`: the first only. */
  target?: 'all' | 'first';
  deadlineMs?: number;
  /** Each invocation's outcome as it reports, e.g. for a live latency view. */
  onOutcome?: Parameters<typeof nodeLoop>[0]['onOutcome'];
  signal?: AbortSignal;
}

/**
 * The guide's API overload: its `faafo create` loop run on the API node(s) themselves, with every
 * meter on, so the record holds the API nodes' load while it ran (what `uptime` there shows).
 */
export async function measureNodeLoop(
  options: NodeLoopScenarioOptions,
): Promise<ScenarioResult<NodeLoopResult>> {
  const { topology } = options;
  const nodes = options.target === 'first' ? topology.apiNodes.slice(0, 1) : topology.apiNodes;
  const requests = options.requests ?? DEFAULT_FLOOD_REQUESTS;
  const parallel = options.parallel ?? DEFAULT_LOOP_PARALLEL;
  const meters = scenarioMeters(options, { fractals: false });
  try {
    const result = await nodeLoop({
      nodes,
      keyFile: options.keyFile,
      requests,
      parallel,
      allowed: topology.floatingIps,
      ...(options.deadlineMs ? { deadlineMs: options.deadlineMs } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const samples = await meters.stop();
    const record = RunRecordSchema.parse({
      version: 1,
      label: options.label ?? topology.label,
      startedAt: new Date(result.startedAt).toISOString(),
      finishedAt: new Date(result.startedAt + result.durationMs).toISOString(),
      generator: { kind: 'node-loop', requests, parallel, nodes: nodes.map((n) => n.name) },
      topology: topologyOf(topology),
      figures: { ...nodeLoopFigures(result), samples: summarizeRun(samples) },
    });
    return { record, samples, result };
  } finally {
    // Already stopped on success; after a failure, that failure is the one to report.
    await meters.stop().catch(() => {});
  }
}

/** How many of `uuids` the API lists, and how many of those are drawn, waiting up to `timeoutMs` for the latter. */
async function lookUp(
  endpoint: string,
  uuids: readonly string[],
  timeoutMs: number,
): Promise<{ found: number; drawn: number }> {
  const client = new FaafoClient(endpoint);
  const wanted = new Set(uuids);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = (await client.listAll()).filter((f) => wanted.has(f.uuid));
    const drawn = listed.filter((f) => f.state !== 'pending').length;
    if (drawn === listed.length || Date.now() >= deadline) return { found: listed.length, drawn };
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
