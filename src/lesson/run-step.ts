// `faafo-tutor step N`: one lesson step in this process — connect, pick image and flavor, check the
// quota, run the step's own file, then check the cloud. Every failure ends as one line saying what
// went wrong and what to do, plus what the step had already made (it stays in the cloud).

import { findStep, LESSON, type LessonStep } from '../../steps/lesson.ts';
import { CloudConfigError } from '../cloud/config.ts';
import { connect } from '../cloud/connect.ts';
import type { Connection } from '../cloud/driver.ts';
import { CloudError } from '../cloud/errors.ts';
import { type Check, verify } from '../cloud/verify.ts';
import { checkQuota, chooseFlavor, chooseImage, DEFAULT_FLAVOR, DEFAULT_IMAGE } from './choose.ts';

export interface StepIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface RunStepOptions {
  cloud?: string;
  image?: string;
  flavor?: string;
  networkId?: string;
  /** Only check the cloud; run nothing. */
  checkOnly?: boolean;
  debug?: boolean;
  env?: NodeJS.ProcessEnv;
  pollMs?: number;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const stepName = (step: LessonStep) => (step.id === 'prelude' ? 'The prelude' : `Step ${step.id.slice(5)}`);

function printChecks(checks: Check[], io: StepIo): boolean {
  for (const c of checks)
    io.stdout.write(`  ${c.ok ? '✓' : '✗'} ${c.label}${c.detail ? ` — ${c.detail}` : ''}\n`);
  return checks.every((c) => c.ok);
}

/** The user-facing line for an error: ours are sentences; a programming error (TypeError …) is a bug. */
function lineOf(error: unknown, debug: boolean): string {
  if (debug && error instanceof Error && error.stack) return error.stack;
  if (error instanceof CloudError || error instanceof CloudConfigError) return error.message;
  const bug = [TypeError, RangeError, ReferenceError, SyntaxError].some((kind) => error instanceof kind);
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  return bug ? `${message} (unexpected: a bug in faafo-tutor; run again with --debug for details)` : message;
}

export async function runStep(name: string, options: RunStepOptions, io: StepIo): Promise<number> {
  const step = findStep(name);
  if (!step) {
    io.stderr.write(
      `faafo-tutor: there is no step '${name}'; the steps are: ${LESSON.map((s) => s.id).join(', ')}.\n`,
    );
    return EXIT_USAGE;
  }
  const env = options.env ?? process.env;
  let conn: Connection | undefined;
  try {
    conn = await connect({
      ...(options.cloud ? { cloud: options.cloud } : {}),
      env,
      progress: (line) => io.stdout.write(`  … ${line}\n`),
      ...(options.networkId ? { networkId: options.networkId } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    });
    io.stdout.write(`${step.id}: ${step.title} (${step.file}), using ${conn.label}\n`);
    if (!options.checkOnly) {
      const image = await chooseImage(conn, options.image ?? (env.FAAFO_IMAGE || DEFAULT_IMAGE));
      const flavor = await chooseFlavor(conn, options.flavor ?? (env.FAAFO_FLAVOR || DEFAULT_FLAVOR));
      if (step.creates.length > 0)
        await checkQuota(conn, stepName(step), step.creates, flavor, await conn.listNodes());
      const { default: run } = await step.run();
      await run(conn, { image, flavor });
    }
    io.stdout.write(`Checking the cloud after ${step.id}:\n`);
    const checks = [...(await verify(conn, step.expect)), ...((await step.checks?.(conn)) ?? [])];
    const ok = printChecks(checks, io);
    if (!ok) {
      io.stderr.write(
        `faafo-tutor: ${stepName(step)} did not leave the cloud as the lesson expects. ${step.hint}\n`,
      );
      return EXIT_FAILED;
    }
    io.stdout.write(`${step.id} done.\n`);
    return EXIT_OK;
  } catch (error) {
    // One line: the problem, what to do, and what this run had already made (it stays in the cloud).
    const made = conn?.made ?? [];
    const left =
      made.length > 0
        ? ` Before that, this run made ${made.map((m) => `${m.kind} ${m.name}`).join(', ')}; ` +
          'they stay in the cloud: run the step again to finish (it reuses them), or step 1 to remove them.'
        : '';
    io.stderr.write(`faafo-tutor: ${lineOf(error, options.debug ?? false)}${left}\n`);
    return EXIT_FAILED;
  }
}
