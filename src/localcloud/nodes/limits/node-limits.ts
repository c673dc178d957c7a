// The cloud's CPU limits: which mechanism holds nodes to their vCPUs (a cgroup quota where this
// process may create one, else a duty cycle; FAAFO_CLOUD_CPU_LIMIT forces one), how big a vCPU is,
// and per running node its limit plus its load average, sampled every 5 s and written to
// <node dir>/loadavg in /proc/loadavg's format (what `uptime` on the node prints).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  formatProcLoadavg,
  IDLE,
  LOAD_FREQ_MS,
  type LoadAverage,
  loadValues,
  sample as sampleLoad,
} from '../../../shared/loadavg.ts';
import { UserError } from '../../../shared/user-error.ts';
import type { NodeDiagnostics } from '../../contracts.ts';
import { cgroupMechanism, reapCloudGroups } from './cgroup.ts';
import { runnableDemand } from './demand.ts';
import { dutyCycleMechanism } from './duty-cycle.ts';
import { choiceFromEnv } from './env-choice.ts';
import { type CpuCounters, type CpuMechanism, NO_LIMIT } from './mechanism.ts';
import { processTree, runQueueWaitSeconds } from './proc.ts';
import type { VcpuChoice } from './vcpu-fraction.ts';

export const CPU_LIMIT_ENV = 'FAAFO_CLOUD_CPU_LIMIT';
export const CpuLimitChoice = z.enum(['auto', 'cgroup', 'duty-cycle', 'none']);
export type CpuLimitChoice = z.infer<typeof CpuLimitChoice>;

/** The node's load average in /proc/loadavg's format: `uptime` on the node and `cloud status` read it. */
export const loadAverageFile = (nodeDir: string) => join(nodeDir, 'loadavg');

export function cpuLimitChoiceFrom(env: NodeJS.ProcessEnv): CpuLimitChoice {
  return choiceFromEnv(env, CPU_LIMIT_ENV, CpuLimitChoice.options, 'auto');
}

export interface NodeLimit {
  /** A process the node just started: under the limit from now on. */
  attach(pid: number): void;
  view(): NodeDiagnostics;
  /** Stop holding the processes back (before they are signalled to end). */
  lift(): void;
  /** After they ended: no sampling, no group, no loadavg file. */
  remove(): void;
}

export interface CpuLimits {
  readonly mechanism: CpuMechanism;
  readonly vcpu: VcpuChoice;
  startNode(id: string, nodeDir: string, vcpus: number): NodeLimit;
  close(): void;
}

export interface CpuLimitsOptions {
  dataDir: string;
  vcpu: VcpuChoice;
  choice?: CpuLimitChoice;
  /** How often the load is sampled; the kernel's 5 s unless a test compresses time. */
  sampleMs?: number;
  log?: (line: string) => void;
}

function chooseMechanism(choice: CpuLimitChoice, dataDir: string): CpuMechanism {
  if (choice === 'none') return NO_LIMIT;
  if (choice === 'duty-cycle') return dutyCycleMechanism();
  const cgroup = cgroupMechanism(dataDir);
  if (cgroup) return cgroup;
  if (choice === 'cgroup') {
    throw new UserError(
      `no cgroup with a CPU controller can be created here (${CPU_LIMIT_ENV}=cgroup); run as root on a host with cgroup v1 cpu, or with a delegated cgroup v2, or unset ${CPU_LIMIT_ENV}.`,
    );
  }
  return dutyCycleMechanism();
}

export function createCpuLimits(options: CpuLimitsOptions): CpuLimits {
  const log = options.log ?? (() => {});
  const sampleMs = options.sampleMs ?? LOAD_FREQ_MS;
  // What a killed cloud of this data dir left: its groups, and anything still running in them.
  const killed = reapCloudGroups(options.dataDir);
  if (killed.length > 0)
    log(`CPU limits: ended ${killed.length} process(es) left in an earlier run's cgroups`);
  const mechanism = chooseMechanism(options.choice ?? 'auto', options.dataDir);
  const { vcpu } = options;
  log(
    `CPU limits: one vCPU is ${vcpu.fraction.toFixed(2)} of a host core (${vcpu.reason}); ${mechanism.description}`,
  );

  return {
    mechanism,
    vcpu,
    startNode(id, nodeDir, vcpus) {
      const cores = vcpus * vcpu.fraction;
      const limit = mechanism.forNode(id, cores);
      const leaders = new Set<number>();
      const file = loadAverageFile(nodeDir);
      let loads: LoadAverage = IDLE;
      const cpuNow = (): CpuCounters => {
        if (mechanism.kind !== 'none') return limit.counters();
        const seconds = processTree([...leaders]).reduce((sum, p) => sum + p.cpuSeconds, 0);
        return { cpuSeconds: seconds, throttledSeconds: 0 };
      };
      /** Run-queue wait last seen per process, so processes that come and go do not skew it. */
      const waits = new Map<number, number>();
      const waitedSince = (): number => {
        let waited = 0;
        const seen = new Set<number>();
        for (const proc of processTree([...leaders])) {
          const now = runQueueWaitSeconds(proc.pid);
          waited += Math.max(0, now - (waits.get(proc.pid) ?? now));
          waits.set(proc.pid, now);
          seen.add(proc.pid);
        }
        for (const pid of waits.keys()) if (!seen.has(pid)) waits.delete(pid);
        return waited;
      };
      let last = { at: performance.now(), ...cpuNow() };
      const write = () => {
        const tree = processTree([...leaders]);
        writeFileSync(
          file,
          `${formatProcLoadavg(loads, {
            running: tree.filter((p) => p.state === 'R').length,
            total: tree.length,
            lastPid: Math.max(0, ...tree.map((p) => p.pid)),
          })}\n`,
        );
      };
      const sample = () => {
        const now = { at: performance.now(), ...cpuNow() };
        const demand = runnableDemand(
          {
            intervalSeconds: (now.at - last.at) / 1000,
            cpuSeconds: now.cpuSeconds - last.cpuSeconds,
            throttledSeconds: now.throttledSeconds - last.throttledSeconds,
            waitingSeconds: waitedSince(),
          },
          vcpus,
          vcpu.fraction,
        );
        last = now;
        loads = sampleLoad(loads, demand);
        try {
          write();
        } catch {
          // The node's directory went away (destroyed): the next remove() stops the sampling.
        }
      };
      write();
      const timer = setInterval(sample, sampleMs);
      timer.unref();
      let removed = false;
      return {
        attach(pid) {
          leaders.add(pid);
          limit.attach(pid);
          waitedSince(); // its wait so far is not this interval's
        },
        view() {
          const tree = processTree([...leaders]);
          return {
            mechanism: mechanism.kind,
            vcpus,
            cores,
            loadAverage: loadValues(loads),
            cpuSeconds: cpuNow().cpuSeconds,
            rssKib: tree.reduce((sum, p) => sum + p.rssKib, 0),
          };
        },
        lift: () => limit.lift(),
        remove() {
          if (removed) return;
          removed = true;
          clearInterval(timer);
          limit.lift();
          try {
            limit.remove();
          } catch (error) {
            log(`node ${id}: its CPU limit could not be removed (${String(error)}); the next start retries`);
          }
          rmSync(file, { force: true });
        },
      };
    },
    close() {
      mechanism.close();
    },
  };
}
