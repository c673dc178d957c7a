// Security group rules, Neutron's view of the records Nova's os-security-group-rules proxy also
// serves. A new rule is checked here as Neutron's converters and plugin check a request
// (neutron/extensions/securitygroup.py, securitygroups_db.py): protocol by name or number, ports
// 0–65535 with min ≤ max for port-carrying protocols, ICMP type/code 0–255, one remote at most (CIDR
// or group), the CIDR's family matching the ethertype. What concerns the stored rules (both groups
// the caller's, no duplicate, quota) is the model's (model/security-group-rules.ts); its refusals
// are worded here as Neutron words them.
import { isIPv6 } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { quotaRefusal } from '../../model/quotas.ts';
import { type Refusal, valueOr } from '../../model/refusals.ts';
import {
  addRule,
  canonicalPortRange,
  deleteRule,
  findRule,
  type NewRule,
  PROTOCOL_NUMBERS,
  projectRules,
  protocolNumber,
} from '../../model/security-group-rules.ts';
import type { CloudState, SecurityGroupRule } from '../../state.ts';
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
  pyStr,
  type Query,
  securityGroupNotFound,
  showResponse,
} from './common.ts';

const PORT_PROTOCOLS = new Set([33, 132, 6, 17, 136]);
const IPV6_ONLY = new Set([
  'ipv6-encap',
  'ipv6-frag',
  'ipv6-icmp',
  'icmpv6',
  'ipv6-nonxt',
  'ipv6-opts',
  'ipv6-route',
]);
const IPV6_ONLY_NUMBERS = new Set(['41', '44', '58', '59', '60', '43']);
/** Numbers stored by name, so that every reader of the state (Nova's view, the forwarders) sees 'tcp'. */
const NAMED_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

const SUPPORTED = `(None, 'any', ${Object.keys(PROTOCOL_NUMBERS)
  .map((p) => `'${p}'`)
  .join(', ')})`;

/** Neutron's convert_protocol, then our naming of tcp/udp/icmp numbers. */
export function normalizeProtocol(value: unknown): string | null {
  if (value === null || value === undefined || value === 'any') return null;
  const invalid = () =>
    neutronFault(
      400,
      'SecurityGroupRuleInvalidProtocol',
      `Security group rule protocol ${pyStr(value)} not supported. Only protocol values ${SUPPORTED} and integer representations [0 to 255] are supported.`,
    );
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value))) {
    const number = Math.trunc(Number(value));
    if (number < 0 || number > 255) throw invalid();
    return NAMED_NUMBERS[String(number)] ?? String(number);
  }
  if (typeof value !== 'string') throw invalid();
  const lower = value.toLowerCase();
  if (!Object.hasOwn(PROTOCOL_NUMBERS, lower)) throw invalid();
  return lower;
}

/** neutron's convert_validate_port_value (oslo's is_valid_port). */
function portValue(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const number =
    typeof value === 'number'
      ? Math.trunc(value)
      : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw neutronFault(400, 'SecurityGroupInvalidPortValue', `Invalid value for port ${pyStr(value)}`);
  }
  return number;
}

function ethertypeValue(value: unknown): SecurityGroupRule['ethertype'] {
  if (value === undefined) return 'IPv4';
  if (typeof value === 'string') {
    if (value.toLowerCase() === 'ipv4') return 'IPv4';
    if (value.toLowerCase() === 'ipv6') return 'IPv6';
  }
  throw neutronFault(
    400,
    'SecurityGroupRuleInvalidEtherType',
    `Security group rule for ethertype '${pyStr(value)}' not supported. Allowed values are ['IPv4', 'IPv6'].`,
  );
}

interface Cidr {
  text: string;
  version: 4 | 6;
}

