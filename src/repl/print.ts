// How the prompt shows a result (the REPL's writer): a list of servers, security groups, floating IPs
// or fractals as a table of the columns a learner reads (not a dump of nested objects), any other list
// of flat records as a table of their fields, and everything else as Node's inspect shows it.
import { inspect } from 'node:util';
import type { FloatingIp, Node, SecurityGroup, SecurityGroupRule } from '../cloud/models.ts';
import type { Fractal } from '../faafo/model.ts';
import { renderTable } from './table.ts';

export interface PrintOptions {
  /** Terminal columns (default 80). */
  width?: number;
  colors?: boolean;
}

/** An object's fields by name, as the prompt's results are read. */
type Fields = Record<string, unknown>;
const isRecord = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const has = (value: Fields, ...keys: string[]) => keys.every((k) => k in value);

const isNode = (v: Fields): boolean =>
  has(v, 'name', 'status', 'privateIps', 'floatingIps', 'securityGroups');
const isGroup = (v: Fields): boolean => has(v, 'id', 'name', 'rules') && Array.isArray(v.rules);
const isFloatingIp = (v: Fields): boolean => has(v, 'id', 'ipAddress', 'nodeId');
const isFractal = (v: Fields): boolean => has(v, 'uuid', 'width', 'height', 'state');

const list = (values: unknown) => (Array.isArray(values) ? values.join(', ') : '');

/** `80/tcp`, `5672/tcp from worker`, `22/tcp from 10.0.0.0/8`. */
export function describeRule(rule: SecurityGroupRule, groupNames: ReadonlyMap<string, string>): string {
  const ports =
    rule.fromPort === null
      ? 'any'
      : rule.fromPort === rule.toPort
        ? `${rule.fromPort}`
        : `${rule.fromPort}-${rule.toPort}`;
  const what = `${ports}/${rule.protocol ?? 'any'}`;
  if (rule.sourceGroupId) return `${what} from ${groupNames.get(rule.sourceGroupId) ?? rule.sourceGroupId}`;
  if (rule.cidr && rule.cidr !== '0.0.0.0/0') return `${what} from ${rule.cidr}`;
  return what;
}

function shapedTable(items: Fields[], width: number): string | undefined {
  if (items.every(isNode)) {
    const nodes = items as unknown as Node[];
    return renderTable(
      ['name', 'status', 'security groups', 'fixed IP', 'floating IP'],
      nodes.map((n) => [n.name, n.status, list(n.securityGroups), list(n.privateIps), list(n.floatingIps)]),
      width,
    );
  }
  if (items.every(isGroup)) {
    const groups = items as unknown as SecurityGroup[];
    const names = new Map(groups.map((g) => [g.id, g.name]));
    return renderTable(
      ['name', 'rules (ingress)'],
      groups.map((g) => [g.name, g.rules.map((r) => describeRule(r, names)).join(', ') || 'none']),
      width,
    );
  }
  if (items.every(isFloatingIp)) {
    const ips = items as unknown as FloatingIp[];
    return renderTable(
      ['address', 'attached to server', 'pool'],
      ips.map((ip) => [ip.ipAddress, ip.nodeId ?? '(free)', ip.pool ?? '']),
      width,
    );
  }
  if (items.every(isFractal)) {
    const fractals = items as unknown as Fractal[];
    return renderTable(
      ['uuid', 'state', 'size', 'drawn by'],
      fractals.map((f) => [f.uuid, f.state, `${f.width} × ${f.height}`, f.generated_by ?? '']),
      width,
    );
  }
  return undefined;
}

const flat = (value: unknown) =>
  value === null || ['string', 'number', 'boolean', 'undefined', 'bigint'].includes(typeof value);

/** Records whose fields are plain values (images, flavors, the lab's rows): one column per field. */
function recordsTable(items: Fields[], width: number): string | undefined {
  const fields = [...new Set(items.flatMap((item) => Object.keys(item)))];
  const cellsFlat = items.every((item) =>
    Object.values(item).every((v) => flat(v) || (Array.isArray(v) && v.every(flat))),
  );
  if (fields.length === 0 || fields.length > 8 || !cellsFlat) return undefined;
  const cell = (v: unknown) =>
    v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v);
  return renderTable(
    fields,
    items.map((item) => fields.map((f) => cell(item[f]))),
    width,
  );
}

/** The text the prompt prints for a result. */
export function formatResult(value: unknown, options: PrintOptions = {}): string {
  const width = options.width ?? 80;
  if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
    const table = shapedTable(value, width) ?? recordsTable(value, width);
    if (table) return `${table}\n(${value.length} ${value.length === 1 ? 'row' : 'rows'})`;
  }
  if (isRecord(value) && !Array.isArray(value)) {
    const table = shapedTable([value], width);
    if (table) return table;
  }
  return inspect(value, { colors: options.colors ?? false, depth: 4, breakLength: width });
}
