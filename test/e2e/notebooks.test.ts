// The notebooks executed end to end on the tslab kernel (Debian's jupyter-nbconvert, the kernelspec
// installed into a temporary JUPYTER_PATH) against a fresh local cloud, in chapter order, from a
// working folder made as `faafo-tutor notebook` makes it. Then their outputs: no error anywhere, the
// six scaled-out servers ACTIVE in the node table with their groups, a PNG fractal, the load chart;
// each notebook executed a second time in a row (its cells re-run on the cloud it left) still
// without error;
// and a cell that cannot reach the cloud shows one line, no stack.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotebookLib } from '../../scripts/build-notebook-lib.mjs';
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
  source?: string[] | string;
  outputs?: Output[];
}

/** Runs a notebook's first cell, then the command argv[3] (JSON), then its last code cell; prints both cells' outputs. */
const BETWEEN_CELLS = `
import json, subprocess, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
code = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code']
client = NotebookClient(nb, timeout=600, kernel_name='tslab', allow_errors=True, resources={'metadata': {'path': sys.argv[2]}})
with client.setup_kernel():
    client.execute_cell(nb.cells[code[0]], code[0])
    subprocess.run(json.loads(sys.argv[3]), check=True, stdout=subprocess.DEVNULL)
    client.execute_cell(nb.cells[code[-1]], code[-1])
print(json.dumps([nb.cells[code[0]].outputs, nb.cells[code[-1]].outputs]))
`;

let home: string;
let work: string;
let env: NodeJS.ProcessEnv;
type Ran = Awaited<ReturnType<typeof runTutor>>;
let doctorBefore: Ran;
let refused: Ran;
let folderAfterRefusal: boolean;
let prepared: Ran;
let doctorAfter: Ran;

const text = (v: string[] | string | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));

