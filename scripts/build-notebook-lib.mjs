// Builds what the notebooks import, dist/notebook/: src/notebook/index.ts and everything it reaches
// bundled into one CommonJS file (tslab compiles cells to CommonJS and require()s what they import;
// npm packages stay external and load from the package's node_modules), plus its type declarations
// (tsconfig.notebook.json) for tslab's type check, and a package.json that points both at them. A
// notebook imports it as 'faafo-tutor/dist/notebook'. `npm run build` runs it after the main build;
// `faafo-tutor notebook` and the notebook tests run it when it is missing or older than the sources.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'dist', 'notebook');
const require = createRequire(import.meta.url);

export async function buildNotebookLib() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'notebook', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    outfile: join(OUT, 'index.cjs'),
    logLevel: 'silent',
  });
  // import.meta is empty in CommonJS: a module that needs it must stay out of the notebooks' graph.
  // One is known and harmless: the render pool reads it only when `faafo render` draws in-process,
  // which the notebooks never do (they reach the faafo CLI for create, list and show).
  const warnings = result.warnings
    .filter((w) => !(w.location?.file === 'src/faafo/render/pool.ts' && w.text.includes('import.meta')))
    .map((w) => `${w.location?.file}:${w.location?.line}: ${w.text}`);
  if (warnings.length > 0)
    throw new Error(`The notebook library does not bundle cleanly:\n${warnings.join('\n')}`);
  const tsc = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.notebook.json')],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (tsc.status !== 0)
    throw new Error(`The notebook library's declarations failed:\n${tsc.stdout}${tsc.stderr}`);
  writeFileSync(
    join(OUT, 'package.json'),
    `${JSON.stringify({ type: 'commonjs', main: 'index.cjs', types: 'types/src/notebook/index.d.ts' }, null, 2)}\n`,
  );
  return OUT;
}

/** Whether TypeScript (a dev dependency, for the declarations) is installed. */
function hasTypeScript() {
  try {
    require.resolve('typescript/bin/tsc');
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --if-possible (npm's prepare): without TypeScript (npm ci --omit=dev) there is nothing to build with.
  if (process.argv.includes('--if-possible') && !hasTypeScript()) {
    console.log('faafo-tutor: TypeScript is not installed, so the notebook library was not built.');
    process.exit(0);
  }
  buildNotebookLib().then(
    (out) => console.log(`faafo-tutor: the notebook library is in ${out}`),
    (error) => {
      console.error(`faafo-tutor: ${error.message}`);
      process.exit(1);
    },
  );
}
