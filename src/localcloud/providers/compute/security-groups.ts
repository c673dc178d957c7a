// Nova's legacy security-group proxies (os-security-groups, os-security-group-rules) over the SAME
// groups and rules Neutron's view serves, worded as Nova words them when it forwards to Neutron
// (nova/api/openstack/compute/security_groups.py, nova/network/security_group_api.py): only ingress
// rules are shown, a rule without a source group shows its CIDR (0.0.0.0/0 when none), and
// Neutron's refusals come back as Nova's 400/403/404. The rules themselves (the `default` group,
// starting rules, duplicates, in-use, quota) are the model's (model/security-groups.ts,
// model/security-group-rules.ts); this file parses Nova's bodies and translates.
import { isIP } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { type Refusal, valueOr } from '../../model/refusals.ts';
import { addRule, deleteRule } from '../../model/security-group-rules.ts';
import {
  createSecurityGroup,
  deleteSecurityGroup,
  ensureDefaultGroupStored,
  findGroup as findModelGroup,
  projectGroups,
  updateSecurityGroup,
} from '../../model/security-groups.ts';
import type { CloudState, SecurityGroup, SecurityGroupRule } from '../../state.ts';
import { badRequest, type Caller, callerOf, forbidden, isUuidLike, notFound } from './context.ts';
import { proxyRemovedFrom } from './microversion.ts';
import { findServer } from './servers.ts';
import { formatMessage, parseBody } from './validation.ts';

const GroupBody = z.looseObject({
  security_group: z.looseObject({ name: z.string().max(255), description: z.string().max(255) }),
});

const uuidField = z.string().superRefine((value, ctx) => {
  if (!isUuidLike(value)) ctx.addIssue({ code: 'custom', message: formatMessage(value, 'uuid') });
});

/** Ports, protocol and CIDR are left unchecked by the schema, as Nova leaves them. */
const RuleBody = z.looseObject({
  security_group_rule: z.looseObject({
    parent_group_id: uuidField,
    group_id: uuidField.nullable().optional(),
    ip_protocol: z.unknown().optional(),
    from_port: z.unknown().optional(),
    to_port: z.unknown().optional(),
    cidr: z.unknown().optional(),
  }),
});

export interface NovaRule {
  id: string;
  parent_group_id: string;
  ip_protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  group: { name?: string; tenant_id?: string };
  ip_range: { cidr?: string };
}

/** A Neutron rule as Nova's proxy shows it; undefined when its source group is gone. */
export function novaRule(state: Readonly<CloudState>, rule: SecurityGroupRule): NovaRule | undefined {
  let from = rule.portMin;
  let to = rule.portMax;
  if (rule.protocol && from === null && to === null) {
    const tcpOrUdp = ['tcp', 'udp'].includes(rule.protocol.toLowerCase());
    from = tcpOrUdp ? 1 : -1;
    to = tcpOrUdp ? 65535 : -1;
  }
  const formatted: NovaRule = {
    id: rule.id,
    parent_group_id: rule.groupId,
    ip_protocol: rule.protocol,
    from_port: from,
    to_port: to,
    group: {},
    ip_range: {},
  };
  if (rule.remoteGroupId) {
    const source = state.securityGroups.find((g) => g.id === rule.remoteGroupId);
    if (!source) return undefined;
    formatted.group = { name: source.name, tenant_id: source.projectId };
  } else {
    formatted.ip_range = { cidr: rule.remoteIpPrefix || '0.0.0.0/0' };
  }
  return formatted;
}

export function novaGroup(state: Readonly<CloudState>, group: SecurityGroup) {
  const rules = state.securityGroupRules
    .filter((r) => r.groupId === group.id && r.direction === 'ingress')
    .flatMap((r) => novaRule(state, r) ?? []);
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    tenant_id: group.projectId,
    rules,
  };
}

const byTenantAndName = (a: { tenant_id: string; name: string }, b: { tenant_id: string; name: string }) =>
  a.tenant_id.localeCompare(b.tenant_id) || a.name.localeCompare(b.name);

/** security_group_api.validate_id, then Neutron's 404 as Nova passes it on. */
function findGroup(state: Readonly<CloudState>, caller: Caller, id: string): SecurityGroup {
  if (!isUuidLike(id)) throw badRequest('Security group id should be uuid');
  return existingGroup(state, caller, id);
}

function existingGroup(state: Readonly<CloudState>, caller: Caller, id: string): SecurityGroup {
  const group = findModelGroup(state, caller.projectId, id);
  if (!group) throw notFound(`Security group ${id} does not exist`);
  return group;
}

