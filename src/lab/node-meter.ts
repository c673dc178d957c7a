// Per-node load average and CPU use, read through the cloud API the way a real client could: Nova's
// server diagnostics (GET /servers/{id}/diagnostics). Nova (libvirt, before microversion 2.48)
// answers a flat object: `cpu0_time`, `cpu1_time`, … (nanoseconds of CPU each vCPU has used),
// `memory` (KiB the server was given), `memory-rss` (KiB it holds), plus disk and NIC counters this
// meter ignores. Linux's load average is no Nova field; the local cloud adds it under its own key,
// `local-cloud:loadavg` ([1-minute, 5-minute, 15-minute], numbers as /proc/loadavg shows them),
// and how much of the host its vCPUs are under `local-cloud:host-cores` (vCPUs × a core's fraction).
// CPU use is the CPU time gained between two readings over the wall time between them: 1.0 means
// one vCPU busy all the time. A cloud without the call (404, 501) or a policy that forbids it (403)
// gives a sample with `unavailable: reason` and the meter keeps going, so a learner on a real
// OpenStack sees why there is no figure rather than a crash.
import { z } from 'zod';
import { HOST_CORES_KEY, LOADAVG_KEY } from '../shared/diagnostics-keys.ts';
import { type MeterOptions, poll, reasonOf, type Sample } from './poll.ts';

export { HOST_CORES_KEY, LOADAVG_KEY };

/** What the meter needs of the cloud connection: one call, GET /servers/{id}/diagnostics's body. */
export interface DiagnosticsSource {
  exGetServerDiagnostics(node: { id: string; name: string }): Promise<unknown>;
}

const DiagnosticsSchema = z
  .object({
    memory: z.number().nonnegative().optional(),
    'memory-rss': z.number().nonnegative().optional(),
    [LOADAVG_KEY]: z.tuple([z.number(), z.number(), z.number()]).optional(),
    [HOST_CORES_KEY]: z.number().nonnegative().optional(),
  })
  .catchall(z.unknown());

/** The figures one diagnostics body carries; CPU time summed over `cpuN_time`. */
export interface Diagnostics {
  vcpus: number;
  cpuTimeNs: number | null;
  memoryKiB: number | null;
  memoryRssKiB: number | null;
  loadavg: [number, number, number] | null;
  /** Host cores the node's vCPUs come to (the local cloud's key); null elsewhere. */
  hostCores: number | null;
}

/** Reads a diagnostics body; fields it does not know are ignored, a wrong type for a known one throws. */
export function parseDiagnostics(body: unknown): Diagnostics {
  const parsed = DiagnosticsSchema.parse(body);
  const cpuTimes = Object.entries(parsed)
    .filter(([key, value]) => /^cpu\d+_time$/.test(key) && typeof value === 'number')
    .map(([, value]) => value as number);
  return {
    vcpus: cpuTimes.length,
    cpuTimeNs: cpuTimes.length > 0 ? cpuTimes.reduce((a, b) => a + b, 0) : null,
    memoryKiB: parsed.memory ?? null,
    memoryRssKiB: parsed['memory-rss'] ?? null,
    loadavg: parsed[LOADAVG_KEY] ?? null,
    hostCores: parsed[HOST_CORES_KEY] ?? null,
  };
}

export type NodeReading =
  | ({
      node: string;
      /** vCPUs busy between the previous reading and this one (1.0 = one vCPU all the time); null on the first. */
      cpuUse: number | null;
      unavailable?: undefined;
    } & Diagnostics)
  | { node: string; unavailable: string };
export type NodeSample = Sample<NodeReading>;

/** HTTP statuses that mean "this cloud does not give diagnostics", not "something broke". */
const NOT_OFFERED = new Set([403, 404, 405, 501]);

export interface NodeMeterOptions extends MeterOptions {
  source: DiagnosticsSource;
  node: { id: string; name: string };
}

/** Samples `{ at, node, loadavg, cpuUse, vcpus, memoryKiB, … }` of one node, or `{ at, node, unavailable }`. */
export function nodeMeter(options: NodeMeterOptions): AsyncGenerator<NodeSample, void, undefined> {
  const { source, node } = options;
  let last: { at: number; cpuTimeNs: number } | undefined;
  return poll<NodeReading>(async () => {
    const at = Date.now();
    let diagnostics: Diagnostics;
    try {
      diagnostics = parseDiagnostics(await source.exGetServerDiagnostics(node));
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      // The cloud's own sentence for a 404 ("may have been deleted meanwhile") would mislead here.
      const unavailable =
        typeof status === 'number' && NOT_OFFERED.has(status)
          ? `The cloud gives no server diagnostics for ${node.name} (it answered ${status}).`
          : reasonOf(error);
      return { node: node.name, unavailable };
    }
    const { cpuTimeNs } = diagnostics;
    const cpuUse =
      last && cpuTimeNs !== null && at > last.at
        ? (cpuTimeNs - last.cpuTimeNs) / ((at - last.at) * 1e6)
        : null;
    last = cpuTimeNs === null ? undefined : { at, cpuTimeNs };
    return { node: node.name, cpuUse, ...diagnostics };
  }, options);
}
