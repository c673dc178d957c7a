// The tutor's engine: the lesson's chapters (steps/chapters.ts) run in order from where the
// learner left off, each told as events, its checks collected; a chapter whose checks fail is
// offered again (retry), skipped or ends the session, as the learner says (`--yes`: it ends it, and
// the caller exits ≠ 0). Progress is saved after every chapter and every step of chapter 5.
// `--reset` forgets the progress and cleans the cloud (step 1) before starting over. No Ink here:
// the Ink app, the plain printer and a notebook drive the same function.

import type { Connection } from '../../src/cloud/driver.ts';
import type { RunStepOptions } from '../../src/lesson/run-step.ts';
import { EXIT_USAGE, UserError } from '../../src/shared/user-error.ts';
import { CHAPTERS, type Chapter, LAST_CHAPTER, type LoadSizes } from '../../steps/chapters.ts';
import { handsOn } from './chapters/hands-on.ts';
import { measureAgain } from './chapters/measure.ts';
import { overloadApi } from './chapters/overload-api.ts';
import { overloadWorker } from './chapters/overload-worker.ts';
import { scaleOut } from './chapters/scale-out.ts';
import { whereWeAre } from './chapters/where-we-are.ts';
import { wrapUp } from './chapters/wrap-up.ts';
import { type ChapterContext, type CheckBook, checkBook, runLessonStep, stepSaw } from './context.ts';
import type { CheckResult, Learner, TutorEvent } from './events.ts';
import { preflight } from './preflight.ts';
import { afterChapter, freshProgress, type Progress, type ProgressStore } from './progress.ts';

export type ChapterRunner = (ctx: ChapterContext, book: CheckBook) => Promise<void>;
/** Chapter 1's runner: its checks, and the session's connection (undefined when no cloud answered). */
export type PreflightRunner = (
  ctx: Omit<ChapterContext, 'conn'>,
  book: CheckBook,
) => Promise<Connection | undefined>;

export interface Runners extends Record<Exclude<Chapter['id'], 'preflight'>, ChapterRunner> {
  preflight: PreflightRunner;
  /** `--reset`'s cleaning of the cloud. */
  clean: (ctx: ChapterContext) => Promise<void>;
}

/** Step 1 removes the lesson's servers and groups, whichever chapter the learner had reached. */
async function cleanCloud(ctx: ChapterContext): Promise<void> {
  ctx.emit({
    type: 'note',
    chapter: ctx.chapter.number,
    text: 'cleaning the cloud: step 1 removes what the lesson made',
  });
  const cleaned = await runLessonStep(ctx, '1');
  if (cleaned.end.type !== 'done')
    throw new UserError(`Cleaning the cloud failed: ${stepSaw('step 1', cleaned)}`);
}

export const RUNNERS: Runners = {
  preflight,
  clean: cleanCloud,
  'where-we-are': whereWeAre,
  'overload-worker': overloadWorker,
  'overload-api': overloadApi,
  'scale-out': scaleOut,
  measure: measureAgain,
  'hands-on': handsOn,
  'wrap-up': wrapUp,
};

export interface LessonOptions {
  /** How the steps (and the preflight's connection) reach the cloud: --cloud, env, the local-cloud fallback. */
  run: RunStepOptions;
  sizes: LoadSizes;
  learner: Learner;
  store: ProgressStore;
  emit(event: TutorEvent): void;
  /** `--chapter N`: start there whatever the progress says. */
  chapter?: number;
  /** `--reset`: forget the progress and clean the cloud first. */
  reset?: boolean;
  meterIntervalMs?: number;
  /** What each chapter does (default RUNNERS); the orchestration's tests give their own. */
  runners?: Runners;
}

export type LessonOutcome = 'completed' | 'quit' | 'failed';

/** `--chapter N` checked: a UserError naming the chapters there are. */
export function checkChapterNumber(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > LAST_CHAPTER) {
    throw new UserError(
      `There is no chapter ${n}; the chapters are 1 to ${LAST_CHAPTER}: ${CHAPTERS.map((c) => `${c.number} ${c.title}`).join('; ')}.`,
      { exitCode: EXIT_USAGE },
    );
  }
  return n;
}

