// GET /servers/{id}/diagnostics: what a real client reads of a server's insides, in Nova's 2.1
// shape (the libvirt driver's flat dictionary: cpuN_time in ns, memory/memory-actual/memory-rss in
// KiB) plus the local cloud's own keys (src/shared/diagnostics-keys.ts): the node's load averages
// and what holds it to its flavor's vCPUs and RAM. 404 for a server the project does not have;
// 409 for one not running, as Nova answers for an instance that is not ACTIVE.
import type { FastifyPluginAsync } from 'fastify';
import {
  CPU_LIMIT_KEY,
  HOST_CORES_KEY,
  LOADAVG_KEY,
  MEMORY_LIMIT_KEY,
} from '../../../shared/diagnostics-keys.ts';
import type { NodeDiagnostics, ProviderDeps } from '../../contracts.ts';
import { callerOf, conflict } from './context.ts';
import { findServer } from './servers.ts';
import { vmStateOf } from './views.ts';

/**
 * Nova's dictionary for a running node whose processes the runtime measured. cpuN_time is vCPU time,
 * as a VM's is: the node's vCPUs are `cores` host cores in all, so one vCPU kept busy for a second
 * reports a second, though it used only its fraction of a host core (host CPU time ÷ that fraction).
 */
export function diagnosticsView(ramMib: number, node: NodeDiagnostics): Record<string, unknown> {
  const vcpus = Math.max(1, node.vcpus);
  const vcpuSeconds = node.cores > 0 ? (node.cpuSeconds * vcpus) / node.cores : node.cpuSeconds;
  const cpuNs = Math.round((vcpuSeconds * 1e9) / vcpus);
  const perVcpu = Object.fromEntries(Array.from({ length: vcpus }, (_, i) => [`cpu${i}_time`, cpuNs]));
  return {
    ...perVcpu,
    memory: ramMib * 1024,
    'memory-actual': ramMib * 1024,
    'memory-rss': node.rssKib,
    [LOADAVG_KEY]: [...node.loadAverage],
    [CPU_LIMIT_KEY]: node.mechanism,
    [HOST_CORES_KEY]: Number(node.cores.toFixed(3)),
    ...(node.memoryLimit ? { [MEMORY_LIMIT_KEY]: node.memoryLimit } : {}),
  };
}

/** A node that runs nothing (no userdata): idle, nothing measured. */
const IDLE = (vcpus: number): NodeDiagnostics => ({
  mechanism: 'none',
  vcpus,
  cores: 0,
  loadAverage: [0, 0, 0],
  cpuSeconds: 0,
  rssKib: 0,
});

export const diagnosticsRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  app.get<{ Params: { id: string } }>('/servers/:id/diagnostics', async (request) => {
    const state = deps.store.read();
    const server = findServer(state, callerOf(request), request.params.id);
    if (server.status !== 'ACTIVE') {
      throw conflict(
        `Cannot 'get_diagnostics' instance ${server.id} while it is in vm_state ${vmStateOf(server)}`,
      );
    }
    const flavor = state.flavors.find((f) => f.id === server.flavorId);
    const vcpus = flavor?.vcpus ?? 1;
    const node = deps.runtime.diagnostics?.(server.id) ?? IDLE(vcpus);
    return diagnosticsView(flavor?.ram ?? 0, node);
  });
};
