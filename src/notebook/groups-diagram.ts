// The security groups as the firewall between tiers: a table of every rule (port, from where) and
// a small SVG grid of which tier may reach which — "anywhere" for a CIDR source, another group's
// name for a group source — so step 2's rules read as a picture of the topology.
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

/**
 * Who may reach whom as a grid: a row per source ("anywhere" and each group), a column per group,
 * and in a cell the ports the rules open from that source to that group (blank: nothing gets in).
 */
export function reachSvg(groups: readonly string[], arrows: readonly Reach[]): string {
  const sources = ['anywhere', ...groups];
  const [labelW, cellW, cellH, top] = [110, 110, 30, 50];
  const width = labelW + cellW * groups.length + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + cellH * sources.length + 10}" font-family="sans-serif" font-size="12" data-chart="security-groups">`,
    `<text x="${labelW}" y="16" font-weight="bold">to (the group's servers) →</text>`,
    `<text x="4" y="${top - 8}" font-weight="bold">from ↓</text>`,
  ];
  groups.forEach((to, j) => {
    parts.push(
      `<text x="${labelW + cellW * j + cellW / 2}" y="${top - 8}" text-anchor="middle">${escapeHtml(to)}</text>`,
    );
  });
  sources.forEach((from, i) => {
    const y = top + cellH * i;
    parts.push(`<text x="4" y="${y + 19}">${escapeHtml(from)}</text>`);
    groups.forEach((to, j) => {
      const ports = arrows.find((a) => a.from === from && a.to === to)?.ports;
      const x = labelW + cellW * j;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cellW}" height="${cellH}" fill="${ports ? '#cfe8cf' : '#f4f4f4'}" stroke="#999"/>`,
      );
      if (ports)
        parts.push(
          `<text x="${x + cellW / 2}" y="${y + 19}" text-anchor="middle">${escapeHtml(ports)}</text>`,
        );
    });
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
