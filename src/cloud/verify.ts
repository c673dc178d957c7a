// Checks of a cloud's state against what a step should have left: security groups with exactly
// their rules, servers running in the right groups, floating IPs, things gone. Each check says
// what it looked at and, when it fails, why — the lesson manifest adds what to do.
import type { Connection } from './driver.ts';
import { isBooting, type Node, type SecurityGroup } from './models.ts';

export interface Check {
  ok: boolean;
  /** What was checked: "security group api has exactly its 2 rules". */
  label: string;
  /** What was found, when it is not what was expected. */
  detail?: string;
}

/** A rule as the guide writes it: TCP from-to, from everyone or from the members of a group. */
export interface RuleSpec {
  protocol: string;
  from: number;
  to: number;
  source?: string;
}

export interface GroupSpec {
  name: string;
  rules: RuleSpec[];
}

export interface NodeSpec {
  name: string;
  groups: string[];
  floatingIp?: boolean;
}

export interface Expectation {
  groups?: GroupSpec[];
  groupsAbsent?: string[];
  nodes?: NodeSpec[];
  nodesAbsent?: string[];
}

const describeRule = (r: RuleSpec) =>
  `${r.protocol.toUpperCase()} ${r.from === r.to ? r.from : `${r.from}-${r.to}`} from ${r.source ?? '0.0.0.0/0'}`;

/** A group's ingress rules as RuleSpecs (source groups by name), sorted for comparison. */
export function rulesOf(group: SecurityGroup, groups: SecurityGroup[]): string[] {
  return group.rules
    .map((r) =>
      describeRule({
        protocol: r.protocol ?? 'any',
        from: r.fromPort ?? 1,
        to: r.toPort ?? 65535,
        ...(r.sourceGroupId
          ? { source: groups.find((g) => g.id === r.sourceGroupId)?.name ?? r.sourceGroupId }
          : r.cidr && r.cidr !== '0.0.0.0/0'
            ? { source: r.cidr }
            : {}),
      }),
    )
    .sort();
}

export function checkGroups(groups: SecurityGroup[], expect: Expectation): Check[] {
  const checks: Check[] = [];
  for (const spec of expect.groups ?? []) {
    const found = groups.filter((g) => g.name === spec.name);
    const want = spec.rules.map(describeRule).sort();
    if (found.length !== 1) {
      checks.push({
        ok: false,
        label: `security group ${spec.name} exists once`,
        detail: found.length === 0 ? 'it is missing' : `there are ${found.length} groups of that name`,
      });
      continue;
    }
    const have = rulesOf(found[0]!, groups);
    const same = have.length === want.length && have.every((r, k) => r === want[k]);
    checks.push({
      ok: same,
      label: `security group ${spec.name}: ${want.join(', ')}`,
      ...(same ? {} : { detail: `its rules are: ${have.join(', ') || 'none'}` }),
    });
  }
  for (const name of expect.groupsAbsent ?? []) {
    const present = groups.some((g) => g.name === name);
    checks.push({
      ok: !present,
      label: `security group ${name} is gone`,
      ...(present ? { detail: 'it is still there' } : {}),
    });
  }
  return checks;
}

export function checkNodes(nodes: Node[], expect: Expectation): Check[] {
  const checks: Check[] = [];
  for (const spec of expect.nodes ?? []) {
    const found = nodes.filter((n) => n.name === spec.name);
    const node = found[0];
    if (!node || found.length > 1) {
      checks.push({
        ok: false,
        label: `server ${spec.name} is running`,
        detail: node ? `there are ${found.length} servers of that name` : 'it is missing',
      });
      continue;
    }
    const running = node.state === 'running';
    // Booting is not broken: say so, so nobody runs a step again for a server that is on its way.
    const booting = isBooting(node)
      ? `it is still booting (${node.status}): wait a moment, then check again`
      : '';
    checks.push({
      ok: running,
      label: `server ${spec.name} is running (${node.privateIps[0] ?? 'no address'})`,
      ...(running ? {} : { detail: booting || `it is ${node.status}${node.fault ? `: ${node.fault}` : ''}` }),
    });
    const groups = [...node.securityGroups].sort();
    const sameGroups = groups.join() === [...spec.groups].sort().join();
    checks.push({
      ok: sameGroups,
      label: `server ${spec.name} is in security group ${spec.groups.join(', ')}`,
      ...(sameGroups ? {} : { detail: `it is in ${groups.join(', ') || 'no group'}` }),
    });
    if (spec.floatingIp) {
      const has = node.floatingIps.length === 1;
      checks.push({
        ok: has,
        label: `server ${spec.name} has a floating IP${has ? ` (${node.floatingIps[0]})` : ''}`,
        // Nova lists a booting server's addresses only once it is up.
        ...(has ? {} : { detail: booting || `it has ${node.floatingIps.length}` }),
      });
    }
  }
  for (const name of expect.nodesAbsent ?? []) {
    const present = nodes.some((n) => n.name === name);
    checks.push({
      ok: !present,
      label: `server ${name} is gone`,
      ...(present ? { detail: 'it is still there' } : {}),
    });
  }
  return checks;
}

/** Reads the cloud once and checks it against the expectation. */
export async function verify(conn: Connection, expect: Expectation): Promise<Check[]> {
  const needsGroups = (expect.groups?.length ?? 0) + (expect.groupsAbsent?.length ?? 0) > 0;
  const needsNodes = (expect.nodes?.length ?? 0) + (expect.nodesAbsent?.length ?? 0) > 0;
  const [groups, nodes] = await Promise.all([
    needsGroups ? conn.exListSecurityGroups() : Promise.resolve([]),
    needsNodes ? conn.listNodes() : Promise.resolve([]),
  ]);
  return [...checkGroups(groups, expect), ...checkNodes(nodes, expect)];
}
