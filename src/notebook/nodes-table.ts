// The lesson's servers as an HTML table: name, Nova status, security group, fixed and floating
// address, and the 1/5/15-minute load from Nova's server diagnostics (the lab's reading of them),
// so a learner sees the topology — and which node is busy — at a glance.
import type { Connection } from '../cloud/driver.ts';
import type { Node } from '../cloud/models.ts';
import { parseDiagnostics } from '../lab/node-meter.ts';
import { type Display, htmlTable } from './display.ts';

export interface NodeRow {
  name: string;
  status: string;
  groups: string;
  fixed: string;
  floating: string;
  load: string;
}

/** One node's load as `uptime` prints it, or why there is none. */
async function loadOf(conn: Connection, node: Node): Promise<string> {
  if (node.status !== 'ACTIVE') return '';
  try {
    const { loadavg } = parseDiagnostics(await conn.exGetServerDiagnostics(node));
    return loadavg ? loadavg.map((l) => l.toFixed(2)).join(', ') : 'not reported';
  } catch {
    return 'not reported';
  }
}

/** The rows, sorted by name: what the table shows (and what tests read). */
export async function nodeRows(conn: Connection): Promise<NodeRow[]> {
  const nodes = [...(await conn.listNodes())].sort((a, b) => a.name.localeCompare(b.name));
  return Promise.all(
    nodes.map(async (node) => ({
      name: node.name,
      status: node.status,
      groups: node.securityGroups.join(', '),
      fixed: node.privateIps.join(', '),
      floating: node.floatingIps.join(', '),
      load: await loadOf(conn, node),
    })),
  );
}

export async function showNodes(conn: Connection, display: Display): Promise<NodeRow[]> {
  const rows = await nodeRows(conn);
  display.html(
    htmlTable(
      `${rows.length} server(s) in ${conn.label}`,
      [
        'name',
        'status',
        'security group',
        'fixed address',
        'floating address',
        'load average (1, 5, 15 min)',
      ],
      rows.map((r) => [r.name, r.status, r.groups, r.fixed, r.floating, r.load]),
    ),
  );
  return rows;
}
