// `faafo-tutor notebook`: the notebooks in a folder the learner owns, checked and opened — Jupyter
// found, which Python has it, the tslab kernel installed (installed with consent, else the one
// command printed), the notebook library built, then JupyterLab or Jupyter Notebook opened there
// (else how to open them in VS Code). `faafo-tutor doctor` reports the same checks and changes nothing.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { PACKAGE_ROOT } from '../shared/bins.ts';
import { UserError } from '../shared/user-error.ts';
import { prepareWorkspace } from './workspace.ts';

interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** tslab's command, wherever npm put the package (nested or hoisted): the kernelspec names it by path. */
const tslabBin = (): string =>
  join(dirname(createRequire(import.meta.url).resolve('tslab/package.json')), 'bin', 'tslab');

/** A command's full path: itself when it names a path, else the first executable of that name on PATH. No shell. */
function findCommand(name: string): string | undefined {
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(name) || name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The first of these commands on PATH, or undefined. */
const onPath = (...names: string[]): string | undefined =>
  names.map(findCommand).find((found) => found !== undefined);

/** What Jupyter would start for the tslab kernel: nothing, a command that is there, or one that is gone. */
export type TslabKernel =
  | { state: 'missing' }
  | { state: 'installed'; dir: string; command: string }
  | { state: 'broken'; dir: string; command: string };

export interface SetupReport {
  jupyter?: string;
  /** The Python that has jupyter_client (where the kernelspec goes). */
  python?: string;
  tslab: TslabKernel;
  opener?: string;
}

/** Asks jupyter_client, as Jupyter itself would, which tslab kernelspec it finds first and what it starts. */
const KERNEL_PROBE = `
import json, sys
import jupyter_client.kernelspec as k
found = k.KernelSpecManager().find_kernel_specs().get('tslab')
spec = k.KernelSpecManager().get_kernel_spec('tslab') if found else None
print(json.dumps({'python': sys.executable, 'dir': found, 'argv': spec.argv if spec else None}))
`;

/**
 * A kernelspec names tslab's command by path (`faafo-tutor notebook` installs it so); when that
 * package went away (an npx cache cleared, a clone deleted) Jupyter finds the kernel and cannot
 * start it, so it counts as broken, not installed.
 */
export function kernelState(dir: string | null, argv: string[] | null): TslabKernel {
  if (!dir || !argv?.[0]) return { state: 'missing' };
  const command = argv[0];
  return findCommand(command) ? { state: 'installed', dir, command } : { state: 'broken', dir, command };
}

export function checkSetup(): SetupReport {
  const jupyter = onPath('jupyter', 'jupyter-lab', 'jupyter-notebook', 'jupyter-nbconvert');
  let python: string | undefined;
  let tslab: TslabKernel = { state: 'missing' };
  for (const candidate of ['python3', 'python', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', KERNEL_PROBE], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const found = JSON.parse(probe.stdout) as { python: string; dir: string | null; argv: string[] | null };
    python = found.python;
    tslab = kernelState(found.dir, found.argv);
    break;
  }
  const opener = onPath('jupyter-lab', 'jupyter-notebook');
  return {
    ...(jupyter ? { jupyter } : {}),
    ...(python ? { python } : {}),
    tslab,
    ...(opener ? { opener } : {}),
  };
}

/** tslab's installer; the kernelspec starts tslab by its full path, so Jupyter needs no PATH for it. */
const installArgs = (python: string, prefix?: string) => [
  'install',
  `--python=${python}`,
  `--binary=${tslabBin()}`,
  ...(prefix ? [`--prefix=${prefix}`] : []),
];
const installCommand = (python: string, prefix?: string) =>
  [tslabBin(), ...installArgs(python, prefix)].join(' ');

/** The prefix a kernelspec directory was installed under (PREFIX/share/jupyter/kernels/tslab), if it has that shape. */
export function prefixOf(kernelDir: string): string | undefined {
  const jupyterData = dirname(dirname(kernelDir));
  return jupyterData.endsWith(join('share', 'jupyter')) ? dirname(dirname(jupyterData)) : undefined;
}

function kernelLine(tslab: TslabKernel, python: string): string {
  switch (tslab.state) {
    case 'installed':
      return `the tslab TypeScript kernel is installed (${tslab.dir})`;
    case 'missing':
      return `the tslab kernel is not installed: ${installCommand(python)}`;
    case 'broken':
      return `the tslab kernel in ${tslab.dir} starts ${tslab.command}, which is not there any more: ${installCommand(python, prefixOf(tslab.dir))}`;
  }
}

function printReport(report: SetupReport, io: Io): void {
  const line = (ok: boolean, text: string) => io.stdout.write(`  ${ok ? '✓' : '✗'} ${text}\n`);
  line(
    Boolean(report.jupyter),
    report.jupyter
      ? `Jupyter: ${report.jupyter}`
      : "Jupyter is not installed (pip install jupyterlab, or your system's jupyter packages)",
  );
  line(
    Boolean(report.python),
    report.python ? `Python with Jupyter: ${report.python}` : 'no Python has jupyter_client',
  );
  line(report.tslab.state === 'installed', kernelLine(report.tslab, report.python ?? 'python3'));
  line(
    Boolean(report.opener),
    report.opener
      ? `opens with ${report.opener}`
      : 'no JupyterLab or Jupyter Notebook: open the folder in VS Code (Jupyter extension) and pick the TypeScript (tslab) kernel',
  );
}

async function consent(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function doctorCommand(io: Io): Command {
  return new Command('doctor')
    .description('check the set-up for the notebooks (Jupyter, Python, the tslab kernel)')
    .action(() => {
      const report = checkSetup();
      io.stdout.write('faafo-tutor doctor: the notebooks\n');
      printReport(report, io);
      if (!report.jupyter || !report.python || report.tslab.state !== 'installed') process.exitCode = 1;
    });
}

export function notebookCommand(io: Io): Command {
  return new Command('notebook')
    .description('copy the lesson notebooks to a folder of yours and open them in Jupyter')
    .option('--dir <folder>', 'the working folder (default: ./faafo-notebooks)', 'faafo-notebooks')
    .option('--yes', 'install the tslab kernel without asking')
    .option('--no-open', 'prepare the folder, do not start Jupyter')
    .option(
      '--kernel-prefix <dir>',
      "install the kernel under DIR/share/jupyter (default: Jupyter's own place)",
    )
    .action(async (flags: { dir: string; yes?: boolean; open: boolean; kernelPrefix?: string }) => {
      let report = checkSetup();
      printReport(report, io);
      if (!report.python) {
        throw new UserError(
          'Jupyter is not installed for any Python here: install JupyterLab (`pip install jupyterlab`), then run `faafo-tutor notebook` again.',
        );
      }
      if (report.tslab.state !== 'installed') {
        // A broken kernelspec is replaced where it is, so the one Jupyter finds first is the new one.
        const prefix =
          flags.kernelPrefix ?? (report.tslab.state === 'broken' ? prefixOf(report.tslab.dir) : undefined);
        const command = installCommand(report.python, prefix);
        const why =
          report.tslab.state === 'broken'
            ? `The tslab kernel in ${report.tslab.dir} starts ${report.tslab.command}, which is not there any more`
            : 'The tslab kernel is not installed';
        if (!(await consent(`${why}. Install it for ${report.python}?`, flags.yes ?? false))) {
          throw new UserError(
            `${why}; install it with \`${command}\`, then run \`faafo-tutor notebook\` again.`,
          );
        }
        execFileSync(process.execPath, [tslabBin(), ...installArgs(report.python, prefix)], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        report = checkSetup();
        io.stdout.write(
          report.tslab.state === 'installed'
            ? `Installed the tslab kernel for ${report.python}.\n`
            : prefix
              ? `Installed the tslab kernel under ${prefix}; add ${join(prefix, 'share', 'jupyter')} to JUPYTER_PATH so Jupyter finds it.\n`
              : `Installed the tslab kernel, but Jupyter does not find it yet: run \`faafo-tutor doctor\` to see what it finds.\n`,
        );
      }
      if (!existsSync(join(PACKAGE_ROOT, 'dist', 'notebook', 'index.cjs'))) {
        execFileSync(process.execPath, [join(PACKAGE_ROOT, 'scripts', 'build-notebook-lib.mjs')], {
          stdio: 'inherit',
        });
      }
      const workspace = prepareWorkspace(PACKAGE_ROOT, resolve(flags.dir));
      io.stdout.write(
        `The notebooks are in ${workspace.dir} (${workspace.copied.length} copied${workspace.kept.length ? `, ${workspace.kept.length} of yours kept` : ''}).\n`,
      );
      if (!flags.open) return;
      if (!report.opener) {
        io.stdout.write(
          `Open ${workspace.dir} in VS Code (with its Jupyter extension) and choose the TypeScript kernel (tslab).\n`,
        );
        return;
      }
      spawn(report.opener, [], { cwd: workspace.dir, stdio: 'inherit' });
    });
}
