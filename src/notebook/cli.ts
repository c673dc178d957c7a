// `faafo-tutor notebook`: the notebooks in a folder the learner owns, checked and opened — Jupyter
// found, which Python has it, the tslab kernel installed (installed with consent, else the one
// command printed), the notebook library built, then JupyterLab or Jupyter Notebook opened there
// (else how to open them in VS Code). `faafo-tutor doctor` reports the same checks and changes nothing.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
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

/** The first of these commands on PATH, or undefined. */
function onPath(...names: string[]): string | undefined {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

export interface SetupReport {
  jupyter?: string;
  /** The Python that has jupyter_client (where the kernelspec goes). */
  python?: string;
  tslabKernel: boolean;
  opener?: string;
}

export function checkSetup(): SetupReport {
  const jupyter = onPath('jupyter', 'jupyter-lab', 'jupyter-notebook', 'jupyter-nbconvert');
  let python: string | undefined;
  let tslabKernel = false;
  for (const candidate of ['python3', 'python', '/usr/bin/python3']) {
    const probe = spawnSync(
      candidate,
      [
        '-c',
        "import sys, jupyter_client.kernelspec as k; print(sys.executable); print('tslab' in k.KernelSpecManager().find_kernel_specs())",
      ],
      { encoding: 'utf8' },
    );
    if (probe.status === 0) {
      const [exe, has] = probe.stdout.trim().split('\n');
      python = exe;
      tslabKernel = has === 'True';
      break;
    }
  }
  const opener = onPath('jupyter-lab', 'jupyter-notebook');
  return {
    ...(jupyter ? { jupyter } : {}),
    ...(python ? { python } : {}),
    tslabKernel,
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
const installCommand = (python: string) => [tslabBin(), ...installArgs(python)].join(' ');

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
  line(
    report.tslabKernel,
    report.tslabKernel
      ? 'the tslab TypeScript kernel is installed'
      : `the tslab kernel is not installed: ${installCommand(report.python ?? 'python3')}`,
  );
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
      if (!report.jupyter || !report.python || !report.tslabKernel) process.exitCode = 1;
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
      if (!report.tslabKernel) {
        const command = installCommand(report.python);
        if (!(await consent(`Install the tslab kernel for ${report.python}?`, flags.yes ?? false))) {
          throw new UserError(
            `The tslab kernel is not installed; install it with \`${command}\`, then run \`faafo-tutor notebook\` again.`,
          );
        }
        execFileSync(process.execPath, [tslabBin(), ...installArgs(report.python, flags.kernelPrefix)], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        report = checkSetup();
        io.stdout.write(
          report.tslabKernel
            ? `Installed the tslab kernel for ${report.python}.\n`
            : `Installed the tslab kernel under ${flags.kernelPrefix}; add ${join(flags.kernelPrefix ?? '', 'share', 'jupyter')} to JUPYTER_PATH so Jupyter finds it.\n`,
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
