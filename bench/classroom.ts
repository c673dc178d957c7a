// Students per host in shared-cloud mode (`classroom serve --shared-cloud`): one student's lesson
// topology (steps 1–6: app-services, two API nodes, three workers) built by the lesson's own steps on
// a fresh local cloud, then each node's resident memory and CPU use read through Nova's diagnostics
// over ten idle seconds. Two answers side by side: what the room admits (the flavors: host cores ÷
// the topology's vCPUs × the vCPU fraction, host memory ÷ the flavors' RAM; src/classroom/room/
// headroom.ts), and what the nodes really hold on this machine (host memory ÷ their summed RSS).
import { availableParallelism, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { roomSize } from '../src/classroom/room/headroom.ts';
import { lessonNeeds, studentFootprint } from '../src/classroom/room/lesson-needs.ts';
import { type Diagnostics, parseDiagnostics } from '../src/lab/node-meter.ts';
import { buildTopology, describeTopology } from '../src/lab/topology.ts';
import { startLabCloud } from '../test/helpers/lab-cloud.ts';

const IDLE_MS = 10_000;

export interface ClassroomRows {
  buildMs: number;
  nodes: Array<{ name: string; flavor: string; ramMb: number; rssMib: number; hostCores: number }>;
  host: { cores: number; memoryMb: number; vcpuFraction: number };
  footprint: { vcpus: number; ramMb: number };
  byFlavors: { students: number; byCpu: number; byMemory: number };
  /** Host memory ÷ the topology's measured RSS. */
  byRss: number;
  /** Host cores the topology uses while idle. */
  idleCores: number;
}

export async function benchClassroom(): Promise<ClassroomRows> {
  const lab = await startLabCloud('bench-classroom-');
  try {
    const started = Date.now();
    const log = console.log;
    console.log = () => {};
    try {
      await buildTopology('scaled-out', { run: lab.run });
    } finally {
      console.log = log;
    }
    const buildMs = Date.now() - started;
    const topology = await describeTopology(lab.conn, 'scaled-out');
    const read = async () =>
      Promise.all(
        topology.nodes.map(async ({ node }) => ({
          at: process.hrtime.bigint(),
          d: parseDiagnostics(await lab.conn.exGetServerDiagnostics(node)),
        })),
      );
    const before = await read();
    await sleep(IDLE_MS);
    const after = await read();
    const cores = (a: { at: bigint; d: Diagnostics }, b: { at: bigint; d: Diagnostics }) => {
      if (a.d.cpuTimeNs === null || b.d.cpuTimeNs === null || b.d.hostCores === null) return 0;
      const vcpusBusy = (b.d.cpuTimeNs - a.d.cpuTimeNs) / Number(b.at - a.at);
      return (vcpusBusy * b.d.hostCores) / Math.max(1, b.d.vcpus);
    };
    const nodes = topology.nodes.map((n, i) => ({
      name: n.node.name,
      flavor: n.flavor,
      ramMb: n.ramMb ?? 0,
      rssMib: (after[i]!.d.memoryRssKiB ?? 0) / 1024,
      hostCores: cores(before[i]!, after[i]!),
    }));
    const vcpuFraction = (after[0]!.d.hostCores ?? 1) / Math.max(1, after[0]!.d.vcpus);
    const host = { cores: availableParallelism(), memoryMb: Math.floor(totalmem() / 2 ** 20), vcpuFraction };
    const flavor = topology.nodes[0]!;
    const footprint = studentFootprint(lessonNeeds(), {
      name: flavor.flavor,
      vcpus: flavor.vcpus ?? 1,
      ram: flavor.ramMb ?? 0,
    });
    const rss = nodes.reduce((sum, n) => sum + n.rssMib, 0);
    return {
      buildMs,
      nodes,
      host,
      footprint,
      byFlavors: roomSize(host, footprint),
      byRss: Math.floor(host.memoryMb / rss),
      idleCores: nodes.reduce((sum, n) => sum + n.hostCores, 0),
    };
  } finally {
    await lab.close();
  }
}

export function printClassroom(rows: ClassroomRows): void {
  const { host, footprint } = rows;
  console.log(
    `\nStudents per host in shared-cloud mode: one student's lesson (steps 1–6, built in ${(rows.buildMs / 1000).toFixed(0)} s) on a fresh local cloud`,
  );
  console.log('  node            flavor     RAM (flavor)   RSS (measured)   CPU idle (host cores)');
  for (const n of rows.nodes) {
    console.log(
      `  ${n.name.padEnd(15)} ${n.flavor.padEnd(10)} ${`${n.ramMb} MB`.padStart(12)} ${`${n.rssMib.toFixed(0)} MiB`.padStart(16)} ${n.hostCores.toFixed(3).padStart(23)}`,
    );
  }
  const rss = rows.nodes.reduce((sum, n) => sum + n.rssMib, 0);
  console.log(
    `  one student     ${footprint.vcpus} vCPU (${(footprint.vcpus * host.vcpuFraction).toFixed(2)} host cores at ${host.vcpuFraction.toFixed(2)}/vCPU), ${footprint.ramMb} MB by flavors, ${rss.toFixed(0)} MiB resident, ${rows.idleCores.toFixed(3)} cores idle`,
  );
  console.log(
    `  this host       ${host.cores} cores, ${host.memoryMb} MB → the room admits ${rows.byFlavors.students} (cores fit ${rows.byFlavors.byCpu}, flavors' RAM fits ${rows.byFlavors.byMemory}); the nodes' real RSS would fit ${rows.byRss}`,
  );
}
