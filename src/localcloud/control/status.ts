// `faafo-tutor cloud status`: whether the data dir's cloud runs, its endpoints and configured
// engines, and a table of its nodes (addresses, live processes, faults). Where a node serves the
// guide's web port, the whole working URL is printed too: the guide says http://IP_API_1/, but on
// this host the API answers on the port the node published (80 needs root, so 8080 or above).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPortMap } from '../../shared/port-map.ts';
import { isAlive } from '../../shared/process-alive.ts';
import { loadAverageFile } from '../nodes/limits/node-limits.ts';
import type { Server } from '../state.ts';
import { backendLines, readBackends, shownBackends } from './backends.ts';
import type { CloudIo } from './io.ts';
import { type CloudPaths, cloudPaths } from './paths.ts';
import { type RunInfo, readState, runningCloud } from './run-info.ts';
import { DATA_DIR, userDirExists } from './user-dir.ts';

/** The port the guide's web pages (the faafo API and gallery) are on. */
const GUIDE_WEB_PORT = 80;

export interface NodeStatus {
  id: string;
  name: string;
  /** The project it belongs to (on a room's cloud, two students' nodes may share a name). */
  project: string;
  status: string;
  fixedIp: string;
  publicIp: string;
  floatingIps: string[];
  processes: number;
  /** Its 1, 5 and 15-minute load averages as `uptime` on it prints them (none when not running). */
  load?: string;
  /** Where a browser on this host opens the node's web pages (none when it serves none, or is not up). */
  urls: string[];
  fault?: string;
}

/** The node's load averages from <node dir>/loadavg, written while it runs (nodes/limits). */
function nodeLoad(paths: CloudPaths, serverId: string): string | undefined {
  try {
    return readFileSync(loadAverageFile(join(paths.nodes, serverId)), 'utf8')
      .split(' ')
      .slice(0, 3)
      .join(' ');
  } catch {
    return undefined;
  }
}

/** "CPU: one vCPU is 0.33 of a host core (…); nodes are held to theirs by …" */
export function cpuLine(cpu: RunInfo['cpu']): string | undefined {
  if (!cpu) return undefined;
  return `CPU: one vCPU is ${cpu.vcpuFraction.toFixed(2)} of a host core (${cpu.reason}); nodes are held to their vCPUs by ${cpu.description}.`;
}

/** "Memory: nodes are held to their flavor's RAM by …" */
export function memoryLine(memory: RunInfo['memory']): string | undefined {
  if (!memory) return undefined;
  return `Memory: nodes are held to their flavor's RAM by ${memory.description}; a node over it has a process killed and restarted, as a VM's OOM killer and systemd would.`;
}

function liveProcesses(paths: CloudPaths, serverId: string): number {
  const runDir = join(paths.nodes, serverId, 'run');
  if (!existsSync(runDir)) return 0;
  let count = 0;
  for (const name of readdirSync(runDir)) {
    if (!name.endsWith('.pid')) continue;
    const pid = Number.parseInt(readFileSync(join(runDir, name), 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 1 && isAlive(pid)) count++;
  }
  return count;
}

/**
 * The URLs of a node's web pages: at each floating IP (what the guide opens), else at its public
 * address, on the port the node published for the guide's port 80. Only a running node has them.
 */
export function webUrls(
  server: Pick<Server, 'status' | 'metadata' | 'loopbackIp'>,
  floatingIps: string[],
): string[] {
  if (server.status !== 'ACTIVE') return [];
  const port = readPortMap(server.metadata).get(GUIDE_WEB_PORT);
  if (port === undefined) return [];
  const addresses = floatingIps.length > 0 ? floatingIps : [server.loopbackIp];
  return addresses.map((address) => `http://${address}${port === 80 ? '' : `:${port}`}/`);
}

/** Every node of the data dir's cloud; URLs only when the cloud runs (else nothing answers). */
export function nodeStatuses(paths: CloudPaths, running = true): NodeStatus[] {
  const state = readState(paths);
  if (!state) return [];
  return state.servers.map((server) => {
    const floatingIps = state.floatingIps.filter((f) => f.serverId === server.id).map((f) => f.address);
    return {
      id: server.id,
      name: server.name,
      project: (state.projects ?? []).find((p) => p.id === server.projectId)?.name ?? server.projectId ?? '',
      status: server.status,
      fixedIp: server.fixedIp,
      publicIp: server.loopbackIp,
      floatingIps,
      processes: liveProcesses(paths, server.id),
      ...(running && server.status === 'ACTIVE' ? optionalLoad(nodeLoad(paths, server.id)) : {}),
      urls: running ? webUrls(server, floatingIps) : [],
      ...(server.fault ? { fault: server.fault.message } : {}),
    };
  });
}

const optionalLoad = (load: string | undefined) => (load ? { load } : {});

/** "Web pages:" and a line per URL of each node that has some (none → no lines). */
export function webAddressLines(nodes: NodeStatus[]): string[] {
  const withUrls = nodes.filter((n) => n.urls.length > 0);
  if (withUrls.length === 0) return [];
  const width = Math.max(...withUrls.map((n) => n.name.length));
  return [
    "Web pages (the guide's http://<IP>/ on this host; open them in a browser or with curl):",
    ...withUrls.flatMap((n) => n.urls.map((url) => `  ${n.name.padEnd(width)}  ${url}`)),
  ];
}

export function cloudStatus(options: { dataDir: string; json?: boolean }, io: CloudIo): void {
  const paths = cloudPaths(options.dataDir);
  userDirExists(paths.dataDir, DATA_DIR);
  const run = runningCloud(paths);
  const nodes = nodeStatuses(paths, Boolean(run));
  const backends = readBackends(paths);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ running: Boolean(run), pid: run?.pid ?? null, dataDir: paths.dataDir, endpoints: run?.endpoints ?? null, backends: shownBackends(backends), cpu: run?.cpu ?? null, memory: run?.memory ?? null, nodes }, null, 2)}\n`,
    );
    return;
  }
  const lines: string[] = [];
  if (run) {
    lines.push(`The local cloud is running (pid ${run.pid}, slot ${run.slot}), data in ${paths.dataDir}.`);
    for (const s of ['identity', 'compute', 'network', 'image'] as const)
      lines.push(`  ${s.padEnd(9)} ${run.endpoints[s]}`);
    for (const line of backendLines(backends)) lines.push(`  ${line}`);
    const cpu = cpuLine(run.cpu);
    if (cpu) lines.push(`  ${cpu}`);
    const memory = memoryLine(run.memory);
    if (memory) lines.push(`  ${memory}`);
  } else {
    lines.push(
      `The local cloud is not running (data in ${paths.dataDir}). Start it with 'faafo-tutor cloud up'.`,
    );
  }
  if (nodes.length === 0) {
    lines.push('', 'No nodes.');
  } else {
    // Nodes of several projects (a room's students) are told apart by their project.
    const manyProjects = new Set(nodes.map((n) => n.project)).size > 1;
    const rows = [
      ['NAME', 'STATUS', 'PRIVATE', 'PUBLIC', 'FLOATING', 'PROCESSES', 'LOAD AVERAGE'],
      ...nodes.map((n) => [
        manyProjects ? `${n.project}/${n.name}` : n.name,
        n.status,
        n.fixedIp,
        n.publicIp,
        n.floatingIps.join(',') || '-',
        String(n.processes),
        n.load ?? '-',
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    lines.push(
      '',
      ...rows.map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      ),
    );
    for (const n of nodes) if (n.fault) lines.push(`  ${n.name}: ${n.fault}`);
    const web = webAddressLines(nodes);
    if (web.length > 0) lines.push('', ...web);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}
