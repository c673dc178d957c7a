// The notebook generator: the committed notebooks are what it makes (what `notebooks:check`
// enforces, and it fails on a hand edit), each step's cell holds the step file's default function
// verbatim, and every name the steps import is one the notebook library exports.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lessonNotebooks } from '../../src/notebook/generate/lesson-notebooks.ts';
import { serialize } from '../../src/notebook/generate/notebook.ts';
import * as library from '../../src/notebook/index.ts';
import { LESSON } from '../../steps/lesson.ts';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('the notebook generator', () => {
  const notebooks = lessonNotebooks(ROOT);

  it('makes exactly the committed notebooks, nbformat 4 on tslab, without outputs', () => {
    expect(notebooks.size).toBeGreaterThanOrEqual(8);
    for (const [name, nb] of notebooks) {
      expect(readFileSync(join(ROOT, 'notebooks', name), 'utf8'), name).toBe(serialize(nb));
      expect(nb.nbformat).toBe(4);
      expect((nb.metadata.kernelspec as { name: string }).name).toBe('tslab');
      for (const cell of nb.cells) if (cell.cell_type === 'code') expect(cell.outputs).toEqual([]);
    }
  });

  it("puts each step's default function in a cell, verbatim, and runs it through lesson.run", () => {
    const cells = [...notebooks.values()].flatMap((nb) => nb.cells).map((c) => c.source.join(''));
    for (const step of LESSON) {
      if (step.id === 'prelude' || /^step-[1-7]$/.test(step.id)) {
        const source = readFileSync(join(ROOT, step.file), 'utf8');
        const fn = source.slice(source.indexOf('export default ') + 'export default '.length).trim();
        const cell = cells.find((c) => c.includes(fn));
        expect(cell, step.id).toBeDefined();
        expect(cell).toContain(`await lesson.run('${step.id}', `);
      }
    }
  });

  it('imports in the first cell only names the notebook library exports', () => {
    const setup = [...notebooks.values()][0]!.cells.find((c) => c.id.endsWith('-setup'))!.source.join('');
    const line = setup.split('\n').find((l) => l.includes("from 'faafo-tutor/dist/notebook'"))!;
    const values = line
      .replace(/^import \{ | \} from .*$/g, '')
      .split(', ')
      .filter((n) => !n.startsWith('type '));
    for (const name of values) expect(library, name).toHaveProperty(name);
  });

  it('notebooks:check passes on the tree and fails on a hand-edited notebook', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'notebooks-check-'));
    try {
      for (const dir of ['scripts', 'src', 'steps', 'notebooks'])
        cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
      cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
      const tsx = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
      const ok = await run(process.execPath, [tsx, 'scripts/notebooks.ts', '--check'], { cwd: copy });
      expect(ok.stdout).toContain('up to date');
      const file = join(copy, 'notebooks', '05-scale-out.ipynb');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('await lesson.nodes();', 'await lesson.groups();'),
      );
      const failed = await run(process.execPath, [tsx, 'scripts/notebooks.ts', '--check'], {
        cwd: copy,
      }).catch((e) => e);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('05-scale-out.ipynb differs');
      expect(failed.stderr).toContain('npm run notebooks');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
});