async function execute(name: string): Promise<ExecutedCell[]> {
  const out = join(home, 'out', `${name}`);
  const args = ['-m', 'nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=900'];
  await run(PYTHON, [...args, '--output', out, name], {
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
    // A tslab kernelspec whose command is gone (as after an npx cache was cleared), first on
    // JUPYTER_PATH: it shadows any tslab kernel this machine has elsewhere, so doctor's verdict
    // does not depend on the machine, and `faafo-tutor notebook` must replace it where it is.
    const staleDir = join(home, 'jupyter', 'share', 'jupyter', 'kernels', 'tslab');
    mkdirSync(staleDir, { recursive: true });
    writeFileSync(
      join(staleDir, 'kernel.json'),
      JSON.stringify({
        argv: [join(home, 'gone', 'tslab'), 'kernel', '--config-path', '{connection_file}'],
        display_name: 'TypeScript',
        language: 'typescript',
      }),
    );
    // As a learner would: doctor, then `faafo-tutor notebook` installs the kernel again (in the
    // broken one's place, under the temporary JUPYTER_PATH, so nothing of this machine's Jupyter
    // changes) and makes the working folder.
    doctorBefore = await runTutor(['doctor'], env);
    // No terminal to ask and no --yes: nothing is installed, the one command is printed.
    refused = await runTutor(['notebook', '--no-open', '--dir', work], env);
    folderAfterRefusal = existsSync(work);
    prepared = await runTutor(['notebook', '--yes', '--no-open', '--dir', work], env);
    doctorAfter = await runTutor(['doctor'], env);
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

  it('doctor reports the broken kernel; `faafo-tutor notebook` installs it again in its place and copies the notebooks', () => {
    const kernelDir = join(home, 'jupyter', 'share', 'jupyter', 'kernels', 'tslab');
    const gone = join(home, 'gone', 'tslab');
    const install = `\\S+ install --python=/usr/bin/python3 --binary=\\S+ --prefix=${join(home, 'jupyter')}`;
    expect(doctorBefore.code, doctorBefore.stdout).toBe(1);
    expect(doctorBefore.stdout).toContain('✓ Python with Jupyter: /usr/bin/python3');
    expect(doctorBefore.stdout).toMatch(
      new RegExp(
        `✗ the tslab kernel in ${kernelDir} starts ${gone}, which is not there any more: ${install}\\n`,
      ),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^faafo-tutor: The tslab kernel in ${kernelDir} starts ${gone}, which is not there any more; install it with \`${install}\`, then run \`faafo-tutor notebook\` again\\.\\n$`,
      ),
    );
    expect(folderAfterRefusal).toBe(false);
    expect(prepared.code, prepared.stderr).toBe(0);
    expect(prepared.stdout).toContain('Installed the tslab kernel for /usr/bin/python3.');
    expect(prepared.stdout).toContain(`The notebooks are in ${work} (${notebooks.length} copied)`);
    expect(
      readdirSync(work)
        .filter((f) => f.endsWith('.ipynb'))
        .sort(),
    ).toEqual(notebooks);
    expect(doctorAfter.stdout).toContain(`✓ the tslab TypeScript kernel is installed (${kernelDir})`);
    expect(doctorAfter.code, doctorAfter.stdout).toBe(0);
  });

  it('run end to end in chapter order against a fresh local cloud, each twice in a row, with no error output', async () => {
    for (const name of notebooks) {
      const cells = await execute(name);
      expect(errorsOf(cells), name).toEqual([]);
      executed.set(name, cells);
      // Again at once, on the cloud the first run left (scaled out, after chapter 5).
      expect(errorsOf(await execute(name)), `${name}, run again`).toEqual([]);
    }
  }, 2_400_000);

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
    const loadCharts = charts.filter((svg) => svg.includes('data-chart="node-load"'));
    expect(loadCharts.length).toBeGreaterThanOrEqual(2);
    // A curve, not a dot: the batch lasts long enough for several readings of every series.
    for (const svg of loadCharts) {
      const points = [...svg.matchAll(/points="([^"]*)"/g)].map((m) => m[1]!.split(' ').length);
      expect(Math.min(...points), svg.slice(0, 300)).toBeGreaterThanOrEqual(3);
    }
  });

  it('show the servers, groups and fractals as pictures only: no returned value printed after them', () => {
    // tslab prints a cell's last value when it is not undefined: a display call must return nothing.
    const shows = [...executed.values()]
      .flat()
      .filter((c) => /-show-\d+$/.test(c.id) && !text(c.source).includes('measure'));
    const calls = shows.filter((c) => (c.outputs ?? []).some((o) => o.output_type === 'display_data'));
    expect(calls.length).toBeGreaterThanOrEqual(8);
    for (const cell of calls) {
      const printed = (cell.outputs ?? []).filter((o) => o.output_type === 'stream').map((o) => text(o.text));
      expect(printed.join(''), cell.id).not.toMatch(/^\s*\[|\{ *\n|status:|url:/m);
    }
  });

  it('a cell run after the cloud stopped shows the one-line reason, no stack', async () => {
    // The kernel is told about the local cloud by OS_* (as for a real cloud), so nothing starts it
    // again: the first cell connects, the cloud stops, the next cell fails.
    const { stdout } = await runTutor(['cloud', 'env'], env);
    const configured: NodeJS.ProcessEnv = { ...env };
    for (const line of stdout.split('\n')) {
      const m = /^export (OS_\w+)=(.*)$/.exec(line);
      if (m) configured[m[1]!] = m[2]!.replace(/^'|'$/g, '');
    }
    const stop = [process.execPath, join(ROOT, 'bin/faafo-tutor.mjs'), 'cloud', 'down'];
    const { stdout: out } = await run(
      PYTHON,
      ['-c', BETWEEN_CELLS, join(work, '08-wrap-up.ipynb'), work, JSON.stringify(stop)],
      {
        env: configured,
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const [before, after] = JSON.parse(out) as [Output[], Output[]];
    expect(before.filter((o) => o.name === 'stderr')).toEqual([]);
    const errors = after
      .filter((o) => o.name === 'stderr' || o.output_type === 'error')
      .map((o) => text(o.text));
    expect(errors).toHaveLength(1);
    const line = errors[0]!.trim();
    expect(line.split('\n'), line).toHaveLength(1);
    expect(line).toMatch(/local cloud|127\.0\.0\.1|connect|reach/i);
    expect(line).not.toMatch(/^\s*at \S+ \(|evalmachine|CellFailure/m);
  }, 300_000);
});
