// What the lesson reads from a cloud, in libcloud's shapes with TypeScript names (Node.privateIps
// is libcloud's node.private_ips). Each is parsed with zod from the raw Nova/Neutron body that
// pkgcloud hands back (pkgcloud's own models drop fields, e.g. a server's fault and metadata).
import { z } from 'zod';

/** libcloud's NodeState names, from Nova's status (BUILD→pending, ACTIVE→running, …). */
export type NodeState = 'pending' | 'running' | 'stopped' | 'rebooting' | 'error' | 'terminated' | 'unknown';

export interface Node {
  id: string;
  name: string;
  state: NodeState;
  /** Nova's own status word: BUILD, ACTIVE, SHUTOFF, ERROR, … */
  status: string;
  /** RFC 1918 IPv4 addresses (libcloud's rule), fixed ones first. */
  privateIps: string[];
  /** Every other address, floating ones included (libcloud's rule). */
  publicIps: string[];
  /** Addresses of type floating. */
  floatingIps: string[];
  securityGroups: string[];
  imageId?: string;
  flavorId?: string;
  keyName?: string;
  metadata: Record<string, string>;
  /** Why the node is in ERROR or SHUTOFF, as Nova reports it. */
  fault?: string;
}

export interface SecurityGroupRule {
  id: string;
  /** Lower case, as Neutron stores it. */
  protocol: string | null;
  fromPort: number | null;
  toPort: number | null;
  /** Source CIDR; null when the rule names a source group. */
  cidr: string | null;
  sourceGroupId: string | null;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  /** Ingress IPv4 rules only: egress rules are the cloud's defaults and not part of the lesson. */
  rules: SecurityGroupRule[];
}

export interface FloatingIp {
  id: string;
  ipAddress: string;
  /** The server it is attached to, or null (libcloud's node_id). */
  nodeId: string | null;
  pool: string | null;
}

export interface Image {
  id: string;
  name: string;
  status: string;
}

export interface Size {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

export interface KeyPair {
  name: string;
  fingerprint: string;
  /** Only when the cloud generated the key. */
  privateKey?: string;
}

const AddressSchema = z.looseObject({
  addr: z.string(),
  version: z.number().optional(),
  'OS-EXT-IPS:type': z.string().optional(),
});

export const NovaServerSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  addresses: z.record(z.string(), z.array(AddressSchema)).default({}),
  security_groups: z.array(z.looseObject({ name: z.string() })).optional(),
  image: z.union([z.looseObject({ id: z.string() }), z.string()]).optional(),
  flavor: z.looseObject({ id: z.string().optional() }).optional(),
  key_name: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.string()).default({}),
  fault: z.looseObject({ message: z.string().optional(), details: z.string().optional() }).optional(),
});

const STATES: Record<string, NodeState> = {
  BUILD: 'pending',
  REBUILD: 'pending',
  ACTIVE: 'running',
  SHUTOFF: 'stopped',
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  PAUSED: 'stopped',
  REBOOT: 'rebooting',
  HARD_REBOOT: 'rebooting',
  ERROR: 'error',
  DELETED: 'terminated',
};

/**
 * Still booting (BUILD, REBUILD, REBOOT, HARD_REBOOT): not missing and not broken, just not up yet —
 * and Nova lists no addresses for a server in BUILD.
 */
export const isBooting = (node: Node): boolean => node.state === 'pending' || node.state === 'rebooting';

