// The lesson's own argument, measured on a fresh local cloud in this one run with the lab's
// scenario (src/lab/scenario.ts): the topologies are built by the lesson's steps (the prelude:
// app-controller and one worker; then steps 1–6: app-services, two API nodes, three workers), and on
// each the same seeded batch (the guide's `faafo create --height 9999 --width 9999`, scaled) is
// posted through an API node's floating IP and drained, then 500 parallel creates are sent (to the
// one API node; round-robin to both). Rows: the batch's throughput on one worker and on three and
// their ratio; the host's busy cores while one 1-vCPU worker is busy, beside that worker's share of
// the host; the floods' p50/p99/errors and whether every 201 became a fractal.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { busyCores, readHostCpu } from '../src/lab/host-cpu.ts';
import type { RunSamples } from '../src/lab/run-meters.ts';
import { type RunRecord, writeRunRecord } from '../src/lab/run-record.ts';
import { type FloodOutcome, measureBatch, measureFlood, measureNodeLoop } from '../src/lab/scenario.ts';
import { buildTopology, describeTopology, type LabTopology, type TopologyName } from '../src/lab/topology.ts';
import { type LabCloud, startLabCloud } from '../test/helpers/lab-cloud.ts';

/** Half the guide's side (5000 × 5000) and a multiple of three tasks, so three workers share it evenly. */
const SCALE = Number(process.env.FAAFO_BENCH_SCALE ?? 0.5);
const TASKS = Number(process.env.FAAFO_BENCH_TASKS ?? 24);
const SEED = 11;
const FLOOD = 500;
/** The guide's loop on the API node(s): `faafo create` processes, so fewer than the flood's requests. */
const LOOP = Number(process.env.FAAFO_BENCH_LOOP ?? 100);
/** A folder to write the four run records to (one-worker-batch.json …), for the tutor or a notebook. */
const RECORDS = process.env.FAAFO_BENCH_RECORDS;

interface HostRow {
  /** Host cores busy with the one-worker topology built and idle (other programs on the host count too). */
  idleCores: number;
  /** Host cores busy while its one worker drained the batch. */
  batchCores: number;
  /** The worker's flavor in host cores (1 vCPU × the cloud's vCPU fraction). */
  workerShare: number;
  /** What the worker used, in host cores, from its diagnostics. */
  workerUse: number;
  hostCores: number;
}

export interface ScaleOutRows {
  scale: number;
  tasks: number;
  side: number;
  one: RunRecord;
  three: RunRecord;
  host: HostRow;
  floods: Array<{ record: RunRecord; outcome: FloodOutcome }>;
  /** The guide's loop run on the API node(s), before and after. */
  loops: RunRecord[];
}

/** The topology's steps run with their printing silenced: the bench prints its rows at the end. */
async function build(lab: LabCloud, name: TopologyName): Promise<LabTopology> {
  const log = console.log;
  console.log = () => {};
  try {
    await buildTopology(name, { run: lab.run });
  } finally {
    console.log = log;
  }
  return describeTopology(lab.conn, name);
}

