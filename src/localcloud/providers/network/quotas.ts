// Neutron's quotas: the limits of model/quotas.ts (floating IPs, security groups, rules; the rest
// at Neutron's defaults) and the usage it counts from the shared state, in Neutron's names. The
// check on create is the model's; its refusal is Neutron's OverQuota (409).
//   GET /v2.0/quotas/{project}               → {quota: {network: 100, …}}
//   GET /v2.0/quotas/{project}/details.json  → {quota: {network: {limit, used, reserved}, …}}
//   GET /v2.0/quotas/{project}/default       → the defaults
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { DEFAULT_QUOTA, quotaOf, usageOf } from '../../model/quotas.ts';
import type { CloudState, Quota } from '../../state.ts';
import { neutronFault, projectOf } from './common.ts';

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

function limitsOf(quota: Quota): Record<QuotaResource, number> {
  return {
    ...FIXED_LIMITS,
    floatingip: quota.floatingIps,
    security_group: quota.securityGroups,
    security_group_rule: quota.securityGroupRules,
  };
}

function neutronLimits(state: Readonly<CloudState>, projectId: string): Record<QuotaResource, number> {
  return limitsOf(quotaOf(state, projectId));
}

function neutronUsage(state: Readonly<CloudState>, projectId: string): Record<QuotaResource, number> {
  const usage = usageOf(state, projectId);
  return {
    network: usage.networks,
    subnet: usage.subnets,
    subnetpool: 0,
    port: usage.ports,
    router: 0,
    floatingip: usage.floatingIps,
    rbac_policy: 0,
    security_group: usage.securityGroups,
    security_group_rule: usage.securityGroupRules,
  };
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
    return { quota: limitsOf(DEFAULT_QUOTA) };
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
