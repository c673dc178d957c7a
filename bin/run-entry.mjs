// Which code a bin runs: the JavaScript that `npm run build` compiled into dist/ (npm ci runs it as
// `prepare`), or the TypeScript sources through tsx. The built code starts in about half the time
// and memory (`npm run bench` measures it), which every local-cloud node, step and tutor
// sub-process pays. A build runs only when it is of the sources as they are now
// (bin/build-stamp.mjs), so an edited checkout never runs stale code: it runs its sources, as in
// development. FAAFO_RUN_TS=1 always runs the sources (the tests set it).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtIsCurrent, DIST_DIR, PACKAGE_ROOT } from './build-stamp.mjs';

export const RUN_TS_VARIABLE = 'FAAFO_RUN_TS';

/**
 * The module a bin runs: `name` is its source path without extension, e.g. "src/bin/faafo".
 * @param {string} name
 * @param {string} root
 * @param {Record<string, string | undefined>} env
 */
export function entryFor(name, root = PACKAGE_ROOT, env = process.env) {
  const built = env[RUN_TS_VARIABLE] !== '1' && builtIsCurrent(root);
  return pathToFileURL(join(root, built ? join(DIST_DIR, `${name}.js`) : `${name}.ts`));
}

/** @param {string} name */
export async function runEntry(name) {
  const entry = entryFor(name);
  if (entry.pathname.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  await import(entry.href);
}
