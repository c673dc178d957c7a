// Whether the tslab kernel Jupyter finds first can start: a kernelspec naming a command that is
// gone (an npx cache cleared, a clone deleted) is broken, not installed, and is replaced in place.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelState, prefixOf } from '../../src/notebook/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'kernel-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const argv = (command: string) => [command, 'kernel', '--config-path', '{connection_file}'];
const spec = '/opt/j/share/jupyter/kernels/tslab';

describe('kernelState', () => {
  it('is missing when Jupyter finds no tslab kernelspec', () => {
    expect(kernelState(null, null)).toEqual({ state: 'missing' });
    expect(kernelState(spec, [])).toEqual({ state: 'missing' });
  });

  it('is installed when the command it names by path is an executable file', () => {
    const tslab = join(dir, 'tslab');
    writeFileSync(tslab, '#!/bin/sh\n');
    chmodSync(tslab, 0o755);
    expect(kernelState(spec, argv(tslab))).toEqual({ state: 'installed', dir: spec, command: tslab });
  });

  it('is broken when that file is gone or cannot be run', () => {
    const gone = join(dir, 'gone', 'tslab');
    expect(kernelState(spec, argv(gone))).toEqual({ state: 'broken', dir: spec, command: gone });
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '');
    chmodSync(plain, 0o644);
    expect(kernelState(spec, argv(plain)).state).toBe('broken');
  });

  it('looks a bare command up on PATH, without a shell', () => {
    expect(kernelState(spec, argv('sh')).state).toBe('installed');
    expect(kernelState(spec, argv('no-such-tslab-command')).state).toBe('broken');
    expect(kernelState(spec, argv('tslab; touch x')).state).toBe('broken');
  });
});

describe('prefixOf', () => {
  it('gives the prefix a kernelspec was installed under, or nothing for another shape', () => {
    expect(prefixOf(spec)).toBe('/opt/j');
    expect(prefixOf('/root/.local/share/jupyter/kernels/tslab')).toBe('/root/.local');
    expect(prefixOf('/srv/kernels/tslab')).toBeUndefined();
  });
});
