// The notebooks executed end to end on the tslab kernel (Debian's jupyter-nbconvert, the kernelspec
// installed into a temporary JUPYTER_PATH) against a fresh local cloud, in chapter order, from a
// working folder made as `faafo-tutor notebook` makes it. Then their outputs: no error anywhere, the
// six scaled-out servers ACTIVE in the node table with their groups, a PNG fractal, the load chart;
// all of them executed a second time (cells re-run on the scaled-out cloud) still without error;
// and a cell that cannot reach the cloud shows one line, no stack.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotebookLib } from '../../scripts/build-notebook-lib.mjs';
import { prepareWorkspace } from '../../src/notebook/workspace.ts';
import { cleanEnv, runTutor } from '../helpers/localcloud.ts';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const hasJupyter = existsSync(PYTHON) && existsSync('/usr/bin/jupyter-nbconvert');

interface Output {
  output_type: string;
  name?: string;
  text?: string[] | string;
  data?: Record<string, string | string[]>;
}
interface ExecutedCell {
  cell_type: string;
  id: string;
  outputs?: Output[];
}

let home: string;
let work: string;
let env: NodeJS.ProcessEnv;

const text = (v: string[] | string | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));

async function execute(name: string, allowErrors = false): Promise<ExecutedCell[]> {
  const out = join(home, 'out', `${name}`);
  const args = ['-m', 'nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=900'];
  await run(PYTHON, [...args, ...(allowErrors ? ['--allow-errors'] : []), '--output', out, name], {
    cwd: work,
    env,
    timeout: 1_200_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(readFileSync(out, 'utf8')) as { cells: ExecutedCell[] }).cells;
}

/** Error outputs and stderr streams: what a learner would see as something gone wrong. */
const errorsOf = (cells: ExecutedCell[]) =>
  cells.flatMap((c) =>
    (c.outputs ?? [])
      .filter((o) => o.output_type === 'error' || o.name === 'stderr')
      .map((o) => `${c.id}: ${text(o.text)}`),
  );

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'notebooks-e2e-'));
  work = join(home, 'work');
  mkdirSync(join(home, 'out'));
  await buildNotebookLib();
  prepareWorkspace(ROOT, work);
  env = cleanEnv({
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    FAAFO_CLOUD_DIR: join(home, 'cloud'),
    FAAFO_RUN_TS: '1',
    JUPYTER_PATH: join(home, 'jupyter', 'share', 'jupyter'),
    JUPYTER_CONFIG_DIR: join(home, 'jupyter-config'),
    JUPYTER_DATA_DIR: join(home, 'jupyter-data'),
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
  });
  if (hasJupyter) {
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/tslab/bin/tslab'),
        'install',
        `--python=${PYTHON}`,
        `--prefix=${join(home, 'jupyter')}`,
      ],
      { env },
    );
  }
}, 120_000);

afterAll(async () => {
  await runTutor(['cloud', 'down', '--data-dir', join(home, 'cloud')], env);
  rmSync(home, { recursive: true, force: true });
}, 120_000);

describe.skipIf(!hasJupyter)('the notebooks on the tslab kernel', () => {
  const notebooks = readdirSync(join(ROOT, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb'))
    .sort();
  const executed = new Map<string, ExecutedCell[]>();

  it('run end to end in chapter order against a fresh local cloud, with no error output', async () => {
    for (const name of notebooks) {
      const cells = await execute(name);
      expect(errorsOf(cells), name).toEqual([]);
      executed.set(name, cells);
    }
  }, 1_800_000);

  it('show the six scaled-out servers ACTIVE with their groups, a PNG fractal and the load chart', () => {
    const all = [...executed.values()].flat();
    const html = (id: string) =>
      all
        .filter((c) => c.id === id)
        .flatMap((c) => (c.outputs ?? []).map((o) => text(o.data?.['text/html'])));
    const table = html('scale-out-show-0').join('');
    for (const [name, group] of [
      ['app-services', 'services'],
      ['app-api-1', 'api'],
      ['app-api-2', 'api'],
      ['app-worker-1', 'worker'],
      ['app-worker-2', 'worker'],
      ['app-worker-3', 'worker'],
    ]) {
      expect(table).toMatch(new RegExp(`<td[^>]*>${name}</td><td[^>]*>ACTIVE</td><td[^>]*>${group}</td>`));
    }
    const pngs = all.flatMap((c) =>
      (c.outputs ?? []).flatMap((o) => (o.data?.['image/png'] ? [text(o.data['image/png'])] : [])),
    );
    expect(pngs.length).toBeGreaterThan(0);
    const image = PNG.sync.read(Buffer.from(pngs[0]!, 'base64'));
    expect(image.width).toBeGreaterThan(0);
    expect(
      new Set(
        Array.from({ length: 64 }, (_, i) =>
          image.data.readUInt32BE(4 * Math.floor((i * image.data.length) / 256)),
        ),
      ).size,
    ).toBeGreaterThan(1);
    const charts = all.flatMap((c) => (c.outputs ?? []).map((o) => text(o.data?.['image/svg+xml'])));
    expect(charts.filter((svg) => svg.includes('data-chart="node-load"')).length).toBeGreaterThanOrEqual(2);
  });

  it('run again on the scaled-out cloud, still with no error output', async () => {
    for (const name of notebooks.filter(
      (n) => !n.includes('where-we-are') && !n.includes('overload-worker'),
    )) {
      expect(errorsOf(await execute(name)), name).toEqual([]);
    }
  }, 1_800_000);

  it('a cell that cannot reach the cloud shows the one-line reason, no stack', async () => {
    const { stdout } = await runTutor(['cloud', 'env', '--data-dir', join(home, 'cloud')], env);
    const configured = { ...env };
    for (const line of stdout.split('\n')) {
      const m = /^export (OS_\w+)=(.*)$/.exec(line);
      if (m) configured[m[1]!] = m[2]!.replace(/^'|'$/g, '');
    }
    await runTutor(['cloud', 'down', '--data-dir', join(home, 'cloud')], env);
    const saved = env;
    env = configured;
    try {
      const cells = await execute('08-wrap-up.ipynb', true);
      const errors = errorsOf(cells);
      expect(errors.length).toBeGreaterThan(0);
      const first = errors[0]!.replace(/^[^:]+: /, '').trim();
      expect(first.split('\n')).toHaveLength(1);
      expect(first).not.toMatch(/\n\s+at |evalmachine/);
    } finally {
      env = saved;
    }
  }, 300_000);
});
