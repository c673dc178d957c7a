// Security groups, Neutron's view of the records Nova's os-security-groups proxy also serves (the
// OSC and pkgcloud's network client use this one). Neutron's rules, from
// neutron/db/securitygroups_db.py: every project has a `default` group (created on first use) that
// cannot be renamed or deleted, and no other group may take its name; a new group starts with the
// two egress rules (IPv4, IPv6); a group that a server uses cannot be deleted; deleting a group
// deletes its rules and every rule that names it as remote group.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import type { CloudState, SecurityGroup, SecurityGroupRule } from '../../state.ts';
import {
  type AttributeMap,
  listResponse,
  neutronFault,
  neutronTime,
  notAString,
  OWNER_ATTRIBUTES,
  parseResource,
  projectOf,
  type Query,
  securityGroupNotFound,
  showResponse,
  toBoolean,
} from './common.ts';
import { checkQuota } from './quotas.ts';
import { ruleView } from './security-group-rules.ts';

export const DEFAULT_GROUP_NAME = 'default';
export const DEFAULT_GROUP_DESCRIPTION = 'Default security group';

/** The groups a project sees (its own; Neutron's RBAC sharing is not modelled). */
export function visibleGroups(state: Readonly<CloudState>, projectId: string): SecurityGroup[] {
  return state.securityGroups.filter((g) => g.projectId === projectId);
}

export function findGroup(state: Readonly<CloudState>, projectId: string, id: string): SecurityGroup {
  const group = state.securityGroups.find((g) => g.id === id && g.projectId === projectId);
  if (!group) throw securityGroupNotFound(id);
  return group;
}

export function securityGroupView(state: Readonly<CloudState>, group: SecurityGroup) {
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

function newRule(
  groupId: string,
  direction: SecurityGroupRule['direction'],
  ethertype: SecurityGroupRule['ethertype'],
  remoteGroupId: string | null,
): SecurityGroupRule {
  return {
    id: randomUUID(),
    groupId,
    direction,
    ethertype,
    protocol: null,
    portMin: null,
    portMax: null,
    remoteIpPrefix: null,
    remoteGroupId,
  };
}

/**
 * Adds a group with Neutron's starting rules: all egress, plus (for `default`) ingress from the
 * group's own members. For any provider, inside store.update().
 */
export function addSecurityGroup(
  state: CloudState,
  fields: { projectId: string; name: string; description: string; now: Date },
): SecurityGroup {
  const group: SecurityGroup = {
    id: randomUUID(),
    name: fields.name,
    description: fields.description,
    projectId: fields.projectId,
    createdAt: fields.now.toISOString(),
  };
  state.securityGroups.push(group);
  state.securityGroupRules.push(
    newRule(group.id, 'egress', 'IPv4', null),
    newRule(group.id, 'egress', 'IPv6', null),
  );
  if (fields.name === DEFAULT_GROUP_NAME) {
    state.securityGroupRules.push(
      newRule(group.id, 'ingress', 'IPv4', group.id),
      newRule(group.id, 'ingress', 'IPv6', group.id),
    );
  }
  return group;
}

/** Neutron's _ensure_default_security_group: the project's `default` group, created if missing. */
export function ensureDefaultSecurityGroup(state: CloudState, projectId: string, now: Date): SecurityGroup {
  const existing = state.securityGroups.find(
    (g) => g.projectId === projectId && g.name === DEFAULT_GROUP_NAME,
  );
  return (
    existing ??
    addSecurityGroup(state, {
      projectId,
      name: DEFAULT_GROUP_NAME,
      description: DEFAULT_GROUP_DESCRIPTION,
      now,
    })
  );
}

/** Servers (not deleted) that use the group. */
export function groupInUse(state: Readonly<CloudState>, groupId: string): boolean {
  return state.servers.some((s) => s.status !== 'DELETED' && s.securityGroupIds.includes(groupId));
}

/** Removes a group, its rules, and the rules elsewhere that name it as remote group (a cascading foreign key in Neutron). */
export function removeSecurityGroup(state: CloudState, groupId: string): void {
  state.securityGroups = state.securityGroups.filter((g) => g.id !== groupId);
  state.securityGroupRules = state.securityGroupRules.filter(
    (r) => r.groupId !== groupId && r.remoteGroupId !== groupId,
  );
}

const defaultExists = () =>
  neutronFault(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');

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
  if (value.toLowerCase() === DEFAULT_GROUP_NAME) throw defaultExists();
  return value;
}

export const securityGroupRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints, runtime, now } = deps;

  /** Neutron creates the caller's default group on its first look at groups; write only if missing. */
  const ensureDefault = (projectId: string) => {
    const state = store.read();
    if (state.securityGroups.some((g) => g.projectId === projectId && g.name === DEFAULT_GROUP_NAME)) return;
    store.update((draft) => ensureDefaultSecurityGroup(draft, projectId, now()));
    runtime.refreshNetwork();
  };

  app.get<{ Querystring: Query }>('/v2.0/security-groups', async (request) => {
    const caller = projectOf(request);
    ensureDefault(caller);
    const state = store.read();
    return listResponse({
      items: visibleGroups(state, caller).map((g) => securityGroupView(state, g)),
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
      checkQuota(state, caller, { security_group: 1 });
      ensureDefaultSecurityGroup(state, caller, now());
      checkQuota(state, caller, { security_group_rule: 2 });
      const group = addSecurityGroup(state, {
        projectId: caller,
        name,
        description: (body.description as string | undefined) ?? '',
        now: now(),
      });
      return securityGroupView(state, group);
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
    if (
      body.stateful !== undefined &&
      !toBoolean(body.stateful) &&
      groupInUse(store.read(), request.params.id)
    ) {
      throw neutronFault(409, 'SecurityGroupInUse', `Security Group ${request.params.id} in use.`);
    }
    const view = store.update((state) => {
      const group = findGroup(state, caller, request.params.id);
      if (group.name === DEFAULT_GROUP_NAME && name !== undefined) {
        throw neutronFault(
          409,
          'SecurityGroupCannotUpdateDefault',
          'Updating default security group not allowed.',
        );
      }
      if (name !== undefined) group.name = name;
      if (body.description !== undefined) group.description = body.description as string;
      return securityGroupView(state, group);
    });
    runtime.refreshNetwork();
    return { security_group: view };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/security-groups/:id', async (request, reply) => {
    const caller = projectOf(request);
    const { id } = request.params;
    store.update((state) => {
      const group = findGroup(state, caller, id);
      if (groupInUse(state, id)) {
        throw neutronFault(409, 'SecurityGroupInUse', `Security Group ${id} in use.`);
      }
      if (group.name === DEFAULT_GROUP_NAME) {
        throw neutronFault(
          409,
          'SecurityGroupCannotRemoveDefault',
          'Insufficient rights for removing default security group.',
        );
      }
      removeSecurityGroup(state, id);
    });
    runtime.refreshNetwork();
    return reply.code(204).send();
  });
};