/** neutron's convert_ip_prefix_to_cidr: an address or CIDR, always written with its mask. */
function cidrValue(value: unknown): Cidr | null {
  if (value === null || value === undefined || value === '') return null;
  const invalid = () => neutronFault(400, 'InvalidCIDR', `Invalid CIDR ${pyStr(value)} given as IP prefix.`);
  if (typeof value !== 'string') throw invalid();
  const [address = '', mask, ...rest] = value.trim().split('/');
  if (rest.length > 0 || (mask !== undefined && !/^\d{1,3}$/.test(mask))) throw invalid();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) {
    if (v4.slice(1).some((octet) => Number(octet) > 255) || Number(mask ?? 32) > 32) throw invalid();
    return { text: `${address}/${mask ?? 32}`, version: 4 };
  }
  if (isIPv6(address) && Number(mask ?? 128) <= 128) {
    return { text: `${address.toLowerCase()}/${mask ?? 128}`, version: 6 };
  }
  throw invalid();
}

/** The prefix with its host bits cleared (Neutron's `normalized_cidr`); IPv6 is shown as stored. */
function normalizedCidr(prefix: string | null): string | null {
  if (!prefix) return null;
  const [address = '', bits = '32'] = prefix.split('/');
  const octets = address.split('.').map(Number);
  if (octets.length !== 4) return prefix;
  const value = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - Number(bits));
  const network = value - (value % size);
  return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.')}/${bits}`;
}

export function ruleView(state: Readonly<CloudState>, rule: SecurityGroupRule) {
  const group = state.securityGroups.find((g) => g.id === rule.groupId);
  const time = neutronTime(group?.createdAt ?? new Date(0).toISOString());
  const projectId = group?.projectId ?? '';
  return {
    id: rule.id,
    tenant_id: projectId,
    project_id: projectId,
    security_group_id: rule.groupId,
    direction: rule.direction,
    ethertype: rule.ethertype,
    protocol: rule.protocol,
    port_range_min: rule.portMin,
    port_range_max: rule.portMax,
    remote_ip_prefix: rule.remoteIpPrefix,
    remote_group_id: rule.remoteGroupId,
    remote_address_group_id: null,
    normalized_cidr: normalizedCidr(rule.remoteIpPrefix),
    description: '',
    belongs_to_default_sg: group?.name === 'default',
    tags: [],
    created_at: time,
    updated_at: time,
    revision_number: 0,
  };
}

const ATTRIBUTES: AttributeMap = {
  id: { post: false, put: false },
  security_group_id: { post: true, put: false, required: true },
  remote_group_id: { post: true, put: false },
  direction: { post: true, put: false, required: true },
  protocol: { post: true, put: false },
  port_range_min: { post: true, put: false },
  port_range_max: { post: true, put: false },
  ethertype: { post: true, put: false },
  remote_ip_prefix: { post: true, put: false },
  remote_address_group_id: { post: true, put: false },
  description: { post: true, put: false },
  ...OWNER_ATTRIBUTES,
  normalized_cidr: { post: false, put: false },
  belongs_to_default_sg: { post: false, put: false },
  created_at: { post: false, put: false },
  updated_at: { post: false, put: false },
  revision_number: { post: false, put: false },
};

const aString = (max: number) =>
  z.unknown().superRefine((value, ctx) => {
    if (typeof value !== 'string') ctx.addIssue({ code: 'custom', message: notAString(value) });
    else if (value.length > max)
      ctx.addIssue({ code: 'custom', message: `'${value}' exceeds maximum length of ${max}` });
  });

const ruleSchema = z.object({
  security_group_id: aString(36),
  remote_group_id: z.unknown().optional(),
  direction: z.unknown().superRefine((value, ctx) => {
    if (value !== 'ingress' && value !== 'egress') {
      ctx.addIssue({ code: 'custom', message: `${pyStr(value)} is not in valid_values` });
    }
  }),
  protocol: z.unknown().optional(),
  port_range_min: z.unknown().optional(),
  port_range_max: z.unknown().optional(),
  ethertype: z.unknown().optional(),
  remote_ip_prefix: z.unknown().optional(),
  remote_address_group_id: z.unknown().optional(),
  description: aString(255).optional(),
  tenant_id: z.unknown().optional(),
  project_id: z.unknown().optional(),
});

