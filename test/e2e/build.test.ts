// The build that `npm ci` runs (`prepare`: scripts/build.mjs, tsc into dist/) on a fresh copy of the
// package, as a clean clone has it: the built bins print what the sources print, a render's threads
// load from dist/, the node command lines point at the package's bin/, and a build older than its
// sources is never run. The copy keeps the repository's own dist/ out of it.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const COPIED = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'bin',
  'scripts',
  'src',
  'steps',
  'tutor',
];

let copy: string;
let buildOutput: string;

/** The environment without the tests' FAAFO_RUN_TS, so a bin may choose the build. */
function envFor(runTs: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FAAFO_RUN_TS;
  return runTs ? { ...env, FAAFO_RUN_TS: '1' } : env;
}

async function bin(root: string, name: string, args: string[], runTs = false) {
  const { stdout } = await run(process.execPath, [join(root, 'bin', name), ...args], {
    env: envFor(runTs),
    cwd: copy,
    encoding: 'utf8',
  });
  return stdout;
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'faafo-build-'));
  for (const entry of COPIED)
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const started = performance.now();
  const { stdout, stderr } = await run(process.execPath, [join(copy, 'scripts', 'build.mjs')], {
    env: envFor(false),
    cwd: copy,
  });
  buildOutput = `${stdout}${stderr}`;
  console.log(`the build took ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('the build', () => {
  it('compiles src/ and steps/ into dist/, one level down, and stamps it', () => {
    expect(buildOutput).toBe('');
    for (const file of ['src/bin/faafo.js', 'src/bin/faafo-tutor.js', 'steps/step-1.js', 'build-stamp.json'])
      expect(existsSync(join(copy, 'dist', file)), file).toBe(true);
  });

  it('faafo --help and faafo-tutor --help print from dist/ what the sources print through tsx', async () => {
    for (const name of ['faafo.mjs', 'faafo-tutor.mjs']) {
      const built = await bin(copy, name, ['--help']);
      expect(built).toContain('Usage:');
      expect(built).toBe(await bin(ROOT, name, ['--help'], true));
    }
  });

  it('faafo render from dist/ renders the same PNG as the sources (its threads load thread.js)', async () => {
    const args = ['render', '--width', '48', '--height', '32', '--threads', '2', '-o'];
    await bin(copy, 'faafo.mjs', [...args, join(copy, 'built.png')]);
    await bin(ROOT, 'faafo.mjs', [...args, join(copy, 'sources.png')], true);
    expect(readFileSync(join(copy, 'built.png')).equals(readFileSync(join(copy, 'sources.png')))).toBe(true);
  });

  it("the local cloud's node command lines, from dist/, name the package's own bin/", async () => {
    // The nodes (nodes/roles.ts) and `cloud up` (control/up.ts) take both paths from src/shared/bins.ts.
    const script = `const bins = await import(${JSON.stringify(join(copy, 'dist/src/shared/bins.js'))});
      console.log(JSON.stringify([bins.FAAFO_BIN, bins.TUTOR_BIN]));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: copy });
    expect(JSON.parse(stdout)).toEqual([
      join(copy, 'bin', 'faafo.mjs'),
      join(copy, 'bin', 'faafo-tutor.mjs'),
    ]);
  });

  it('runs only while it is of the current sources: an edited source runs from src/', async () => {
    // Mark the built program so its output shows which code ran.
    const builtProgram = join(copy, 'dist/src/faafo/cli/program.js');
    const marked = readFileSync(builtProgram, 'utf8').replace(
      "'print the version number'",
      "'print the version number (built)'",
    );
    writeFileSync(builtProgram, marked);
    expect(await bin(copy, 'faafo.mjs', ['--help'])).toContain('print the version number (built)');
    expect(await bin(copy, 'faafo.mjs', ['--help'], true)).not.toContain('(built)');

    const sourceProgram = join(copy, 'src/faafo/cli/program.ts');
    writeFileSync(
      sourceProgram,
      readFileSync(sourceProgram, 'utf8').replace(
        "'print the version number'",
        "'print the version number (edited)'",
      ),
    );
    const help = await bin(copy, 'faafo.mjs', ['--help']);
    expect(help).toContain('print the version number (edited)');
    expect(help).not.toContain('(built)');
  });
});
