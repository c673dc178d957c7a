// `npm run build`, also run by `npm ci` and `npm pack` as `prepare`: compiles src/, steps/ and
// tutor/ to ESM JavaScript in dist/ with plain tsc (tsconfig.build.json), then writes the stamp
// that tells the bins the build is current (bin/build-stamp.mjs). The stamp is dated when the build
// started and holds the digest of the sources as they were then, so a source saved during the
// build makes it stale. Type errors do not stop the build (`npm run typecheck` is the check);
// without TypeScript installed (npm ci --omit=dev) nothing is built and the bins run the sources
// through tsx.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DIST_DIR, PACKAGE_ROOT, STAMP, sourceDigest, writeStamp } from '../bin/build-stamp.mjs';

const started = new Date();
const digest = sourceDigest(PACKAGE_ROOT);
rmSync(join(PACKAGE_ROOT, STAMP), { force: true });

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.log(
    'faafo-tutor: TypeScript is not installed, so nothing was built; the commands run the sources through tsx.',
  );
  process.exit(0);
}

const result = spawnSync(process.execPath, [tsc, '-p', join(PACKAGE_ROOT, 'tsconfig.build.json')], {
  cwd: PACKAGE_ROOT,
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error(
    `faafo-tutor: the build (tsc -p tsconfig.build.json) failed with ${result.error?.message ?? `exit code ${result.status}`}; the commands run the sources through tsx until \`npm run build\` succeeds.`,
  );
  process.exit(1);
}
mkdirSync(join(PACKAGE_ROOT, DIST_DIR), { recursive: true });
writeStamp(PACKAGE_ROOT, started, digest);
