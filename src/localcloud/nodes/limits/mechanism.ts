// The seam between a node and whatever holds it to its vCPUs: a cgroup CPU quota (cgroup.ts) when
// this process may create one, else a SIGSTOP/SIGCONT duty cycle (duty-cycle.ts). Each reports the
// same two counters, from which demand.ts derives the node's runnable demand for its load average.

export type MechanismKind = 'cgroup-v2' | 'cgroup-v1' | 'duty-cycle' | 'none';

/** Cumulative since the node's limit was created. */
export interface CpuCounters {
  /** CPU time its processes used, seconds. */
  cpuSeconds: number;
  /** Time its tasks were held back by the limit, seconds (summed over tasks/CPUs). */
  throttledSeconds: number;
}

export interface NodeCpuLimit {
  /** Puts a started process, and everything it has spawned or will spawn, under the limit. */
  attach(pid: number): void;
  counters(): CpuCounters;
  /** Stops holding the processes back (resumes any we stopped), so they can be signalled and end. */
  lift(): void;
  /** Once its processes are gone: removes what the limit created (its cgroup). */
  remove(): void;
}

export interface CpuMechanism {
  readonly kind: MechanismKind;
  /** One line for the log and `cloud status`, e.g. "cgroup v1 CPU quota (cpu.cfs_quota_us)". */
  readonly description: string;
  /** A limit of `cores` host cores (vCPUs × the vCPU fraction) for the node `id`. */
  forNode(id: string, cores: number): NodeCpuLimit;
  /** Removes the cloud's own parent cgroup (nodes removed first). */
  close(): void;
}

/** No limit at all (tests of other parts; `FAAFO_CLOUD_CPU_LIMIT=none`): counters stay zero. */
export const NO_LIMIT: CpuMechanism = {
  kind: 'none',
  description: 'no CPU limit (nodes share the host cores freely)',
  forNode: () => ({
    attach() {},
    counters: () => ({ cpuSeconds: 0, throttledSeconds: 0 }),
    lift() {},
    remove() {},
  }),
  close() {},
};