export async function runLesson(options: LessonOptions): Promise<LessonOutcome> {
  const { learner, store, emit } = options;
  const runners = options.runners ?? RUNNERS;
  if (options.chapter !== undefined) checkChapterNumber(options.chapter);
  if (options.reset) store.clear();
  let progress: Progress = options.reset ? freshProgress() : store.load();
  const update = (change: (p: Progress) => Progress) => {
    progress = change(progress);
    store.save(progress);
  };
  const start = options.chapter ?? progress.nextChapter;
  const finish = (outcome: LessonOutcome, nextChapter: number) => {
    emit({ type: 'finished', outcome, nextChapter });
    return outcome;
  };
  if (start > LAST_CHAPTER) {
    emit({
      type: 'note',
      chapter: LAST_CHAPTER,
      text: 'You have finished the lesson. `npx faafo-tutor --reset` starts it over; `--chapter N` goes back to a chapter.',
    });
    return finish('completed', start);
  }
  const base = {
    run: options.run,
    sizes: options.sizes,
    learner,
    emit,
    progress: () => progress,
    update,
    meterIntervalMs: options.meterIntervalMs ?? 2000,
  };

  // Chapter 1 always runs: it makes the session's connection, and a resumed session checks again
  // that the cloud is there and has room.
  let conn: Connection | undefined;
  const first = CHAPTERS[0]!;
  const preflightOutcome = await attempt(first, start === 1, async (book) => {
    conn = await runners.preflight({ ...base, chapter: first }, book);
    // Cleaned only once the preflight passed: step 1 on a cloud without room or key would be a surprise.
    if (conn && options.reset && book.results.every((r) => r.ok))
      await runners.clean({ ...base, chapter: first, conn });
  });
  if (preflightOutcome !== 'passed')
    return finish(preflightOutcome === 'skipped' ? 'quit' : preflightOutcome, start);
  if (conn && progress.cloud !== conn.label) update((p) => ({ ...p, cloud: conn!.label }));
  if (start === 1) update((p) => afterChapter(p, 1, false));

  for (const chapter of CHAPTERS.filter((c) => c.number >= Math.max(start, 2))) {
    if (!(await learner.begin(chapter))) return finish('quit', chapter.number);
    const ctx: ChapterContext = { ...base, chapter, conn: conn! };
    const outcome = await attempt(chapter, false, (book) =>
      runners[chapter.id as Exclude<Chapter['id'], 'preflight'>](ctx, book),
    );
    if (outcome === 'quit' || outcome === 'failed') return finish(outcome, chapter.number);
    if (outcome === 'passed') await yourTurns(ctx);
    update((p) => afterChapter(p, chapter.number, outcome === 'skipped'));
    emit({ type: 'chapter-done', chapter: chapter.number, skipped: outcome === 'skipped' });
  }
  return finish('completed', LAST_CHAPTER + 1);

  /** Runs a chapter until its checks pass, or the learner skips it or quits. */
  async function attempt(
    chapter: Chapter,
    announce: boolean,
    body: (book: CheckBook) => Promise<void>,
  ): Promise<'passed' | 'skipped' | 'quit' | 'failed'> {
    if (announce && !(await learner.begin(chapter))) return 'quit';
    for (;;) {
      emit({ type: 'chapter-started', chapter: chapter.number, title: chapter.title });
      emit({ type: 'text', chapter: chapter.number, paragraphs: chapter.text });
      const book = checkBook();
      let reason: string | undefined;
      try {
        await body(book);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      const failed: CheckResult[] = book.results.filter((r) => !r.ok);
      if (reason === undefined && failed.length === 0) {
        if (chapter.number === 1) emit({ type: 'chapter-done', chapter: 1, skipped: false });
        return 'passed';
      }
      emit({
        type: 'chapter-failed',
        chapter: chapter.number,
        failed,
        reason: reason ?? `${failed.length} check(s) of chapter ${chapter.number} failed.`,
      });
      const answer = await learner.failed(chapter, failed);
      if (answer === 'quit') return 'failed';
      if (answer === 'skip') return chapter.number === 1 ? 'quit' : 'skipped';
    }
  }

  async function yourTurns(ctx: ChapterContext): Promise<void> {
    for (const task of ctx.chapter.yourTurn) {
      for (;;) {
        if ((await learner.yourTurn(ctx.chapter, task)) === 'skip') {
          emit({ type: 'your-turn', chapter: ctx.chapter.number, task, outcome: 'skipped' });
          break;
        }
        const verdict = task.verify
          ? await task.verify(ctx.conn).catch((e: Error) => ({ ok: false, saw: e.message }))
          : { ok: true, saw: 'done' };
        emit({
          type: 'your-turn',
          chapter: ctx.chapter.number,
          task,
          outcome: verdict.ok ? 'done' : 'skipped',
          saw: verdict.saw,
        });
        if (verdict.ok) break;
      }
    }
  }
}
