// When a bin may run the build in dist/ (bin/build-stamp.mjs, bin/run-entry.mjs): only when the
// build is of the sources as they are now. Checked on a small package tree in a temp dir, with the
// dates set by hand, so no build is needed.
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtIsCurrent, STAMP, sourceDigest, writeStamp } from '../../bin/build-stamp.mjs';
import { entryFor } from '../../bin/run-entry.mjs';

const HOUR = 3_600_000;
const BEFORE = new Date(Date.now() - 24 * HOUR);
const BUILD_TIME = new Date(Date.now() - 2 * HOUR);
const AFTER = new Date(Date.now() - HOUR);

let root: string;

/** Writes a file dated `when` (and its directory, as an unpacked tree would have it). */
function write(path: string, text: string, when = BEFORE): void {
  const file = join(root, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  utimesSync(file, when, when);
  utimesSync(join(file, '..'), when, when);
}

function build(): void {
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeStamp(root, BUILD_TIME, sourceDigest(root));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'faafo-build-stamp-'));
  write('src/bin/faafo.ts', 'export {};\n');
  write('steps/step-1.ts', 'export const step = 1;\n');
  for (const dir of ['src', 'steps']) utimesSync(join(root, dir), BEFORE, BEFORE);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('whether the build is current', () => {
  it('is not when nothing was built, or the build did not finish (no stamp)', () => {
    expect(builtIsCurrent(root)).toBe(false);
    mkdirSync(join(root, 'dist/src/bin'), { recursive: true });
    writeFileSync(join(root, 'dist/src/bin/faafo.js'), 'export {};\n');
    expect(builtIsCurrent(root)).toBe(false);
  });

  it('is when no source changed after the build started', () => {
    build();
    expect(builtIsCurrent(root)).toBe(true);
  });

  it('is not when a source was edited after the build started', () => {
    build();
    write('steps/step-1.ts', 'export const step = 2;\n', AFTER);
    expect(builtIsCurrent(root)).toBe(false);
  });

  it('is not when a source was added, renamed or deleted (the names are part of the digest)', () => {
    build();
    write('tutor/app.tsx', 'export {};\n', AFTER);
    expect(builtIsCurrent(root)).toBe(false);
    rmSync(join(root, 'tutor'), { recursive: true });
    expect(builtIsCurrent(root)).toBe(true);

    // A rename keeps the file's own date; only its directory's date and its name change.
    renameSync(join(root, 'steps/step-1.ts'), join(root, 'steps/step-one.ts'));
    expect(builtIsCurrent(root)).toBe(false);
  });

  it('is when every file is dated after the build but the contents are the same (an unpacked package), and then re-dates the stamp', () => {
    build();
    for (const path of ['src', 'src/bin', 'src/bin/faafo.ts', 'steps', 'steps/step-1.ts'])
      utimesSync(join(root, path), AFTER, AFTER);
    expect(builtIsCurrent(root)).toBe(true);
    // The next start takes the cheap path: the stamp is now newer than every source.
    expect(statSync(join(root, STAMP)).mtimeMs).toBeGreaterThan(AFTER.getTime());
  });
});

describe('which module a bin runs', () => {
  it('the build when it is current, the sources when it is not or when FAAFO_RUN_TS=1', () => {
    const built = join(root, 'dist/src/bin/faafo.js');
    const source = join(root, 'src/bin/faafo.ts');
    expect(fileURLToPath(entryFor('src/bin/faafo', root, {}))).toBe(source);
    build();
    expect(fileURLToPath(entryFor('src/bin/faafo', root, {}))).toBe(built);
    expect(fileURLToPath(entryFor('src/bin/faafo', root, { FAAFO_RUN_TS: '1' }))).toBe(source);
    write('src/bin/faafo.ts', 'export const changed = true;\n', AFTER);
    expect(fileURLToPath(entryFor('src/bin/faafo', root, {}))).toBe(source);
  });
});
