// Neutron's quotas: limits from the project's quota record (floating IPs, security groups, rules;
// the rest at Neutron's defaults), usage counted from the shared state, and the check that create
// routes run before they change anything (OverQuota, 409, as Neutron's quota engine answers).
//   GET /v2.0/quotas/{project}               → {quota: {network: 100, …}}
//   GET /v2.0/quotas/{project}/details.json  → {quota: {network: {limit, used, reserved}, …}}
//   GET /v2.0/quotas/{project}/default       → the defaults
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import type { CloudState } from '../../state.ts';
import { DEFAULT_QUOTA } from '../../store.ts';
import { neutronFault, overQuota, projectOf } from './common.ts';

export const QUOTA_RESOURCES = [
  'network',
  'subnet',
  'subnetpool',
  'port',
  'router',
  'floatingip',
  'rbac_policy',
  'security_group',
  'security_group_rule',
] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Neutron's defaults for what the state keeps no quota of (neutron/conf/quota.py). */
const FIXED_LIMITS = { network: 100, subnet: 100, subnetpool: -1, port: 500, router: 10, rbac_policy: 10 };

export function neutronLimits(state: Readonly<CloudState>, projectId: string): Record<QuotaResource, number> {
  const quota = { ...DEFAULT_QUOTA, ...state.quotas[projectId] };
  return {
    ...FIXED_LIMITS,
    floatingip: quota.floatingIps,
    security_group: quota.securityGroups,
    security_group_rule: quota.securityGroupRules,
  };
}

function defaultLimits(): Record<QuotaResource, number> {
  return {
    ...FIXED_LIMITS,
    floatingip: DEFAULT_QUOTA.floatingIps,
    security_group: DEFAULT_QUOTA.securityGroups,
    security_group_rule: DEFAULT_QUOTA.securityGroupRules,
  };
}

export function neutronUsage(state: Readonly<CloudState>, projectId: string): Record<QuotaResource, number> {
  const groups = new Set(state.securityGroups.filter((g) => g.projectId === projectId).map((g) => g.id));
  const networks = state.networks.filter((n) => n.projectId === projectId);
  return {
    network: networks.length,
    subnet: networks.length, // one subnet per network
    subnetpool: 0,
    port: state.ports.filter((p) => p.projectId === projectId).length,
    router: 0,
    floatingip: state.floatingIps.filter((f) => f.projectId === projectId).length,
    rbac_policy: 0,
    security_group: groups.size,
    security_group_rule: state.securityGroupRules.filter((r) => groups.has(r.groupId)).length,
  };
}

/** Throws OverQuota naming every resource that `deltas` would take past its limit (-1: unlimited). */
export function checkQuota(
  state: Readonly<CloudState>,
  projectId: string,
  deltas: Partial<Record<QuotaResource, number>>,
): void {
  const limits = neutronLimits(state, projectId);
  const usage = neutronUsage(state, projectId);
  const over = Object.entries(deltas)
    .filter(([resource, delta]) => {
      const limit = limits[resource as QuotaResource];
      return (
        delta !== undefined && delta > 0 && limit >= 0 && usage[resource as QuotaResource] + delta > limit
      );
    })
    .map(([resource]) => resource)
    .sort();
  if (over.length > 0) throw overQuota(over);
}

/** oslo.policy's refusal, as Neutron answers a project reading another project's quota. */
const notAllowed = () =>
  neutronFault(403, 'PolicyNotAuthorized', "Policy doesn't allow get_quota to be performed.");

export const quotaRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store } = deps;

  app.get('/v2.0/quotas', async () => {
    // Listing every project's quota is an admin call.
    throw notAllowed();
  });

  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project', async (request) => {
    const caller = projectOf(request);
    const target = request.params.project.replace(/\.json$/, '');
    // GET /v2.0/quotas/project (and the deprecated /tenant) names the caller's project.
    if (target === 'project' || target === 'tenant') return { [target]: { [`${target}_id`]: caller } };
    if (target !== caller) throw notAllowed();
    return { quota: neutronLimits(store.read(), target) };
  });

  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project/default', async (request) => {
    if (request.params.project !== projectOf(request)) throw notAllowed();
    return { quota: defaultLimits() };
  });

  const details = async (request: { params: { project: string }; auth: { projectId: string } }) => {
    const target = request.params.project;
    if (target !== request.auth.projectId) throw notAllowed();
    const state = store.read();
    const limits = neutronLimits(state, target);
    const usage = neutronUsage(state, target);
    const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const resource of QUOTA_RESOURCES) {
      quota[resource] = { limit: limits[resource], used: usage[resource], reserved: 0 };
    }
    return { quota };
  };
  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project/details.json', details);
  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project/details', details);
};
