// A new database node's first start is mostly initdb: PGlite builds a fresh cluster in WebAssembly,
// about 5 CPU-seconds, while starting on a cluster that exists takes about 1. A node's database
// gets a third of a host core (its flavor's one vCPU), so the guide's app-services took 18 s to boot
// here and over 30 s on a busy machine, where the node gave up waiting for it. So the first fresh
// cluster made is kept as a tar file (PGlite's own dump format) in the user's cache, and every later
// new node loads it instead of running initdb, as a cloud boots servers from an image. A cache that
// cannot be read or loaded is thrown away and initdb runs as before: it only ever costs time.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { writeFileAtomicSync } from '../shared/atomic-write.ts';
import { PACKAGE_ROOT } from '../shared/package-root.ts';

/** How the data directory came to be: it held a cluster, loaded from the cache, or made by initdb. */
export type ClusterOrigin = 'existing' | 'cache' | 'initdb';

export interface OpenedCluster {
  db: PGlite;
  origin: ClusterOrigin;
  /** Set when the cache could not be used or written: why (the cache is only ever a speed-up). */
  cacheProblem?: string;
}

/** The installed PGlite's version, from its package.json (which its exports do not list). */
export function pgliteVersion(): string {
  let dir = dirname(createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The cache file for this PGlite: a cluster made by another version must not be loaded. */
export function initdbCacheFile(cacheDir: string, version = pgliteVersion()): string {
  return join(cacheDir, `pglite-${version}-initdb.tar`);
}

const hasCluster = (dataDir: string | undefined) =>
  dataDir !== undefined && existsSync(join(dataDir, 'PG_VERSION'));

/** Empties the data directory a failed load left half-written, so initdb finds it empty. */
function emptyDir(dir: string | undefined): void {
  if (dir === undefined || !existsSync(dir)) return;
  for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
}

const reason = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');

/**
 * Opens PGlite on `dataDir` (in memory when undefined). A new cluster is loaded from `cacheFile`
 * when it exists; when it does not, initdb runs and its fresh cluster is written there for the next.
 */
export async function openCluster(
  dataDir: string | undefined,
  cacheFile: string | undefined,
): Promise<OpenedCluster> {
  const where = dataDir === undefined ? {} : { dataDir };
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  if (hasCluster(dataDir) || cacheFile === undefined) {
    const origin = hasCluster(dataDir) ? 'existing' : 'initdb';
    return { db: await PGlite.create(where), origin };
  }
  let cacheProblem: string | undefined;
  if (existsSync(cacheFile)) {
    try {
      const tar = new Blob([readFileSync(cacheFile)]);
      return { db: await PGlite.create({ ...where, loadDataDir: tar }), origin: 'cache' };
    } catch (error) {
      cacheProblem = `the cached cluster ${cacheFile} could not be loaded (${reason(error)}); made a new one`;
      rmSync(cacheFile, { force: true });
      emptyDir(dataDir);
    }
  }
  const db = await PGlite.create(where);
  try {
    // Before any client: the dump is the cluster exactly as initdb left it.
    const tar = await db.dumpDataDir('none');
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileAtomicSync(cacheFile, new Uint8Array(await tar.arrayBuffer()), 0o600);
  } catch (error) {
    cacheProblem ??= `the new cluster could not be cached in ${cacheFile} (${reason(error)})`;
  }
  return { db, origin: 'initdb', ...(cacheProblem ? { cacheProblem } : {}) };
}