const quotaExceeded = (resources: readonly string[]) =>
  forbidden(`Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`);

/**
 * A model refusal as Nova passes Neutron's answer on: a 404 stays a 404; the 409s become 403 on
 * create (Nova's raise_over_quota) and 400 otherwise (exception.Invalid).
 */
function groupRefusal(refusal: Refusal): Error {
  switch (refusal.kind) {
    case 'not-found':
      return notFound(`Security group ${refusal.id} does not exist`);
    case 'quota':
      return quotaExceeded(refusal.resources);
    case 'in-use':
      return badRequest(`Security Group ${refusal.id} in use.`);
    case 'default-group':
      if (refusal.change === 'delete')
        return badRequest('Insufficient rights for removing default security group.');
      if (refusal.change === 'rename') return badRequest('Updating default security group not allowed.');
      return forbidden('Default security group already exists.');
    default:
      return badRequest(`The security group change was refused (${refusal.kind}).`);
  }
}

interface RuleArgs {
  protocol: string | null;
  from: number | null;
  to: number | null;
  cidr: string | null;
  groupId: string | null;
}

/** `net/prefix` with a valid address and prefix length; Nova's parse_cidr gives 0.0.0.0/0 for none. */
function parseCidr(cidr: unknown): string {
  if (cidr === null || cidr === undefined || cidr === '') return '0.0.0.0/0';
  const text = decodeURIComponent(String(cidr));
  const [net, prefix, ...rest] = text.split('/');
  const family = isIP(net ?? '');
  const max = family === 6 ? 128 : 32;
  const validPrefix = prefix === undefined || (/^[0-9]+$/.test(prefix) && Number(prefix) <= max);
  if (family === 0 || rest.length > 0 || !validPrefix) throw badRequest(`${text} is not a valid IP network.`);
  if (prefix === '0' && net !== '0.0.0.0' && net !== '::')
    throw badRequest(`Bad prefix for network in cidr ${text}`);
  return prefix === undefined ? `${net}/${max}` : text;
}

/** security_group_api._new_ingress_rule: defaults, integer ports and Nova's range checks. */
function ruleArgs(spec: z.output<typeof RuleBody>['security_group_rule']): RuleArgs {
  const groupId = spec.group_id ?? null;
  const rawProtocol =
    spec.ip_protocol === null || spec.ip_protocol === undefined ? null : String(spec.ip_protocol);
  const upper = rawProtocol?.toUpperCase() ?? '';
  let from = spec.from_port ?? null;
  let to = spec.to_port ?? null;
  const cidr = groupId === null ? parseCidr(spec.cidr) : null;
  if (groupId !== null && from === null && to === null) {
    if (upper === 'ICMP') [from, to] = [-1, -1];
    else if (upper === 'TCP' || upper === 'UDP') [from, to] = [1, 65535];
  }
  if (!rawProtocol || from === null || to === null) {
    // A CIDR rule needs a protocol and ports; a group rule without them admits everything from the group.
    if (cidr !== null) throw badRequest('Not enough parameters to build a valid rule.');
    return { protocol: null, from: null, to: null, cidr, groupId };
  }
  const fromPort = Number.parseInt(String(from), 10);
  const toPort = Number.parseInt(String(to), 10);
  if (!/^\s*[-+]?[0-9]+\s*$/.test(String(from)) || !/^\s*[-+]?[0-9]+\s*$/.test(String(to))) {
    throw badRequest(
      upper === 'ICMP'
        ? 'Invalid input received: Type and Code must be integers for ICMP protocol type'
        : 'Invalid input received: To and From ports must be integers',
    );
  }
  if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw badRequest(`Invalid IP protocol ${rawProtocol}.`);
  const range = `Invalid port range ${fromPort}:${toPort}.`;
  if (upper !== 'ICMP' && fromPort > toPort)
    throw badRequest(`${range} Former value cannot be greater than the later`);
  if (upper !== 'ICMP' && (fromPort < 1 || toPort > 65535)) {
    throw badRequest(`${range} Valid ${upper} ports should be between 1-65535`);
  }
  if (upper === 'ICMP' && (fromPort < -1 || fromPort > 255 || toPort < -1 || toPort > 255)) {
    throw badRequest(`${range} For ICMP, the type:code must be valid`);
  }
  // Stored lower-case, as Neutron stores "TCP" from libcloud.
  return { protocol: rawProtocol.toLowerCase(), from: fromPort, to: toPort, cidr, groupId };
}

