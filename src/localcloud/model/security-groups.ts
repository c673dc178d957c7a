// Security groups: the one place groups are created, renamed and deleted, for the seed, Nova's
// os-security-groups proxy, Nova's server create and Neutron's routes. Neutron's rules
// (neutron/db/securitygroups_db.py): every project has a `default` group, made on first use, with
// all egress and ingress from its own members; no other group may be named `default` and it cannot
// be renamed or deleted; a new group starts with the two egress rules; a group a server uses cannot
// be deleted; deleting a group deletes its rules and every rule naming it as remote group.
import { randomUUID } from 'node:crypto';
import type { CloudStore } from '../contracts.ts';
import type { CloudState, SecurityGroup, SecurityGroupRule } from '../state.ts';
import { quotaRefusal } from './quotas.ts';
import { done, type Outcome, refuse } from './refusals.ts';

export const DEFAULT_GROUP_NAME = 'default';
export const DEFAULT_GROUP_DESCRIPTION = 'Default security group';

/** Neutron's `name_not_default` validator compares without case. */
export const isDefaultGroupName = (name: string) => name.toLowerCase() === DEFAULT_GROUP_NAME;

/** The groups a project sees (its own; Neutron's RBAC sharing is not modelled). */
export function projectGroups(state: Readonly<CloudState>, projectId: string): SecurityGroup[] {
  return state.securityGroups.filter((g) => g.projectId === projectId);
}

export function findGroup(
  state: Readonly<CloudState>,
  projectId: string,
  id: string,
): SecurityGroup | undefined {
  return state.securityGroups.find((g) => g.id === id && g.projectId === projectId);
}

export function defaultGroupOf(state: Readonly<CloudState>, projectId: string): SecurityGroup | undefined {
  return state.securityGroups.find((g) => g.projectId === projectId && g.name === DEFAULT_GROUP_NAME);
}

/** Whether a server (not deleted) uses the group. */
export function groupInUse(state: Readonly<CloudState>, groupId: string): boolean {
  return state.servers.some((s) => s.status !== 'DELETED' && s.securityGroupIds.includes(groupId));
}

function openRule(
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

/** How many rules insertGroup() starts a group with: a new group, and `default`. */
const NEW_GROUP_RULES = 2;
const DEFAULT_GROUP_RULES = 4;

/** The record and its starting rules: all egress, plus (for `default`) ingress from its own members. */
function insertGroup(
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
    openRule(group.id, 'egress', 'IPv4', null),
    openRule(group.id, 'egress', 'IPv6', null),
  );
  if (fields.name === DEFAULT_GROUP_NAME) {
    state.securityGroupRules.push(
      openRule(group.id, 'ingress', 'IPv4', group.id),
      openRule(group.id, 'ingress', 'IPv6', group.id),
    );
  }
  return group;
}

/** Neutron's _ensure_default_security_group: the project's `default` group, made if missing. */
export function ensureDefaultGroup(state: CloudState, projectId: string, now: Date): SecurityGroup {
  return (
    defaultGroupOf(state, projectId) ??
    insertGroup(state, { projectId, name: DEFAULT_GROUP_NAME, description: DEFAULT_GROUP_DESCRIPTION, now })
  );
}

/**
 * ensureDefaultGroup() for an API's first look at a project, written only when the group is missing
 * (a look must not rewrite the state file). True when it made the group (the forwarders re-plan).
 */
export function ensureDefaultGroupStored(store: CloudStore, projectId: string, now: Date): boolean {
  if (defaultGroupOf(store.read(), projectId)) return false;
  store.update((draft) => ensureDefaultGroup(draft, projectId, now));
  return true;
}

/**
 * A new group with its two egress rules; the project's `default` is made first if missing (as
 * Neutron does on any group call). Refused: the name `default`, or the group or its rules over quota.
 */
export function createSecurityGroup(
  state: CloudState,
  fields: { projectId: string; name: string; description: string; now: Date },
): Outcome<SecurityGroup> {
  const { projectId } = fields;
  if (isDefaultGroupName(fields.name)) return refuse({ kind: 'default-group', change: 'take-name' });
  const groupQuota = quotaRefusal(state, projectId, { security_group: 1 });
  if (groupQuota) return refuse(groupQuota);
  // The default group's rules, if it is made on the way, count before the new group's.
  const defaultRules = defaultGroupOf(state, projectId) ? 0 : DEFAULT_GROUP_RULES;
  const ruleQuota = quotaRefusal(
    state,
    projectId,
    { security_group_rule: NEW_GROUP_RULES },
    { security_group_rule: defaultRules },
  );
  if (ruleQuota) return refuse(ruleQuota);
  ensureDefaultGroup(state, projectId, fields.now);
  return done(insertGroup(state, fields));
}

/**
 * Renames or re-describes a group. Refused: the name `default`; turning a group in use stateless;
 * an unknown group; renaming `default`.
 */
export function updateSecurityGroup(
  state: CloudState,
  change: { projectId: string; id: string; name?: string; description?: string; stateful?: boolean },
): Outcome<SecurityGroup> {
  const { projectId, id, name, description } = change;
  if (name !== undefined && isDefaultGroupName(name))
    return refuse({ kind: 'default-group', change: 'take-name' });
  if (change.stateful === false && groupInUse(state, id)) {
    return refuse({ kind: 'in-use', resource: 'security_group', id });
  }
  const group = findGroup(state, projectId, id);
  if (!group) return refuse({ kind: 'not-found', resource: 'security_group', id });
  if (group.name === DEFAULT_GROUP_NAME && name !== undefined) {
    return refuse({ kind: 'default-group', change: 'rename' });
  }
  if (name !== undefined) group.name = name;
  if (description !== undefined) group.description = description;
  return done(group);
}

/** Deletes a group, its rules and the rules naming it as remote group. Refused: unknown, in use, `default`. */
export function deleteSecurityGroup(
  state: CloudState,
  target: { projectId: string; id: string },
): Outcome<void> {
  const { projectId, id } = target;
  const group = findGroup(state, projectId, id);
  if (!group) return refuse({ kind: 'not-found', resource: 'security_group', id });
  if (groupInUse(state, id)) return refuse({ kind: 'in-use', resource: 'security_group', id });
  if (group.name === DEFAULT_GROUP_NAME) return refuse({ kind: 'default-group', change: 'delete' });
  state.securityGroups = state.securityGroups.filter((g) => g.id !== id);
  // Neutron's cascading foreign keys.
  state.securityGroupRules = state.securityGroupRules.filter(
    (r) => r.groupId !== id && r.remoteGroupId !== id,
  );
  return done(undefined);
}
