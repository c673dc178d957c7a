// The cloud's memory limits: which mechanism holds nodes to their flavor's RAM (a cgroup memory
// limit where this process may create one, else watched RSS; FAAFO_CLOUD_MEMORY_LIMIT forces one,
// as FAAFO_CLOUD_CPU_LIMIT does for the CPU), chosen once per cloud after reaping the memory
// groups a killed earlier run of the same data dir left.
import { z } from 'zod';
import { UserError } from '../../../shared/user-error.ts';
import { choiceFromEnv } from './env-choice.ts';
import { memoryCgroupMechanism, reapMemoryGroups } from './memory-cgroup.ts';
import { type MemoryMechanism, NO_MEMORY_LIMIT } from './memory-mechanism.ts';
import { type WatchOptions, watchMechanism } from './memory-watch.ts';

export const MEMORY_LIMIT_ENV = 'FAAFO_CLOUD_MEMORY_LIMIT';
export const MemoryLimitChoice = z.enum(['auto', 'cgroup', 'watch', 'none']);
export type MemoryLimitChoice = z.infer<typeof MemoryLimitChoice>;

export function memoryLimitChoiceFrom(env: NodeJS.ProcessEnv): MemoryLimitChoice {
  return choiceFromEnv(env, MEMORY_LIMIT_ENV, MemoryLimitChoice.options, 'auto');
}

export interface MemoryLimitsOptions {
  dataDir: string;
  choice?: MemoryLimitChoice;
  /** The watcher's sampling period (tests may shorten it). */
  watch?: WatchOptions;
  log?: (line: string) => void;
}

function chooseMechanism(options: MemoryLimitsOptions): MemoryMechanism {
  const choice = options.choice ?? 'auto';
  if (choice === 'none') return NO_MEMORY_LIMIT;
  if (choice === 'watch') return watchMechanism(options.watch);
  const cgroup = memoryCgroupMechanism(options.dataDir);
  if (cgroup) return cgroup;
  if (choice === 'cgroup') {
    throw new UserError(
      `no cgroup with a memory controller can be created here (${MEMORY_LIMIT_ENV}=cgroup); run as root on a host with cgroup v1 memory, or with a delegated cgroup v2, or unset ${MEMORY_LIMIT_ENV}.`,
    );
  }
  return watchMechanism(options.watch);
}

/** The mechanism for this cloud's nodes, logged once. Close it after the nodes' limits are removed. */
export function createMemoryLimits(options: MemoryLimitsOptions): MemoryMechanism {
  const log = options.log ?? (() => {});
  const killed = reapMemoryGroups(options.dataDir);
  if (killed.length > 0) {
    log(`memory limits: ended ${killed.length} process(es) left in an earlier run's memory cgroups`);
  }
  const mechanism = chooseMechanism(options);
  log(`memory limits: nodes are held to their flavor's RAM by ${mechanism.description}`);
  return mechanism;
}