export const securityGroupRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, runtime, now }) => {
  /** Nova lists groups through Neutron, which makes the project's default group on that first look. */
  const ensureDefault = (caller: Caller) => {
    if (ensureDefaultGroupStored(store, caller.projectId, now())) runtime.refreshNetwork();
  };

  // libcloud and pkgcloud send no microversion and keep these; from 2.36 Nova answers them 404, but
  // not a server's own list of groups.
  app.addHook(
    'onRequest',
    proxyRemovedFrom(36, (url) => url.includes('/servers/')),
  );

  app.get('/os-security-groups', async (request) => {
    const caller = callerOf(request);
    ensureDefault(caller);
    const state = store.read();
    const groups = projectGroups(state, caller.projectId).map((g) => novaGroup(state, g));
    return { security_groups: groups.sort(byTenantAndName) };
  });

  app.post('/os-security-groups', async (request) => {
    const caller = callerOf(request);
    const { name, description } = parseBody(GroupBody, request.body).security_group;
    const created = store.update((draft) => {
      const group = createSecurityGroup(draft, {
        projectId: caller.projectId,
        name,
        description,
        now: now(),
      });
      return novaGroup(draft, valueOr(group, groupRefusal));
    });
    runtime.refreshNetwork();
    return { security_group: created };
  });

  app.get<{ Params: { id: string } }>('/os-security-groups/:id', async (request) => {
    const caller = callerOf(request);
    ensureDefault(caller);
    const state = store.read();
    return { security_group: novaGroup(state, findGroup(state, caller, request.params.id)) };
  });

  app.put<{ Params: { id: string } }>('/os-security-groups/:id', async (request) => {
    const caller = callerOf(request);
    findGroup(store.read(), caller, request.params.id);
    const { name, description } = parseBody(GroupBody, request.body).security_group;
    const updated = store.update((draft) => {
      const change = { projectId: caller.projectId, id: request.params.id, name, description };
      return novaGroup(draft, valueOr(updateSecurityGroup(draft, change), groupRefusal));
    });
    return { security_group: updated };
  });

  app.delete<{ Params: { id: string } }>('/os-security-groups/:id', async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    findGroup(store.read(), caller, id);
    store.update((draft) =>
      valueOr(deleteSecurityGroup(draft, { projectId: caller.projectId, id }), groupRefusal),
    );
    runtime.refreshNetwork();
    return reply.code(202).send();
  });

  app.post('/os-security-group-rules', async (request) => {
    const caller = callerOf(request);
    const spec = parseBody(RuleBody, request.body).security_group_rule;
    const state = store.read();
    const parent = existingGroup(state, caller, spec.parent_group_id);
    if (spec.group_id) existingGroup(state, caller, spec.group_id);
    const args = ruleArgs(spec);
    const created = store.update((draft) => {
      const added = addRule(draft, caller.projectId, {
        groupId: parent.id,
        direction: 'ingress',
        ethertype: args.cidr?.includes(':') ? 'IPv6' : 'IPv4',
        protocol: args.protocol,
        // Nova passes no port for -1 (ICMP "any").
        portMin: args.from === -1 ? null : args.from,
        portMax: args.to === -1 ? null : args.to,
        remoteIpPrefix: args.cidr,
        remoteGroupId: args.groupId,
      });
      const rule = valueOr(added, (refusal) => {
        if (refusal.kind !== 'duplicate') return groupRefusal(refusal);
        // Nova finds a CIDR duplicate itself; a group duplicate is Neutron's 409, which Nova makes a 403.
        if (args.groupId === null) return badRequest(`This rule already exists in group ${parent.id}`);
        return forbidden(`Security group rule already exists. Rule id is ${refusal.existingId}.`);
      });
      return novaRule(draft, rule)!;
    });
    runtime.refreshNetwork();
    return { security_group_rule: created };
  });

  app.delete<{ Params: { id: string } }>('/os-security-group-rules/:id', async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    if (!isUuidLike(id)) throw badRequest('Security group id should be uuid');
    store.update((draft) =>
      valueOr(deleteRule(draft, { projectId: caller.projectId, id }), () =>
        notFound(`Security group rule ${id} does not exist`),
      ),
    );
    runtime.refreshNetwork();
    return reply.code(202).send();
  });

  app.get<{ Params: { id: string } }>('/servers/:id/os-security-groups', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const server = findServer(state, caller, request.params.id);
    const groups = server.securityGroupIds.flatMap((gid) => {
      const group = state.securityGroups.find((g) => g.id === gid);
      return group ? [novaGroup(state, group)] : [];
    });
    return { security_groups: groups.sort(byTenantAndName) };
  });
};
