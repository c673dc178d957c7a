// Whether dist/ holds a build of the sources as they are now. scripts/build.mjs writes the stamp
// when a build succeeds: dated when the build started, holding a digest of the sources it read.
// The cheap test is the dates (no source newer than the stamp: a few ms for the whole tree). A
// source with a newer date is compared by content, because npm unpacks an installed package with
// every file dated by when it was unpacked; when the contents match, the stamp is re-dated so the
// next start takes the cheap path again.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What tsconfig.build.json compiles, mirrored one level down in dist/. */
export const SOURCE_DIRS = ['src', 'steps', 'tutor'];
export const DIST_DIR = 'dist';
export const STAMP = join(DIST_DIR, 'build-stamp.json');

/** @param {string} path */
const mtimeMs = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs;

/**
 * Every path under the source directories (directories too), relative to root, in a fixed order.
 * @param {string} root
 */
function sourcePaths(root) {
  /** @type {string[]} */
  const paths = [];
  for (const dir of SOURCE_DIRS) {
    if (mtimeMs(join(root, dir)) === undefined) continue;
    paths.push(dir);
    for (const entry of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }))
      paths.push(join(dir, entry));
  }
  return paths.sort();
}

/**
 * The latest change under the sources; a directory's own date counts a rename or a delete.
 * @param {string} root
 */
export function newestSourceMs(root = PACKAGE_ROOT) {
  return Math.max(0, ...sourcePaths(root).map((path) => mtimeMs(join(root, path)) ?? 0));
}

/**
 * One digest of the sources' names and contents.
 * @param {string} root
 */
export function sourceDigest(root = PACKAGE_ROOT) {
  const hash = createHash('sha256');
  for (const path of sourcePaths(root)) {
    if (!statSync(join(root, path)).isFile()) continue;
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Records a finished build of the sources that had `digest` when it `started`.
 * @param {string} root
 * @param {Date} started
 * @param {string} digest
 */
export function writeStamp(root, started, digest) {
  const file = join(root, STAMP);
  writeFileSync(file, `${JSON.stringify({ builtAt: started.toISOString(), sources: digest })}\n`);
  utimesSync(file, started, started);
}

/**
 * True when dist/ holds a finished build and the sources are still the ones it was built from.
 * @param {string} root
 */
export function builtIsCurrent(root = PACKAGE_ROOT) {
  const file = join(root, STAMP);
  const stamped = mtimeMs(file);
  if (stamped === undefined) return false;
  const newest = newestSourceMs(root);
  if (newest <= stamped) return true;
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')).sources;
  } catch {
    return false;
  }
  if (recorded !== sourceDigest(root)) return false;
  try {
    const redated = new Date(Math.max(Date.now(), newest));
    utimesSync(file, redated, redated);
  } catch {
    // A read-only install: the contents were compared, which is all the next start needs too.
  }
  return true;
}
