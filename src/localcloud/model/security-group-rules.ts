// Security group rules: the one place rules are added and removed, for Nova's os-security-group-rules
// proxy and Neutron's routes (a group's starting rules are made with the group, security-groups.ts).
// Each API checks the request in its own words first; the model then applies Neutron's rules on the
// record: the whole port range is no range, both groups must be the caller's, no duplicate (compared
// as Neutron's _rule_to_key does: protocol by number, "any address" and no address alike), quota.
import { randomUUID } from 'node:crypto';
import type { CloudState, SecurityGroupRule } from '../state.ts';
import { quotaRefusal } from './quotas.ts';
import { done, type Outcome, refuse } from './refusals.ts';
import { findGroup } from './security-groups.ts';

export type NewRule = Omit<SecurityGroupRule, 'id'>;

/** neutron_lib's IP_PROTOCOL_MAP, in its order (the order Neutron's error message lists them in). */
export const PROTOCOL_NUMBERS: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** A stored protocol ('tcp', or a number for the unnamed ones) as its IP protocol number. */
export function protocolNumber(protocol: string): number {
  return PROTOCOL_NUMBERS[protocol] ?? Number(protocol);
}

/** Neutron stores ports 1–65535 as no range at all. */
export function canonicalPortRange(
  portMin: number | null,
  portMax: number | null,
): [min: number | null, max: number | null] {
  return portMin === 1 && portMax === 65535 ? [null, null] : [portMin, portMax];
}

/** The rules a project sees: those of its own groups. */
export function projectRules(state: Readonly<CloudState>, projectId: string): SecurityGroupRule[] {
  const groups = new Set(state.securityGroups.filter((g) => g.projectId === projectId).map((g) => g.id));
  return state.securityGroupRules.filter((r) => groups.has(r.groupId));
}

export function findRule(
  state: Readonly<CloudState>,
  projectId: string,
  id: string,
): SecurityGroupRule | undefined {
  return projectRules(state, projectId).find((r) => r.id === id);
}

function ruleKey(rule: NewRule): string {
  const anyAddress =
    rule.remoteIpPrefix === null || rule.remoteIpPrefix === '0.0.0.0/0' || rule.remoteIpPrefix === '::/0';
  return JSON.stringify([
    rule.groupId,
    rule.direction,
    rule.ethertype,
    rule.protocol === null ? null : protocolNumber(rule.protocol),
    rule.portMin,
    rule.portMax,
    anyAddress ? null : rule.remoteIpPrefix,
    rule.remoteGroupId,
  ]);
}

/** The existing rule that `rule` would duplicate, if any. */
export function findDuplicateRule(state: Readonly<CloudState>, rule: NewRule): SecurityGroupRule | undefined {
  const key = ruleKey(rule);
  return state.securityGroupRules.find((r) => r.groupId === rule.groupId && ruleKey(r) === key);
}

/**
 * Adds a rule to one of the project's groups. Refused, in this order: an unknown remote group, an
 * unknown group, a duplicate, the rule quota.
 */
export function addRule(state: CloudState, projectId: string, fields: NewRule): Outcome<SecurityGroupRule> {
  const [portMin, portMax] = canonicalPortRange(fields.portMin, fields.portMax);
  const rule: SecurityGroupRule = { id: randomUUID(), ...fields, portMin, portMax };
  if (rule.remoteGroupId !== null && !findGroup(state, projectId, rule.remoteGroupId)) {
    return refuse({ kind: 'not-found', resource: 'security_group', id: rule.remoteGroupId });
  }
  if (!findGroup(state, projectId, rule.groupId)) {
    return refuse({ kind: 'not-found', resource: 'security_group', id: rule.groupId });
  }
  const duplicate = findDuplicateRule(state, rule);
  if (duplicate)
    return refuse({ kind: 'duplicate', resource: 'security_group_rule', existingId: duplicate.id });
  const overQuota = quotaRefusal(state, projectId, { security_group_rule: 1 });
  if (overQuota) return refuse(overQuota);
  state.securityGroupRules.push(rule);
  return done(rule);
}

/** Removes one of the project's rules. Refused: unknown. */
export function deleteRule(state: CloudState, target: { projectId: string; id: string }): Outcome<void> {
  const rule = findRule(state, target.projectId, target.id);
  if (!rule) return refuse({ kind: 'not-found', resource: 'security_group_rule', id: target.id });
  state.securityGroupRules = state.securityGroupRules.filter((r) => r.id !== rule.id);
  return done(undefined);
}
