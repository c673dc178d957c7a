// A project's quota and what it uses, counted once from the shared state, and the one check every
// create runs. Nova's os-quota-sets and /limits and Neutron's /quotas read these numbers, so the
// two APIs always agree on usage; only setQuota() changes a limit.
import type { CloudState, Quota } from '../state.ts';
import { QUOTA_FIELDS, type QuotaResource } from './quota-resources.ts';
import { done, type Outcome, type Refusal, refuse } from './refusals.ts';

export { QUOTA_FIELDS, type QuotaResource };

/** devstack's defaults, for the seed and for a project without a quota record. */
export const DEFAULT_QUOTA: Quota = {
  instances: 10,
  cores: 20,
  ram: 51200,
  floatingIps: 10,
  securityGroups: 10,
  securityGroupRules: 100,
  keyPairs: 100,
};

/** The project's quota; the defaults for a project without a record. */
export function quotaOf(state: Readonly<CloudState>, projectId: string): Quota {
  return { ...DEFAULT_QUOTA, ...state.quotas[projectId] };
}

export interface Usage extends Quota {
  networks: number;
  /** One subnet per network. */
  subnets: number;
  ports: number;
}

/** What the project uses; key pairs are the user's (Nova counts them per user). */
export function usageOf(state: Readonly<CloudState>, projectId: string, userId?: string): Usage {
  let instances = 0;
  let cores = 0;
  let ram = 0;
  for (const server of state.servers) {
    if (server.projectId !== projectId || server.status === 'DELETED') continue;
    const flavor = state.flavors.find((f) => f.id === server.flavorId);
    instances += 1;
    cores += flavor?.vcpus ?? 0;
    ram += flavor?.ram ?? 0;
  }
  const groups = new Set(state.securityGroups.filter((g) => g.projectId === projectId).map((g) => g.id));
  const networks = state.networks.filter((n) => n.projectId === projectId).length;
  return {
    instances,
    cores,
    ram,
    floatingIps: state.floatingIps.filter((f) => f.projectId === projectId).length,
    securityGroups: groups.size,
    securityGroupRules: state.securityGroupRules.filter((r) => groups.has(r.groupId)).length,
    keyPairs: userId === undefined ? 0 : state.keypairs.filter((k) => k.userId === userId).length,
    networks,
    subnets: networks,
    ports: state.ports.filter((p) => p.projectId === projectId).length,
  };
}

/** Whether `used + delta` stays within `limit` (-1 is unlimited). */
export const fits = (limit: number, used: number, delta: number) => limit < 0 || used + delta <= limit;

/**
 * The quota refusal for adding `deltas` (plus `already`, what the same change adds first, e.g. a
 * `default` group created on the way), naming every resource that would go over; undefined if all fit.
 */
export function quotaRefusal(
  state: Readonly<CloudState>,
  projectId: string,
  deltas: Partial<Record<QuotaResource, number>>,
  already: Partial<Record<QuotaResource, number>> = {},
): Refusal | undefined {
  const quota = quotaOf(state, projectId);
  const usage = usageOf(state, projectId);
  const over = (Object.entries(deltas) as [QuotaResource, number | undefined][])
    .filter(([resource, delta]) => {
      if (delta === undefined || delta <= 0) return false;
      const field = QUOTA_FIELDS[resource];
      return !fits(quota[field], usage[field] + (already[resource] ?? 0), delta);
    })
    .map(([resource]) => resource)
    .sort();
  return over.length > 0 ? { kind: 'quota', resources: over } : undefined;
}

/**
 * Sets the project's limits (OpenStack's names; -1 unlimited). Unless `force`, a limit below what the
 * project uses is refused, the first such resource in the order given.
 */
export function setQuota(
  state: CloudState,
  options: {
    projectId: string;
    userId?: string;
    limits: Partial<Record<QuotaResource, number>>;
    force: boolean;
  },
): Outcome<Quota> {
  const { projectId, limits, force } = options;
  const quota = quotaOf(state, projectId);
  const usage = usageOf(state, projectId, options.userId);
  for (const [resource, limit] of Object.entries(limits) as [QuotaResource, number | undefined][]) {
    if (limit === undefined) continue;
    const field = QUOTA_FIELDS[resource];
    if (!force && limit !== -1 && limit < usage[field]) {
      return refuse({ kind: 'below-usage', resource, limit, used: usage[field] });
    }
    quota[field] = limit;
  }
  state.quotas[projectId] = quota;
  return done(quota);
}