/** What the attribute converters make of a rule body (they run before the quota check). */
interface ConvertedRule {
  groupId: string;
  direction: SecurityGroupRule['direction'];
  protocol: string | null;
  portMin: number | null;
  portMax: number | null;
  ethertype: SecurityGroupRule['ethertype'];
  cidr: Cidr | null;
  remoteGroupId: string | null;
  remoteAddressGroupId: string | null;
  /** As sent, for the ethertype conflict message. */
  prefixText: unknown;
}

/** The attribute converters, in the attribute map's order. */
function convertRule(body: z.output<typeof ruleSchema>): ConvertedRule {
  const protocol = normalizeProtocol(body.protocol);
  const portMin = portValue(body.port_range_min);
  const portMax = portValue(body.port_range_max);
  const ethertype = ethertypeValue(body.ethertype);
  const cidr = cidrValue(body.remote_ip_prefix);
  const remote = (value: unknown) =>
    value === null || value === undefined || value === '' ? null : String(value);
  return {
    groupId: body.security_group_id as string,
    direction: body.direction as SecurityGroupRule['direction'],
    protocol,
    portMin,
    portMax,
    ethertype,
    cidr,
    remoteGroupId: remote(body.remote_group_id),
    remoteAddressGroupId: remote(body.remote_address_group_id),
    prefixText: body.remote_ip_prefix,
  };
}

/** The plugin's checks of a converted rule; the record to add, or Neutron's error for the first problem. */
function validateRule(converted: ConvertedRule): NewRule {
  const { ethertype, cidr, remoteGroupId, remoteAddressGroupId, groupId } = converted;
  let { protocol, portMin, portMax } = converted;
  // Then the plugin's checks (_validate_base_security_group_rule_attributes).
  if (ethertype === 'IPv6' && (protocol === 'icmp' || protocol === 'icmpv6')) protocol = 'ipv6-icmp';
  [portMin, portMax] = canonicalPortRange(portMin, portMax);
  if (portMin !== null || portMax !== null) {
    if (protocol === null) {
      throw neutronFault(
        400,
        'SecurityGroupProtocolRequiredWithPorts',
        'Must also specify protocol if port range is given.',
      );
    }
    const number = protocolNumber(protocol);
    if (PORT_PROTOCOLS.has(number)) {
      if (portMin === 0 || portMax === 0) {
        throw neutronFault(400, 'SecurityGroupInvalidPortValue', 'Invalid value for port 0');
      }
      if (portMin === null || portMax === null || portMin > portMax) {
        throw neutronFault(
          400,
          'SecurityGroupInvalidPortRange',
          'For TCP/UDP protocols, port_range_min must be <= port_range_max',
        );
      }
    } else if (number === 1 || number === 58) {
      for (const [value, field, attr] of [
        [portMin, 'type', 'port_range_min'],
        [portMax, 'code', 'port_range_max'],
      ] as const) {
        if (value !== null && value > 255) {
          throw neutronFault(
            400,
            'SecurityGroupInvalidIcmpValue',
            `Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`,
          );
        }
      }
      if (portMin === null && portMax !== null) {
        throw neutronFault(
          400,
          'SecurityGroupMissingIcmpType',
          `ICMP code (port-range-max) ${portMax} is provided but ICMP type (port-range-min) is missing.`,
        );
      }
    } else {
      throw neutronFault(
        400,
        'SecurityGroupInvalidProtocolForPort',
        `Ports cannot be specified for protocol ${number}. Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE.`,
      );
    }
  }
  if (cidr && `IPv${cidr.version}` !== ethertype) {
    throw neutronFault(
      400,
      'SecurityGroupRuleParameterConflict',
      `Conflicting value ethertype ${ethertype} for CIDR ${pyStr(converted.prefixText)}`,
    );
  }
  if (
    ethertype === 'IPv4' &&
    protocol !== null &&
    (IPV6_ONLY.has(protocol) || IPV6_ONLY_NUMBERS.has(protocol))
  ) {
    throw neutronFault(
      400,
      'SecurityGroupEthertypeConflictWithProtocol',
      `Invalid ethertype ${ethertype} for protocol ${protocol}.`,
    );
  }
  if ([cidr, remoteGroupId, remoteAddressGroupId].filter((r) => r !== null).length > 1) {
    throw neutronFault(
      400,
      'SecurityGroupMultipleRemoteEntites',
      'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
    );
  }
  // Address groups are not modelled: any one named is unknown (the model checks the groups).
  if (remoteAddressGroupId !== null) {
    throw neutronFault(
      404,
      'AddressGroupNotFound',
      `Address group ${remoteAddressGroupId} could not be found.`,
    );
  }
  return {
    groupId,
    direction: converted.direction,
    ethertype,
    protocol,
    portMin,
    portMax,
    remoteIpPrefix: cidr?.text ?? null,
    remoteGroupId,
  };
}

