// /os-quota-sets/{project}: Nova's quota view at 2.1 (flat limits, `/detail` with in_use and
// reserved, `/defaults`) and PUT. As in Nova's policy, the admin role reads and sets any project's
// quota and a member reads its own; a member may also set its own where the project allows it (the
// seed's project, a local-cloud convenience so a lesson can raise the instance limit — never a
// project an administrator made for a student of a shared room). Limits and usage are the model's
// (model/quotas.ts), the same numbers Neutron's /quotas shows.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { isAdmin } from '../../model/identity.ts';
import {
  DEFAULT_QUOTA,
  QUOTA_FIELDS,
  type QuotaResource,
  quotaOf,
  setQuota,
  type Usage,
  usageOf,
} from '../../model/quotas.ts';
import { valueOr } from '../../model/refusals.ts';
import type { CloudState, Quota } from '../../state.ts';
import { badRequest, type Caller, callerOf, forbidden } from './context.ts';
import { FIXED_LIMITS } from './fixed-limits.ts';
import { atLeast } from './microversion.ts';
import { parseBody } from './validation.ts';

/** Nova's resource names ↔ the model's. */
const RESOURCES = {
  instances: 'instances',
  cores: 'cores',
  ram: 'ram',
  key_pairs: 'key_pairs',
  floating_ips: 'floatingip',
  security_groups: 'security_group',
  security_group_rules: 'security_group_rule',
} as const satisfies Record<string, QuotaResource>;

type Resource = keyof typeof RESOURCES;

/** The model's names ↔ Nova's, for the refusals Nova words. */
const NOVA_NAMES = Object.fromEntries(
  Object.entries(RESOURCES).map(([nova, model]) => [model, nova]),
) as Record<QuotaResource, Resource>;

const quotaValue = z
  .union([z.number().int(), z.string().regex(/^-?[0-9]+$/)])
  .transform(Number)
  .pipe(z.number().min(-1));

const UpdateBody = z.strictObject({
  quota_set: z.strictObject({
    force: z.union([z.boolean(), z.string()]).optional(),
    ...Object.fromEntries(Object.keys(RESOURCES).map((k) => [k, quotaValue.optional()])),
    ...Object.fromEntries(Object.keys(FIXED_LIMITS).map((k) => [k, quotaValue.optional()])),
  }),
});

/** The network quotas Nova stops listing at 2.36 (Neutron's to show from then on). */
const NETWORK_QUOTAS = ['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules'];

/** Every quota Nova lists at the request's microversion, in its order. */
function limitsOf(quota: Quota, request: FastifyRequest): Record<string, number> {
  const all = limitsAt21(quota);
  if (!atLeast(request, 36)) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => !NETWORK_QUOTAS.includes(name)));
}

/** Every quota Nova lists at 2.1, in its order. */
function limitsAt21(quota: Quota): Record<string, number> {
  return {
    instances: quota.instances,
    cores: quota.cores,
    ram: quota.ram,
    metadata_items: FIXED_LIMITS.metadata_items,
    injected_files: FIXED_LIMITS.injected_files,
    injected_file_content_bytes: FIXED_LIMITS.injected_file_content_bytes,
    injected_file_path_bytes: FIXED_LIMITS.injected_file_path_bytes,
    key_pairs: quota.keyPairs,
    server_groups: FIXED_LIMITS.server_groups,
    server_group_members: FIXED_LIMITS.server_group_members,
    fixed_ips: FIXED_LIMITS.fixed_ips,
    floating_ips: quota.floatingIps,
    security_groups: quota.securityGroups,
    security_group_rules: quota.securityGroupRules,
  };
}

function inUse(usage: Usage, name: string): number {
  return name in RESOURCES ? usage[QUOTA_FIELDS[RESOURCES[name as Resource]]] : 0;
}

/** The project named in the URL: it must exist (identity.verify_project_id) and the caller may act on it. */
function checkProject(state: Readonly<CloudState>, caller: Caller, projectId: string, action: string): void {
  const project = state.projects.find((p) => p.id === projectId);
  if (!project) {
    throw badRequest(`Project ID ${projectId} is not a valid project.`);
  }
  if (isAdmin(state, caller)) return;
  const own = projectId === caller.projectId;
  const allowed = action === 'update' ? own && project.membersSetQuota === true : own;
  if (!allowed) {
    throw forbidden(`Policy doesn't allow os_compute_api:os-quota-sets:${action} to be performed.`);
  }
}

const ownUser = (caller: Caller, projectId: string) =>
  projectId === caller.projectId ? caller.userId : undefined;

export const quotaRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store }) => {
  app.get<{ Params: { project: string } }>('/os-quota-sets/:project', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    checkProject(state, caller, request.params.project, 'show');
    return {
      quota_set: { id: request.params.project, ...limitsOf(quotaOf(state, request.params.project), request) },
    };
  });

  app.get<{ Params: { project: string } }>('/os-quota-sets/:project/detail', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    checkProject(state, caller, request.params.project, 'detail');
    // Key pairs are counted per user: the caller's own, when the project is theirs.
    const usage = usageOf(state, request.params.project, ownUser(caller, request.params.project));
    const detail: Record<string, unknown> = { id: request.params.project };
    for (const [name, limit] of Object.entries(limitsOf(quotaOf(state, request.params.project), request))) {
      detail[name] = { limit, in_use: inUse(usage, name), reserved: 0 };
    }
    return { quota_set: detail };
  });

  app.get<{ Params: { project: string } }>('/os-quota-sets/:project/defaults', async (request) => {
    callerOf(request);
    return { quota_set: { id: request.params.project, ...limitsOf(DEFAULT_QUOTA, request) } };
  });

  app.put<{ Params: { project: string } }>('/os-quota-sets/:project', async (request) => {
    const caller = callerOf(request);
    const { project } = request.params;
    checkProject(store.read(), caller, project, 'update');
    const { quota_set: changes } = parseBody(UpdateBody, request.body);
    const force = changes.force === true || String(changes.force).toLowerCase() === 'true';
    const limits: Partial<Record<QuotaResource, number>> = {};
    for (const name of Object.keys(RESOURCES) as Resource[]) {
      const value = (changes as Record<string, number | undefined>)[name];
      if (value !== undefined) limits[RESOURCES[name]] = value;
    }
    store.update((draft) =>
      valueOr(
        setQuota(draft, { projectId: project, userId: ownUser(caller, project), limits, force }),
        (refusal) => {
          if (refusal.kind !== 'below-usage')
            return badRequest(`The quota change was refused (${refusal.kind}).`);
          return badRequest(
            `Quota limit ${refusal.limit} for ${NOVA_NAMES[refusal.resource]} must be greater than or equal to already used and reserved ${refusal.used}.`,
          );
        },
      ),
    );
    return { quota_set: limitsOf(quotaOf(store.read(), project), request) };
  });
};