async function hostBusyFor(ms: number): Promise<number> {
  const from = readHostCpu();
  await sleep(ms);
  const to = readHostCpu();
  return from && to ? busyCores(from, to) : Number.NaN;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** The host's busy cores during the one-worker batch beside the worker's flavor and use. */
function hostRow(idleCores: number, samples: RunSamples): HostRow {
  const host = samples.host.flatMap((s) => (s.unavailable === undefined ? [s] : []));
  const worker = (samples.nodes['app-worker-1'] ?? []).flatMap((s) =>
    s.unavailable === undefined ? [s] : [],
  );
  return {
    idleCores,
    batchCores: mean(host.flatMap((s) => (s.busyCores === null ? [] : [s.busyCores]))),
    workerShare: worker.find((s) => s.hostCores !== null)?.hostCores ?? Number.NaN,
    // cpuUse is in vCPUs (1.0 = its one vCPU all the time); in host cores that is × the vCPU's share.
    workerUse: mean(
      worker.flatMap((s) =>
        s.cpuUse === null || s.hostCores === null ? [] : [(s.cpuUse * s.hostCores) / s.vcpus],
      ),
    ),
    hostCores: host[0]?.cores ?? Number.NaN,
  };
}

export async function benchScaleOut(): Promise<ScaleOutRows> {
  const lab = await startLabCloud('bench-scale-out-');
  try {
    const before = await build(lab, 'one-worker');
    const queueBefore = await lab.brokerUrl('app-controller');
    const idleCores = await hostBusyFor(5000);
    const one = await measureBatch({
      conn: lab.conn,
      topology: before,
      scale: SCALE,
      tasks: TASKS,
      seed: SEED,
      ...(queueBefore ? { queueUrl: queueBefore } : {}),
    });
    const host = hostRow(idleCores, one.samples);
    const floodOne = await measureFlood({
      conn: lab.conn,
      topology: before,
      requests: FLOOD,
      target: 'first',
    });

    const loopOne = await measureNodeLoop({
      conn: lab.conn,
      topology: before,
      keyFile: lab.keyFile,
      requests: LOOP,
      target: 'first',
    });

    const after = await build(lab, 'scaled-out');
    const queueAfter = await lab.brokerUrl('app-services');
    const three = await measureBatch({
      conn: lab.conn,
      topology: after,
      scale: SCALE,
      tasks: TASKS,
      seed: SEED,
      ...(queueAfter ? { queueUrl: queueAfter } : {}),
    });
    const floodTwo = await measureFlood({ conn: lab.conn, topology: after, requests: FLOOD, target: 'all' });
    const loopTwo = await measureNodeLoop({
      conn: lab.conn,
      topology: after,
      keyFile: lab.keyFile,
      requests: LOOP,
      target: 'all',
    });
    if (RECORDS) {
      mkdirSync(RECORDS, { recursive: true });
      const records = {
        'one-worker-batch': one,
        'one-worker-flood': floodOne,
        'scaled-out-batch': three,
        'scaled-out-flood': floodTwo,
        'one-worker-loop': loopOne,
        'scaled-out-loop': loopTwo,
      };
      for (const [name, { record }] of Object.entries(records))
        writeRunRecord(join(RECORDS, `${name}.json`), record);
    }
    return {
      scale: SCALE,
      tasks: TASKS,
      side: one.record.generator.kind === 'batch' ? one.record.generator.side : 0,
      one: one.record,
      three: three.record,
      host,
      floods: [
        { record: floodOne.record, outcome: floodOne.result },
        { record: floodTwo.record, outcome: floodTwo.result },
      ],
      loops: [loopOne.record, loopTwo.record],
    };
  } finally {
    await lab.close();
  }
}

export function printScaleOut(rows: ScaleOutRows): void {
  const perMin = (r: RunRecord) => r.figures.throughputPerMinute ?? 0;
  const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  console.log(
    `\nScaling out, on a fresh local cloud built by the lesson's steps: ${rows.tasks} tasks of ${rows.side} × ${rows.side} (the guide's batch at scale ${rows.scale}, seeded: the same fractals twice)`,
  );
  console.log(
    `  one worker (prelude)      ${perMin(rows.one).toFixed(1).padStart(6)} fractals/min, drained in ${s(rows.one.figures.drainMs)}`,
  );
  console.log(
    `  three workers (step 6)    ${perMin(rows.three).toFixed(1).padStart(6)} fractals/min, drained in ${s(rows.three.figures.drainMs)}`,
  );
  const ratio = perMin(rows.one) > 0 ? perMin(rows.three) / perMin(rows.one) : Number.NaN;
  console.log(`  three ÷ one               ${ratio.toFixed(2)}×  (the lesson: ≥ 2.8)`);
  const queue = rows.one.figures.samples.queue?.depth;
  if (queue) console.log(`  queue depth, one worker   max ${queue.max}, last ${queue.last}`);
  const { host } = rows;
  console.log(
    `  host busy, topology idle  ${host.idleCores.toFixed(2)} of ${host.hostCores} cores (everything on this machine)`,
  );
  console.log(`  host busy, one worker on  ${host.batchCores.toFixed(2)} of ${host.hostCores} cores`);
  console.log(
    `  the worker's vCPU         ${host.workerShare.toFixed(2)} of a core (flavor), used ${host.workerUse.toFixed(2)} (diagnostics)`,
  );
  console.log(`  500 parallel creates      p50        p99     errors  201s → fractals`);
  for (const [i, { record, outcome }] of rows.floods.entries()) {
    const f = record.figures;
    const lost = outcome.flood.created.length - outcome.found;
    console.log(
      `  ${i === 0 ? 'one API node' : 'two API nodes'}${' '.repeat(i === 0 ? 14 : 13)}${(f.p50Ms ?? 0).toFixed(0).padStart(5)} ms ${(f.p99Ms ?? 0).toFixed(0).padStart(6)} ms ${String(f.errors ?? 0).padStart(6)}  ${outcome.flood.created.length} → ${outcome.found} listed, ${outcome.drawn} drawn${lost === 0 ? ' (none lost)' : ` (${lost} LOST)`}`,
    );
  }
  console.log(`  the guide's loop on the API node(s): ${LOOP} faafo create, 8 at a time on each`);
  for (const record of rows.loops) {
    const f = record.figures;
    const nodes = record.generator.kind === 'node-loop' ? record.generator.nodes : [];
    const peaks = nodes.map((n) => `${n} ${(f.samples[n]?.load1?.max ?? Number.NaN).toFixed(2)}`).join(', ');
    console.log(
      `  ${nodes.length === 1 ? 'one API node ' : 'two API nodes'}  p50 ${(f.p50Ms ?? 0).toFixed(0)} ms, p99 ${(f.p99Ms ?? 0).toFixed(0)} ms, errors ${f.errors ?? 0}; peak load1 ${peaks}`,
    );
  }
}
