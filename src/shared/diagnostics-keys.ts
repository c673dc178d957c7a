// The local cloud's own keys in Nova's server diagnostics (GET /servers/{id}/diagnostics), beside
// the libvirt driver's flat fields. Linux's load average and what holds a node to its vCPUs and its
// RAM are no Nova fields, so they carry a `local-cloud:` prefix nobody mistakes for Nova's. The cloud writes
// them (src/localcloud/providers/compute/diagnostics.ts) and the lab's node meter reads them.

/** The node's [1-minute, 5-minute, 15-minute] load averages, numbers as /proc/loadavg shows them. */
export const LOADAVG_KEY = 'local-cloud:loadavg';
/** What holds the node to its vCPUs: `cgroup-v2`, `cgroup-v1`, `duty-cycle` or `none`. */
export const CPU_LIMIT_KEY = 'local-cloud:cpu-limit';
/** How many host cores the node's vCPUs come to (vCPUs × the vCPU fraction). */
export const HOST_CORES_KEY = 'local-cloud:host-cores';
/** What holds the node to its flavor's RAM: `cgroup-v2`, `cgroup-v1`, `watch` or `none`. */
export const MEMORY_LIMIT_KEY = 'local-cloud:memory-limit';