const ruleNotFound = (id: string) =>
  neutronFault(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);

/** A model refusal about a rule in Neutron's words. */
function ruleRefusal(refusal: Refusal): Error {
  switch (refusal.kind) {
    case 'not-found':
      return refusal.resource === 'security_group_rule'
        ? ruleNotFound(refusal.id)
        : securityGroupNotFound(refusal.id);
    case 'quota':
      return overQuota(refusal.resources);
    case 'duplicate':
      return neutronFault(
        409,
        'SecurityGroupRuleExists',
        `Security group rule already exists. Rule id is ${refusal.existingId}.`,
      );
    default:
      return neutronFault(
        409,
        'HTTPConflict',
        `The security group rule change was refused (${refusal.kind}).`,
      );
  }
}

export const securityGroupRuleRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints, runtime } = deps;

  app.get<{ Querystring: Query }>('/v2.0/security-group-rules', async (request) => {
    const state = store.read();
    return listResponse({
      items: projectRules(state, projectOf(request)).map((r) => ruleView(state, r)),
      query: request.query,
      collection: 'security_group_rules',
      url: `${endpoints.network}/v2.0/security-group-rules`,
    });
  });

  app.get<{ Params: { id: string }; Querystring: Query }>(
    '/v2.0/security-group-rules/:id',
    async (request) => {
      const state = store.read();
      const rule = findRule(state, projectOf(request), request.params.id);
      if (!rule) throw ruleNotFound(request.params.id);
      return showResponse('security_group_rule', ruleView(state, rule), request.query);
    },
  );

  app.post('/v2.0/security-group-rules', async (request, reply) => {
    const caller = projectOf(request);
    const body = parseResource({
      body: request.body,
      resource: 'security_group_rule',
      attributes: ATTRIBUTES,
      schema: ruleSchema,
      method: 'POST',
      projectId: caller,
    });
    const converted = convertRule(body);
    const view = store.update((state) => {
      // Neutron's API layer reserves quota before the plugin checks the rule.
      const overQuotaNow = quotaRefusal(state, caller, { security_group_rule: 1 });
      if (overQuotaNow) throw ruleRefusal(overQuotaNow);
      const rule = valueOr(addRule(state, caller, validateRule(converted)), ruleRefusal);
      return ruleView(state, rule);
    });
    runtime.refreshNetwork();
    return reply.code(201).send({ security_group_rule: view });
  });

  app.delete<{ Params: { id: string } }>('/v2.0/security-group-rules/:id', async (request, reply) => {
    const caller = projectOf(request);
    store.update((state) =>
      valueOr(deleteRule(state, { projectId: caller, id: request.params.id }), ruleRefusal),
    );
    runtime.refreshNetwork();
    return reply.code(204).send();
  });
};
