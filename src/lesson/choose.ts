// The image and the flavor the lesson's servers boot from, picked by name: the defaults exist on
// the local cloud (and on devstack); on a real cloud --image/--flavor (FAAFO_IMAGE/FAAFO_FLAVOR)
// name one of its own. A wrong name lists the ones there are.
import type { Connection } from '../cloud/driver.ts';
import { CloudError } from '../cloud/errors.ts';
import type { Image, Limits, Node, Size } from '../cloud/models.ts';

export const DEFAULT_IMAGE = 'ubuntu-22.04';
/** One vCPU, as the guide's "single CPU flavor instance". */
export const DEFAULT_FLAVOR = 'm1.small';

const listed = (names: string[]) =>
  names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');

/** The item of that name (or id), else one line listing the names there are and the flag to use. */
function byName<T extends { id: string; name: string }>(
  items: T[],
  name: string,
  what: { kind: 'image' | 'flavor'; plural: string; flag: string; env: string },
  cloud: string,
): T {
  const found = items.find((i) => i.name === name) ?? items.find((i) => i.id === name);
  if (found) return found;
  throw new CloudError(
    `There is no ${what.kind} named '${name}' in ${cloud}; its ${what.plural} are: ${listed(items.map((i) => i.name)) || 'none'}. ` +
      `Pick one with ${what.flag} NAME (or ${what.env}).`,
  );
}

export async function chooseImage(conn: Connection, name: string): Promise<Image> {
  const kind = { kind: 'image', plural: 'images', flag: '--image', env: 'FAAFO_IMAGE' } as const;
  return byName(await conn.listImages(), name, kind, conn.label);
}

export async function chooseFlavor(conn: Connection, name: string): Promise<Size> {
  const kind = { kind: 'flavor', plural: 'flavors', flag: '--flavor', env: 'FAAFO_FLAVOR' } as const;
  return byName(await conn.listSizes(), name, kind, conn.label);
}

/** What is missing for `count` more servers of `flavor`, as phrases; empty when the quota allows them. */
export function shortfall(limits: Limits, count: number, flavor: Size): string[] {
  const lacks: string[] = [];
  const room = (l: { limit: number; used: number }) =>
    l.limit < 0 ? Number.POSITIVE_INFINITY : l.limit - l.used;
  const need = [
    ['instances', count, room(limits.instances), ''],
    ['vCPUs', count * flavor.vcpus, room(limits.cores), ''],
    ['RAM', count * flavor.ram, room(limits.ram), ' MB'],
  ] as const;
  for (const [what, wanted, left, unit] of need) {
    if (wanted > left) lacks.push(`${wanted}${unit} ${what} but only ${Math.max(0, left)}${unit} are left`);
  }
  return lacks;
}

/** Before a step creates servers: refuse at once when the quota cannot hold them. */
export async function checkQuota(
  conn: Connection,
  stepName: string,
  creates: string[],
  flavor: Size,
  existing: Node[],
): Promise<void> {
  const missing = creates.filter((name) => !existing.some((n) => n.name === name && n.state !== 'error'));
  if (missing.length === 0) return;
  const lacks = shortfall(await conn.exGetLimits(), missing.length, flavor);
  if (lacks.length > 0) {
    throw new CloudError(
      `${stepName} needs ${missing.length} more server(s) of flavor ${flavor.name} (${missing.join(', ')}), ` +
        `and the quota of ${conn.label} does not allow it: ${lacks.join('; ')}. Nothing was created. ` +
        "Delete servers you no longer need (`faafo-tutor step 1` removes the lesson's), pick a smaller --flavor, or ask for a larger quota.",
    );
  }
}
