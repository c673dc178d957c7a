// Chapter 1, preflight: this Node.js, the cloud (the one chosen with --cloud or OS_*, else the
// local cloud, started if needed through the fallback the caller passes in), room in its quota for
// the six servers of the scaled-out app as used/limit, and the lesson's key pair. It also makes
// the session's one cloud connection, which every later chapter uses.

import { connect } from '../../src/cloud/connect.ts';
import type { Connection } from '../../src/cloud/driver.ts';
import type { Limits } from '../../src/cloud/models.ts';
import { chooseFlavor, DEFAULT_FLAVOR, shortfall } from '../../src/lesson/choose.ts';
import { lessonKeyFile } from '../../src/lesson/ssh-call.ts';
import { LESSON_SERVERS } from '../../steps/lesson.ts';
import type { ChapterContext, CheckBook } from './context.ts';

/** The scaled-out app's servers: app-services, two API servers, three workers. */
export const SERVERS_NEEDED = 6;
export const MIN_NODE = [20, 19] as const;

export function nodeVersionOk(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/** "instances 2/10, vCPUs 2/20, RAM 4096/51200 MB" (-1 is "no limit"). */
export function quotaLine(limits: Limits): string {
  const one = (what: string, l: { used: number; limit: number }, unit = '') =>
    `${what} ${l.used}/${l.limit < 0 ? '∞' : l.limit}${unit}`;
  return [one('instances', limits.instances), one('vCPUs', limits.cores), one('RAM', limits.ram, ' MB')].join(
    ', ',
  );
}

/** The preflight's checks; resolves with the connection, or undefined when no cloud could be reached. */
export async function preflight(
  ctx: Omit<ChapterContext, 'conn'>,
  book: CheckBook,
): Promise<Connection | undefined> {
  const c = ctx as ChapterContext;
  const env = ctx.run.env ?? process.env;
  book.record(c, 'node-version', nodeVersionOk(process.version), `Node.js ${process.version}`);
  let conn: Connection;
  try {
    conn = await connect({
      ...(ctx.run.cloud ? { cloud: ctx.run.cloud } : {}),
      env,
      ...(ctx.run.fallback ? { fallback: ctx.run.fallback } : {}),
      ...(ctx.run.pollMs ? { pollMs: ctx.run.pollMs } : {}),
      report: (event) => ctx.emit({ type: 'step', chapter: ctx.chapter.number, event }),
    });
  } catch (error) {
    book.record(c, 'cloud', false, (error as Error).message);
    return undefined;
  }
  book.record(c, 'cloud', true, `using ${conn.label}`);
  const withConn: ChapterContext = { ...ctx, conn };

  const [limits, nodes, flavor] = await Promise.all([
    conn.exGetLimits(),
    conn.listNodes(),
    chooseFlavor(conn, env.FAAFO_FLAVOR || DEFAULT_FLAVOR),
  ]);
  // The lesson's own servers are removed or kept by its steps: they count as room.
  const ours = nodes.filter((n) => LESSON_SERVERS.includes(n.name)).length;
  const lacks = shortfall(limits, Math.max(0, SERVERS_NEEDED - ours), flavor);
  book.record(
    withConn,
    'quota',
    lacks.length === 0,
    `${quotaLine(limits)}${ours > 0 ? ` (${ours} of them the lesson's)` : ''}${lacks.length > 0 ? `; the lesson needs ${lacks.join('; ')}` : ''}`,
  );

  const hasKey = (await conn.listKeyPairs()).some((k) => k.name === 'demokey');
  const keyFile = lessonKeyFile(env);
  book.record(
    withConn,
    'key-pair',
    !hasKey || keyFile !== undefined,
    hasKey
      ? keyFile
        ? `demokey exists; its private key is ${keyFile}`
        : 'demokey exists, but no private key for it was found (demokey.pem, ~/.ssh/id_rsa, ~/.ssh/id_ed25519)'
      : 'no key pair demokey yet: the prelude imports ~/.ssh/id_rsa.pub or has the cloud make one',
  );
  return conn;
}
