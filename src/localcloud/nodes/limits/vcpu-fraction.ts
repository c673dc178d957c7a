// How big one vCPU of a local-cloud node is: a fraction of a host core. The default fits the
// guide's scaled-out topology (app-services, two API nodes, three workers: six 1-vCPU nodes) onto
// the host's cores, so every node can be busy at once and still get its whole vCPU — on a 2-core
// host a vCPU is a third of a core. Never more than a whole core: a vCPU is not faster than the host.
import { availableParallelism } from 'node:os';
import { UserError } from '../../../shared/user-error.ts';

/** Nodes in the guide's scaled-out topology, each one vCPU (m1.small). */
export const SCALED_OUT_VCPUS = 6;

export const VCPU_FRACTION_ENV = 'FAAFO_CLOUD_VCPU_FRACTION';

export interface VcpuChoice {
  fraction: number;
  /** Why this fraction, for `cloud status` and the log. */
  reason: string;
}

export function defaultVcpuFraction(cores = availableParallelism()): VcpuChoice {
  const fraction = Math.min(1, cores / SCALED_OUT_VCPUS);
  return {
    fraction,
    reason:
      fraction === 1
        ? `${cores} host cores hold the scaled-out topology's ${SCALED_OUT_VCPUS} vCPUs at a whole core each`
        : `${cores} host core${cores === 1 ? '' : 's'} ÷ the scaled-out topology's ${SCALED_OUT_VCPUS} vCPUs`,
  };
}

/** A fraction given on the command line or in the environment: a number above 0, at most 1. */
export function parseVcpuFraction(text: string, from: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new UserError(
      `${from} must be a number above 0 and at most 1 (the share of a host core one vCPU gets), not '${text}'.`,
    );
  }
  return value;
}

/** The option if given, else the environment's, else the default for this host. */
export function chooseVcpuFraction(given: number | undefined, env: NodeJS.ProcessEnv): VcpuChoice {
  if (given !== undefined) return { fraction: given, reason: 'set by --vcpu-fraction' };
  const fromEnv = env[VCPU_FRACTION_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return {
      fraction: parseVcpuFraction(fromEnv, `$${VCPU_FRACTION_ENV}`),
      reason: `set by $${VCPU_FRACTION_ENV}`,
    };
  }
  return defaultVcpuFraction();
}