/** libcloud's private_ips test: 10/8, 172.16/12, 192.168/16. */
export function isPrivateIpv4(address: string): boolean {
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(address);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

export function nodeFrom(raw: unknown): Node {
  const s = NovaServerSchema.parse(raw);
  const all = Object.values(s.addresses).flat();
  // Fixed addresses first, so privateIps[0] is the node's own address, as on libcloud.
  const ordered = [
    ...all.filter((a) => a['OS-EXT-IPS:type'] !== 'floating'),
    ...all.filter((a) => a['OS-EXT-IPS:type'] === 'floating'),
  ];
  const v4 = ordered.filter((a) => (a.version ?? 4) === 4).map((a) => a.addr);
  const imageId = typeof s.image === 'string' ? s.image || undefined : s.image?.id;
  const fault = s.fault?.message;
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    state: STATES[s.status] ?? 'unknown',
    privateIps: v4.filter(isPrivateIpv4),
    publicIps: v4.filter((a) => !isPrivateIpv4(a)),
    floatingIps: ordered.filter((a) => a['OS-EXT-IPS:type'] === 'floating').map((a) => a.addr),
    securityGroups: [...new Set((s.security_groups ?? []).map((g) => g.name))],
    ...(imageId ? { imageId } : {}),
    ...(s.flavor?.id ? { flavorId: s.flavor.id } : {}),
    ...(s.key_name ? { keyName: s.key_name } : {}),
    metadata: s.metadata,
    ...(fault ? { fault } : {}),
  };
}

const NeutronRuleSchema = z.looseObject({
  id: z.string(),
  direction: z.string(),
  ethertype: z.string().optional(),
  protocol: z.string().nullable().optional(),
  port_range_min: z.number().nullable().optional(),
  port_range_max: z.number().nullable().optional(),
  remote_ip_prefix: z.string().nullable().optional(),
  remote_group_id: z.string().nullable().optional(),
});

export const NeutronGroupSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  security_group_rules: z.array(NeutronRuleSchema).default([]),
});

export function ruleFrom(raw: unknown): SecurityGroupRule & { ingressIpv4: boolean } {
  const r = NeutronRuleSchema.parse(raw);
  return {
    id: r.id,
    protocol: r.protocol?.toLowerCase() ?? null,
    fromPort: r.port_range_min ?? null,
    toPort: r.port_range_max ?? null,
    cidr: r.remote_group_id ? null : (r.remote_ip_prefix ?? '0.0.0.0/0'),
    sourceGroupId: r.remote_group_id ?? null,
    ingressIpv4: r.direction === 'ingress' && (r.ethertype ?? 'IPv4') === 'IPv4',
  };
}

export function securityGroupFrom(raw: unknown): SecurityGroup {
  const g = NeutronGroupSchema.parse(raw);
  return {
    id: g.id,
    name: g.name,
    description: g.description ?? '',
    rules: g.security_group_rules
      .map(ruleFrom)
      .filter((r) => r.ingressIpv4)
      .map(({ ingressIpv4: _, ...rule }) => rule),
  };
}

const NovaFloatingIpSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  ip: z.string(),
  instance_id: z.string().nullable().optional(),
  pool: z.string().nullable().optional(),
});

export function floatingIpFrom(raw: unknown): FloatingIp {
  const f = NovaFloatingIpSchema.parse(raw);
  return { id: f.id, ipAddress: f.ip, nodeId: f.instance_id || null, pool: f.pool ?? null };
}

export const FloatingIpPoolsSchema = z.object({
  floating_ip_pools: z.array(z.looseObject({ name: z.string() })),
});

export const FlavorSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  name: z.string(),
  vcpus: z.number(),
  ram: z.number(),
  disk: z.number(),
});

export const LimitsSchema = z.looseObject({
  absolute: z.looseObject({
    maxTotalInstances: z.number(),
    totalInstancesUsed: z.number(),
    maxTotalCores: z.number(),
    totalCoresUsed: z.number(),
    maxTotalRAMSize: z.number(),
    totalRAMUsed: z.number(),
  }),
});

export interface Limits {
  instances: { limit: number; used: number };
  cores: { limit: number; used: number };
  ram: { limit: number; used: number };
}

export function limitsFrom(raw: unknown): Limits {
  const body = raw && typeof raw === 'object' && 'limits' in raw ? (raw as { limits: unknown }).limits : raw;
  const { absolute: a } = LimitsSchema.parse(body);
  return {
    instances: { limit: a.maxTotalInstances, used: a.totalInstancesUsed },
    cores: { limit: a.maxTotalCores, used: a.totalCoresUsed },
    ram: { limit: a.maxTotalRAMSize, used: a.totalRAMUsed },
  };
}
