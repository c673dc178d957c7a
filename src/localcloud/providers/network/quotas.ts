// Neutron's quotas: the limits of model/quotas.ts (floating IPs, security groups, rules; the rest
// at Neutron's defaults) and the usage it counts from the shared state, in Neutron's names. The
// check on create is the model's; its refusal is Neutron's OverQuota (409).
//   GET /v2.0/quotas/{project}               → {quota: {network: 100, …}}
//   GET /v2.0/quotas/{project}/details.json  → {quota: {network: {limit, used, reserved}, …}}
//   GET /v2.0/quotas/{project}/default       → the defaults
//   PUT /v2.0/quotas/{project} {quota: {…}}  → the admin sets a project's limits (`quota set`)
//   GET /v2.0/quotas                         → the admin lists every project's
// As Neutron's policy: a project reads its own; the admin role reads and sets any project's.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { isAdmin } from '../../model/identity.ts';
import {
  DEFAULT_QUOTA,
  type QuotaResource as ModelResource,
  quotaOf,
  setQuota,
  usageOf,
} from '../../model/quotas.ts';
import { valueOr } from '../../model/refusals.ts';
import type { CloudState, Quota } from '../../state.ts';
import { badRequest, neutronFault, projectOf } from './common.ts';

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
const notAllowed = (action = 'get_quota') =>
  neutronFault(403, 'PolicyNotAuthorized', `Policy doesn't allow ${action} to be performed.`);

/** Neutron's names of the limits the state keeps ↔ the model's. */
const KEPT: Partial<Record<QuotaResource, ModelResource>> = {
  floatingip: 'floatingip',
  security_group: 'security_group',
  security_group_rule: 'security_group_rule',
};

const limitValue = z
  .union([z.number().int(), z.string().regex(/^-?[0-9]+$/)])
  .transform(Number)
  .pipe(z.number().min(-1));

const UpdateBody = z.object({
  quota: z.strictObject(Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, limitValue.optional()]))),
});

export const quotaRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store } = deps;
  const admin = (request: FastifyRequest) => isAdmin(store.read(), request.auth);
  /** A project's quota is its own members' to read, and the admin's. */
  const mayRead = (request: FastifyRequest, target: string) =>
    target === projectOf(request) || admin(request);

  app.get('/v2.0/quotas', async (request) => {
    // Listing every project's quota is an admin call.
    if (!admin(request)) throw notAllowed();
    const state = store.read();
    return {
      quotas: state.projects.map((p) => ({
        ...neutronLimits(state, p.id),
        project_id: p.id,
        tenant_id: p.id,
      })),
    };
  });

  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project', async (request) => {
    const caller = projectOf(request);
    const target = request.params.project.replace(/\.json$/, '');
    // GET /v2.0/quotas/project (and the deprecated /tenant) names the caller's project.
    if (target === 'project' || target === 'tenant') return { [target]: { [`${target}_id`]: caller } };
    if (!mayRead(request, target)) throw notAllowed();
    return { quota: neutronLimits(store.read(), target) };
  });

  app.put<{ Params: { project: string } }>('/v2.0/quotas/:project', async (request) => {
    if (!admin(request)) throw notAllowed('update_quota');
    const target = request.params.project.replace(/\.json$/, '');
    if (!store.read().projects.some((p) => p.id === target)) {
      throw neutronFault(404, 'ProjectNotFound', `Project ${target} could not be found.`);
    }
    const { quota: changes } = UpdateBody.parse(request.body);
    const limits: Partial<Record<ModelResource, number>> = {};
    for (const [resource, value] of Object.entries(changes) as [QuotaResource, number | undefined][]) {
      if (value === undefined) continue;
      const kept = KEPT[resource];
      if (!kept && value !== FIXED_LIMITS[resource as keyof typeof FIXED_LIMITS]) {
        throw badRequest(
          `This cloud keeps the ${resource} quota at ${FIXED_LIMITS[resource as keyof typeof FIXED_LIMITS]}; only floatingip, security_group and security_group_rule can be set.`,
        );
      }
      if (kept) limits[kept] = value;
    }
    store.update((draft) =>
      valueOr(setQuota(draft, { projectId: target, limits, force: false }), (refusal) =>
        refusal.kind === 'below-usage'
          ? badRequest(
              `Change would make usage less than 0 for the following resources: ${refusal.resource} (the project already uses ${refusal.used}, more than the limit ${refusal.limit}).`,
            )
          : badRequest(`The quota change was refused (${refusal.kind}).`),
      ),
    );
    return { quota: neutronLimits(store.read(), target) };
  });

  app.get<{ Params: { project: string } }>('/v2.0/quotas/:project/default', async (request) => {
    if (!mayRead(request, request.params.project)) throw notAllowed();
    return { quota: limitsOf(DEFAULT_QUOTA) };
  });

  const details = async (request: FastifyRequest<{ Params: { project: string } }>) => {
    const target = request.params.project;
    if (!mayRead(request, target)) throw notAllowed();
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
