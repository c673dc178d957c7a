// One lesson step in this process — connect, wait for servers still booting, pick image and
// flavor, check the quota, run the step's own file, then check the cloud — told as events
// (./events.ts): runStepEvents is what the tutor and the notebooks consume; runStep is
// `faafo-tutor step N`, the same events printed as text (./text-printer.ts). Every failure ends as
// one line saying what went wrong and what to do, plus what the step had already made (it stays
// in the cloud).

import { findStep, LESSON, LESSON_SERVERS, type LessonStep } from '../../steps/lesson.ts';
import { type CloudFallback, connect } from '../cloud/connect.ts';
import type { Connection } from '../cloud/driver.ts';
import type { Image, Size } from '../cloud/models.ts';
import { verify } from '../cloud/verify.ts';
import { UserError } from '../shared/user-error.ts';
import { checkQuota, chooseFlavor, chooseImage, DEFAULT_FLAVOR, DEFAULT_IMAGE } from './choose.ts';
import type { StepEnd, StepEvent, StepInfo } from './events.ts';
import { type StepIo, textPrinter } from './text-printer.ts';

export interface RunStepOptions {
  cloud?: string;
  image?: string;
  flavor?: string;
  networkId?: string;
  /** Only check the cloud; run nothing. */
  checkOnly?: boolean;
  /** Failure events carry the error's stack. */
  debug?: boolean;
  env?: NodeJS.ProcessEnv;
  pollMs?: number;
  /** When no cloud is configured (the CLI and the tutor start or find the local cloud). */
  fallback?: CloudFallback;
  /**
   * The step's statements to run instead of importing its file: a notebook cell holds the step's
   * own function (generated from the file) and runs it through here, checks and failures included.
   */
  body?: StepBody;
}

export type StepBody = (conn: Connection, context: { image: Image; flavor: Size }) => Promise<void>;

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const stepName = (step: LessonStep) => (step.id === 'prelude' ? 'The prelude' : `Step ${step.id.slice(5)}`);

/** The user-facing line for an error: ours are sentences; a programming error (TypeError …) is a bug. */
export function lineOf(error: unknown): string {
  if (error instanceof UserError) return error.message;
  const bug = [TypeError, RangeError, ReferenceError, SyntaxError].some((kind) => error instanceof kind);
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  return bug ? `${message} (unexpected: a bug in faafo-tutor; run again with --debug for details)` : message;
}

/** Runs the step, telling each thing that happens to `emit`; resolves with the last event (done or failed). */
export async function runStepEvents(
  name: string,
  options: RunStepOptions,
  emit: (event: StepEvent) => void,
): Promise<StepEnd> {
  const end = (event: StepEnd) => {
    emit(event);
    return event;
  };
  const step = findStep(name);
  if (!step) {
    return end({
      type: 'failed',
      kind: 'no-such-step',
      reason: `there is no step '${name}'; the steps are: ${LESSON.map((s) => s.id).join(', ')}.`,
      made: [],
    });
  }
  const info: StepInfo = { id: step.id, title: step.title, file: step.file };
  const env = options.env ?? process.env;
  emit({ type: 'started', step: info, checkOnly: options.checkOnly ?? false });
  let conn: Connection | undefined;
  try {
    conn = await connect({
      ...(options.cloud ? { cloud: options.cloud } : {}),
      env,
      report: emit,
      ...(options.fallback ? { fallback: options.fallback } : {}),
      ...(options.networkId ? { networkId: options.networkId } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    });
    emit({ type: 'connected', step: info, cloud: conn.label });
    // A cloud started again boots its servers anew (BUILD, no addresses yet): the step and its
    // checks must see the lesson's servers up, not take "booting" for "missing". (Other servers of
    // the project are not the lesson's to wait for.)
    await conn.waitUntilBooted({ names: LESSON_SERVERS });
    if (!options.checkOnly) {
      const image = await chooseImage(conn, options.image ?? (env.FAAFO_IMAGE || DEFAULT_IMAGE));
      const flavor = await chooseFlavor(conn, options.flavor ?? (env.FAAFO_FLAVOR || DEFAULT_FLAVOR));
      if (step.creates.length > 0)
        await checkQuota(conn, stepName(step), step.creates, flavor, await conn.listNodes());
      const run = options.body ?? (await step.run()).default;
      await run(conn, { image, flavor });
    }
    emit({ type: 'checking', step: info });
    const checks = [...(await verify(conn, step.expect)), ...((await step.checks?.(conn)) ?? [])];
    for (const check of checks) emit({ type: 'check', ...check });
    if (!checks.every((c) => c.ok)) {
      return end({
        type: 'failed',
        step: info,
        kind: 'checks',
        reason: `${stepName(step)} did not leave the cloud as the lesson expects. ${step.hint}`,
        made: [...conn.made],
      });
    }
    return end({ type: 'done', step: info });
  } catch (error) {
    const stack = options.debug && error instanceof Error ? error.stack : undefined;
    return end({
      type: 'failed',
      step: info,
      kind: 'error',
      reason: lineOf(error),
      ...(stack ? { stack } : {}),
      made: [...(conn?.made ?? [])],
    });
  }
}

/** `faafo-tutor step N`: the run printed as text; the exit code (0 done, 1 failed, 2 no such step). */
export async function runStep(name: string, options: RunStepOptions, io: StepIo): Promise<number> {
  const last = await runStepEvents(name, options, textPrinter(io));
  if (last.type === 'done') return EXIT_OK;
  return last.kind === 'no-such-step' ? EXIT_USAGE : EXIT_FAILED;
}
