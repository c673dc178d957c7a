// The security groups as the firewall between tiers: a table of every rule (port, from where) and
// a small SVG of which tier may reach which — "anywhere" for a CIDR source, another group's name
// for a group source — so step 2's rules read as a picture of the topology.
import type { Connection } from '../cloud/driver.ts';
import type { SecurityGroup } from '../cloud/models.ts';
import { type Display, escapeHtml, htmlTable } from './display.ts';

const LESSON_GROUPS = ['control', 'api', 'worker', 'services'];

/** One arrow: from a source (a group's name, or "anywhere") to a group, on ports. */
export interface Reach {
  from: string;
  to: string;
  ports: string;
}

const portsOf = (from: number | null, to: number | null) =>
  from === null ? 'any' : from === to ? String(from) : `${from}-${to}`;

/** Who may reach whom, one entry per source and target with its ports joined. */
export function reaches(groups: readonly SecurityGroup[]): Reach[] {
  const byId = new Map(groups.map((g) => [g.id, g.name]));
  const merged = new Map<string, Reach>();
  for (const group of groups) {
    for (const rule of group.rules) {
      const from = rule.sourceGroupId ? (byId.get(rule.sourceGroupId) ?? rule.sourceGroupId) : 'anywhere';
      const key = `${from}→${group.name}`;
      const ports = portsOf(rule.fromPort, rule.toPort);
      const seen = merged.get(key);
      merged.set(key, seen ? { ...seen, ports: `${seen.ports}, ${ports}` } : { from, to: group.name, ports });
    }
  }
  return [...merged.values()];
}

/** Boxes for "anywhere" and each group in a row; one arrow per reach, curved above the boxes. */
export function reachSvg(groups: readonly string[], arrows: readonly Reach[]): string {
  const names = ['anywhere', ...groups];
  const boxW = 110;
  const gap = 40;
  const top = 40 + 26 * arrows.length;
  const x = (name: string) => 10 + names.indexOf(name) * (boxW + gap) + boxW / 2;
  const width = names.length * (boxW + gap);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + 50}" font-family="sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>',
  ];
  for (const name of names) {
    parts.push(
      `<rect x="${x(name) - boxW / 2}" y="${top}" width="${boxW}" height="30" rx="6" fill="${name === 'anywhere' ? '#eee' : '#dbe9f6'}" stroke="#333"/>`,
      `<text x="${x(name)}" y="${top + 19}" text-anchor="middle">${escapeHtml(name)}</text>`,
    );
  }
  arrows.forEach((arrow, i) => {
    if (!names.includes(arrow.from) || !names.includes(arrow.to)) return;
    const [a, b] = [x(arrow.from), x(arrow.to)];
    const lift = top - 20 - 26 * i;
    const path =
      a === b
        ? `M${a - 20},${top} C${a - 20},${lift} ${a + 20},${lift} ${a + 20},${top}`
        : `M${a},${top} C${a},${lift} ${b},${lift} ${b},${top}`;
    parts.push(
      `<path d="${path}" fill="none" stroke="#36c" marker-end="url(#arrow)"/>`,
      `<text x="${(a + b) / 2}" y="${lift + 22}" text-anchor="middle" fill="#036">${escapeHtml(arrow.ports)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

export async function showSecurityGroups(conn: Connection, display: Display): Promise<Reach[]> {
  const groups = (await conn.exListSecurityGroups()).filter((g) => LESSON_GROUPS.includes(g.name));
  const arrows = reaches(groups);
  display.html(
    htmlTable(
      `Security groups in ${conn.label}`,
      ['group', 'port(s)', 'from'],
      arrows.map((r) => [r.to, r.ports, r.from]),
    ),
  );
  display.svg(
    reachSvg(
      LESSON_GROUPS.filter((n) => groups.some((g) => g.name === n)),
      arrows,
    ),
  );
  return arrows;
}
