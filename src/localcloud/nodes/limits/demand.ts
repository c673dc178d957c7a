// A node's runnable demand over one sampling interval, in tasks (what the kernel's load counts:
// running plus waiting for a CPU), from what either CPU-limit mechanism can measure: the CPU time
// its processes used and the time they wanted to run but were held back (cgroup throttling, summed
// per CPU as the kernel does; or our SIGSTOPs times the tasks that were running when stopped),
// plus the time they waited on the host's run queues (other programs on the host: in a VM that is
// steal time, during which the guest's tasks still count as runnable).
//
// Two views, and the larger one wins:
// - work in vCPUs: CPU time ÷ (interval × vCPU fraction). A task using 60 % of its vCPU is 0.6 of a
//   task runnable, although it is never throttled (its vCPU is a fraction of a host core).
// - tasks present: (CPU time + the larger of throttled time and run-queue wait) ÷ interval. The
//   larger, not the sum: a task of a throttled cgroup may stay queued (kernels differ), so its
//   throttled time can be in its run-queue wait already. One task that always wants to run is 1,
//   two are 2, though together they get no more than the quota.
// One busy single-threaded worker on a 1-vCPU node reads ≈ 1 by both; an idle node reads ≈ 0.

export interface DemandSample {
  /** Wall-clock length of the interval, seconds. */
  intervalSeconds: number;
  /** CPU time the node's processes used in it, seconds (all cores together). */
  cpuSeconds: number;
  /** Time its tasks spent held back by the limit, seconds, summed over tasks (or CPUs). */
  throttledSeconds: number;
  /** Time its tasks waited on a host run queue, seconds, summed over tasks (0 if unknown). */
  waitingSeconds?: number;
}

export function runnableDemand(sample: DemandSample, vcpus: number, vcpuFraction: number): number {
  const { intervalSeconds, cpuSeconds, throttledSeconds, waitingSeconds = 0 } = sample;
  if (!(intervalSeconds > 0)) return 0;
  const work = Math.min(vcpus, cpuSeconds / (intervalSeconds * vcpuFraction));
  const present = (cpuSeconds + Math.max(throttledSeconds, waitingSeconds)) / intervalSeconds;
  return Math.max(0, work, present);
}
