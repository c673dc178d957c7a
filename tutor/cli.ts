// `npx faafo-tutor [options]`: the walkthrough. Chooses how it is shown — the Ink app in a
// terminal, lines with --plain or without one (Ink needs raw mode for its keys) — and who answers
// its questions (the learner, or nobody with --yes), then runs the engine. The local cloud's
// fallback comes from the caller (src/bin), as for `faafo-tutor step`. Exit code: 0 when the lesson
// ran to its end or the learner quit, 1 when a check failed and the run stopped there. With --join
// (./classroom.ts) the same events also go, mapped, to the teacher's board; the lesson never waits
// for it.

import type { CloudFallback } from '../src/cloud/connect.ts';
import type { RunStepOptions } from '../src/lesson/run-step.ts';
import { LOAD_SIZES } from '../steps/chapters.ts';
import { type ClassroomSession, type JoinFlags, joinClassroom } from './classroom.ts';
import { nonInteractive, type TutorEvent } from './engine/events.ts';
import { progressFile, progressStore } from './engine/progress.ts';
import { type LessonOptions, runLesson } from './engine/run-lesson.ts';
import { lineLearner, plainPrinter } from './plain.ts';

export interface TutorFlags {
  cloud?: string;
  quick?: boolean;
  yes?: boolean;
  chapter?: number;
  reset?: boolean;
  plain?: boolean;
  /** `--join URL CODE --name NAME`: report to a teacher's board. */
  join?: JoinFlags;
}

export interface TutorIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export const EXIT_LESSON_FAILED = 1;

/**
 * Whether Ink takes this for a CI run (its is-in-ci rule: CI or CONTINUOUS_INTEGRATION set, and not
 * '0' or 'false'). There Ink draws only the last frame, when the app exits: the walkthrough would
 * show nothing for minutes, so the tutor prints lines instead.
 */
export function inkSeesCi(env: NodeJS.ProcessEnv): boolean {
  const set = (key: string) => key in env && env[key] !== '0' && env[key] !== 'false';
  return set('CI') || set('CONTINUOUS_INTEGRATION');
}

/** Ink only where it can read keys and draw: both ends a terminal, not asked for lines, not in CI. */
export function choosePlain(
  flags: TutorFlags,
  io: Pick<TutorIo, 'stdin' | 'stdout'>,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return flags.plain === true || !io.stdout.isTTY || (!flags.yes && !io.stdin.isTTY) || inkSeesCi(env);
}

export async function runTutor(
  flags: TutorFlags,
  io: TutorIo,
  fallback: CloudFallback,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const session = flags.join ? await joinClassroom(flags.join, env) : undefined;
  const line = (text: string) => io.stdout.write(`${text}\n`);
  // The Ink app shows the greeting and trouble as notes (./hooks/use-lesson.ts); lines say them here.
  if (session && choosePlain(flags, io, env)) for (const text of session.greeting) line(text);
  session?.showTroubleWith(line);
  try {
    return await runWalkthrough(flags, io, fallback, env, session);
  } finally {
    session?.showTroubleWith(line);
    await session?.close();
  }
}

async function runWalkthrough(
  flags: TutorFlags,
  io: TutorIo,
  fallback: CloudFallback,
  env: NodeJS.ProcessEnv,
  session: ClassroomSession | undefined,
): Promise<number> {
  // A room that gives the student a cloud runs the lesson there, whatever --cloud said.
  const cloud = session?.cloud?.name ?? flags.cloud;
  const run: RunStepOptions = { ...(cloud ? { cloud } : {}), env: session?.cloud?.env ?? env, fallback };
  const base: Omit<LessonOptions, 'learner' | 'emit'> = {
    run,
    sizes: LOAD_SIZES[flags.quick ? 'quick' : 'full'],
    store: progressStore(progressFile(env)),
    ...(flags.chapter !== undefined ? { chapter: flags.chapter } : {}),
    ...(flags.reset ? { reset: true } : {}),
    ...(env.FAAFO_TUTOR_METER_MS ? { meterIntervalMs: Number(env.FAAFO_TUTOR_METER_MS) } : {}),
  };
  if (choosePlain(flags, io, env)) {
    const asker = flags.yes || !io.stdin.isTTY ? undefined : lineLearner(io.stdin, io.stdout);
    const print = plainPrinter(io.stdout);
    const emit = (event: TutorEvent) => {
      print(event);
      session?.observe(event);
    };
    try {
      const outcome = await runLesson({ ...base, learner: asker ?? nonInteractive, emit });
      return outcome === 'failed' ? EXIT_LESSON_FAILED : 0;
    } finally {
      asker?.close();
    }
  }
  const { runInk } = await import('./app/run-ink.tsx');
  return runInk(base, { yes: flags.yes === true }, io, session);
}
