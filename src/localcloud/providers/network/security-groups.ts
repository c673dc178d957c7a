// Security groups, Neutron's view of the records Nova's os-security-groups proxy also serves (the
// OSC and pkgcloud's network client use this one). A translation over model/security-groups.ts,
// which holds Neutron's rules (the `default` group, starting rules, in-use, quota): this file parses
// the body as Neutron's API layer does, calls the model, and words its refusals as Neutron does.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { type Refusal, valueOr } from '../../model/refusals.ts';
import {
  createSecurityGroup,
  deleteSecurityGroup,
  ensureDefaultGroupStored,
  findGroup as findModelGroup,
  isDefaultGroupName,
  projectGroups,
  updateSecurityGroup,
} from '../../model/security-groups.ts';
import type { CloudState, SecurityGroup } from '../../state.ts';
import {
  type AttributeMap,
  listResponse,
  neutronFault,
  neutronTime,
  notAString,
  OWNER_ATTRIBUTES,
  overQuota,
  parseResource,
  projectOf,
  type Query,
  securityGroupNotFound,
  showResponse,
  toBoolean,
} from './common.ts';
import { ruleView } from './security-group-rules.ts';

function findGroup(state: Readonly<CloudState>, projectId: string, id: string): SecurityGroup {
  const group = findModelGroup(state, projectId, id);
  if (!group) throw securityGroupNotFound(id);
  return group;
}

function securityGroupView(state: Readonly<CloudState>, group: SecurityGroup) {
  const time = neutronTime(group.createdAt);
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    tenant_id: group.projectId,
    project_id: group.projectId,
    stateful: true,
    shared: false,
    security_group_rules: state.securityGroupRules
      .filter((r) => r.groupId === group.id)
      .map((r) => ruleView(state, r)),
    tags: [],
    created_at: time,
    updated_at: time,
    revision_number: 1,
  };
}

const defaultExists = () =>
  neutronFault(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');

/** A model refusal about a group in Neutron's words. */
function groupRefusal(refusal: Refusal): Error {
  switch (refusal.kind) {
    case 'not-found':
      return securityGroupNotFound(refusal.id);
    case 'quota':
      return overQuota(refusal.resources);
    case 'in-use':
      return neutronFault(409, 'SecurityGroupInUse', `Security Group ${refusal.id} in use.`);
    case 'default-group':
      if (refusal.change === 'rename') {
        return neutronFault(
          409,
          'SecurityGroupCannotUpdateDefault',
          'Updating default security group not allowed.',
        );
      }
      if (refusal.change === 'delete') {
        return neutronFault(
          409,
          'SecurityGroupCannotRemoveDefault',
          'Insufficient rights for removing default security group.',
        );
      }
      return defaultExists();
    default:
      return neutronFault(409, 'HTTPConflict', `The security group change was refused (${refusal.kind}).`);
  }
}

const ATTRIBUTES: AttributeMap = {
  id: { post: false, put: false },
  name: { post: true, put: true },
  description: { post: true, put: true },
  stateful: { post: true, put: true },
  ...OWNER_ATTRIBUTES,
  security_group_rules: { post: false, put: false },
  shared: { post: false, put: false },
  tags: { post: false, put: false },
  created_at: { post: false, put: false },
  updated_at: { post: false, put: false },
  revision_number: { post: false, put: false },
};

/** neutron_lib's `type:string` with NAME_FIELD_SIZE / DESCRIPTION_FIELD_SIZE (255). */
const text = z.unknown().superRefine((value, ctx) => {
  if (typeof value !== 'string') ctx.addIssue({ code: 'custom', message: notAString(value) });
  else if (value.length > 255) {
    ctx.addIssue({ code: 'custom', message: `'${value}' exceeds maximum length of 255` });
  }
});

const groupSchema = z.object({
  name: text.optional(),
  description: text.optional(),
  stateful: z.unknown().optional(),
  tenant_id: z.unknown().optional(),
  project_id: z.unknown().optional(),
});

/** The attribute validator `type:name_not_default`, which runs on create and update alike. */
function checkName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  const value = name as string;
  if (isDefaultGroupName(value)) throw defaultExists();
  return value;
}

export const securityGroupRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints, runtime, now } = deps;

  /** Neutron makes the caller's default group on its first look at groups. */
  const ensureDefault = (projectId: string) => {
    if (ensureDefaultGroupStored(store, projectId, now())) runtime.refreshNetwork();
  };

  app.get<{ Querystring: Query }>('/v2.0/security-groups', async (request) => {
    const caller = projectOf(request);
    ensureDefault(caller);
    const state = store.read();
    return listResponse({
      items: projectGroups(state, caller).map((g) => securityGroupView(state, g)),
      query: request.query,
      collection: 'security_groups',
      url: `${endpoints.network}/v2.0/security-groups`,
    });
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/security-groups/:id', async (request) => {
    const caller = projectOf(request);
    ensureDefault(caller);
    const state = store.read();
    const group = findGroup(state, caller, request.params.id);
    return showResponse('security_group', securityGroupView(state, group), request.query);
  });

  app.post('/v2.0/security-groups', async (request, reply) => {
    const caller = projectOf(request);
    const body = parseResource({
      body: request.body,
      resource: 'security_group',
      attributes: ATTRIBUTES,
      schema: groupSchema,
      method: 'POST',
      projectId: caller,
    });
    const name = checkName(body.name) ?? '';
    if (body.stateful !== undefined) toBoolean(body.stateful); // accepted; every group here is stateful
    const view = store.update((state) => {
      const created = createSecurityGroup(state, {
        projectId: caller,
        name,
        description: (body.description as string | undefined) ?? '',
        now: now(),
      });
      return securityGroupView(state, valueOr(created, groupRefusal));
    });
    runtime.refreshNetwork();
    return reply.code(201).send({ security_group: view });
  });

  app.put<{ Params: { id: string } }>('/v2.0/security-groups/:id', async (request) => {
    const caller = projectOf(request);
    const body = parseResource({
      body: request.body,
      resource: 'security_group',
      attributes: ATTRIBUTES,
      schema: groupSchema,
      method: 'PUT',
      projectId: caller,
    });
    const name = checkName(body.name);
    const stateful = body.stateful === undefined ? undefined : toBoolean(body.stateful);
    const view = store.update((state) => {
      const updated = updateSecurityGroup(state, {
        projectId: caller,
        id: request.params.id,
        name,
        description: body.description as string | undefined,
        stateful,
      });
      return securityGroupView(state, valueOr(updated, groupRefusal));
    });
    runtime.refreshNetwork();
    return { security_group: view };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/security-groups/:id', async (request, reply) => {
    const caller = projectOf(request);
    store.update((state) =>
      valueOr(deleteSecurityGroup(state, { projectId: caller, id: request.params.id }), groupRefusal),
    );
    runtime.refreshNetwork();
    return reply.code(204).send();
  });
};
