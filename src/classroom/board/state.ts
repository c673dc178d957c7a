// What the teacher's board knows about each student, as a pure fold: every progress event a student's
// tutor sends changes that student's StudentView (protocol.ts) and nothing else, so the board's state
// is exactly what the events said, in the order they came. On top of the fold, `boardView` adds what
// the page shows but no student reports: the current chapter's checks still pending (from the lesson
// manifest, steps/chapters.ts) and who is stuck — a failed check not passed since, or too long on one
// chapter.
import { CHAPTERS, chapterByNumber, LAST_CHAPTER } from '../../../steps/chapters.ts';
import type { ClassView, ProgressEvent, StudentView } from '../protocol.ts';

type CheckState = StudentView['checks'][number];

/** Ten minutes on one chapter is long in a 90-minute workshop of eight chapters. */
export const DEFAULT_STUCK_AFTER_MS = 10 * 60_000;

/** A student who joined and has not begun a chapter yet (chapter 0). */
export function newStudent(id: string, name: string, now: number): StudentView {
  return {
    id,
    name,
    chapter: 0,
    chapterTitle: '',
    chapterSince: now,
    lastSeen: now,
    checks: [],
    stuckOn: null,
    predictions: [],
    figures: [],
    finished: null,
  };
}

/** Replaces the entry `same` finds, or appends it: the latest report of a thing wins. */
function upsert<T>(list: readonly T[], item: T, same: (a: T) => boolean): T[] {
  const at = list.findIndex(same);
  return at === -1 ? [...list, item] : list.map((old, i) => (i === at ? item : old));
}

/** What the board shows when a chapter stopped without a failed check to name (a step threw). */
function chapterFailure(chapter: number, reason: string): CheckState {
  return {
    id: 'chapter-failed',
    chapter,
    label: `chapter ${chapter} stopped before its checks ran`,
    state: 'failed',
    saw: reason,
    hint: 'Read the error in the tutor with the student, then run the chapter again (r).',
  };
}

/** One event applied to one student; `now` is the board's clock when the event arrived. */
export function applyEvent(student: StudentView, event: ProgressEvent, now: number): StudentView {
  const seen = { ...student, lastSeen: now };
  switch (event.type) {
    case 'chapter': {
      // Beginning the same chapter again (a retry) keeps its clock and its last outcomes until new
      // ones come: the teacher still sees what failed. A new chapter leaves earlier failures behind.
      const moved = event.chapter !== student.chapter;
      return {
        ...seen,
        chapter: event.chapter,
        chapterTitle: event.title,
        chapterSince: moved ? now : student.chapterSince,
        stuckOn: moved ? null : student.stuckOn,
        finished: null,
      };
    }
    case 'check': {
      const check: CheckState = {
        id: event.id,
        chapter: event.chapter,
        label: event.label,
        state: event.ok ? 'passed' : 'failed',
        saw: event.saw,
        hint: event.hint,
      };
      const checks = upsert(student.checks, check, (c) => c.chapter === check.chapter && c.id === check.id);
      const stuckOn = !event.ok
        ? check
        : student.stuckOn?.chapter === check.chapter && student.stuckOn.id === check.id
          ? null
          : student.stuckOn;
      return { ...seen, checks, stuckOn };
    }
    case 'chapter-done':
      // Done or skipped: the student moved past what failed in that chapter.
      return { ...seen, stuckOn: student.stuckOn?.chapter === event.chapter ? null : student.stuckOn };
    case 'chapter-failed':
      return { ...seen, stuckOn: student.stuckOn ?? chapterFailure(event.chapter, event.reason) };
    case 'prediction': {
      const { type: _, ...prediction } = event;
      return {
        ...seen,
        predictions: upsert(
          student.predictions,
          prediction,
          (p) => p.chapter === prediction.chapter && p.id === prediction.id,
        ),
      };
    }
    case 'figure': {
      const { type: _, ...figure } = event;
      return { ...seen, figures: upsert(student.figures, figure, (f) => f.figure === figure.figure) };
    }
    case 'finished':
      return { ...seen, finished: event.outcome };
  }
}

/** A batch of events, in order. */
export function applyEvents(
  student: StudentView,
  events: readonly ProgressEvent[],
  now: number,
): StudentView {
  return events.reduce((view, event) => applyEvent(view, event, now), student);
}

/** A check of the current chapter as the board's table shows it. */
export interface BoardCheck {
  id: string;
  label: string;
  state: 'passed' | 'failed' | 'pending';
  saw: string;
  hint: string;
}

export type StuckReason = 'failed-check' | 'slow';

/** A StudentView plus what the board derives for the page. */
export interface BoardStudent extends StudentView {
  /** The current chapter's checks: the manifest's in its order (pending until reported), then any other reported. */
  chapterChecks: BoardCheck[];
  /** Why the board calls the student stuck, or null. */
  stuck: StuckReason | null;
}

/** The class as the board serves it: a ClassView (protocol.ts) with the board's own fields added. */
export interface BoardView extends ClassView {
  students: BoardStudent[];
  /** How many chapters the lesson has (the N of "chapter 3/N"). */
  chapters: number;
  stuckAfterMs: number;
  /** Each prediction's question by its id (the manifest's words), for the class chart's titles. */
  questions: Record<string, string>;
  /** The board's clock when the view was made, so a page on another machine can count time on a chapter. */
  now: number;
}

/** The current chapter's checks, pending ones included. */
export function chapterChecks(student: StudentView): BoardCheck[] {
  const reported = student.checks.filter((c) => c.chapter === student.chapter);
  const named = chapterByNumber(student.chapter)?.checks ?? [];
  const fromManifest = named.map((check): BoardCheck => {
    const got = reported.find((c) => c.id === check.id);
    return got
      ? { id: got.id, label: got.label, state: got.state, saw: got.saw, hint: got.hint }
      : { id: check.id, label: check.label, state: 'pending', saw: '', hint: check.hint };
  });
  const others = reported
    .filter((c) => !named.some((n) => n.id === c.id))
    .map(({ id, label, state, saw, hint }): BoardCheck => ({ id, label, state, saw, hint }));
  return [...fromManifest, ...others];
}

/** Stuck: a failed check not passed since, or longer than `stuckAfterMs` on one chapter (not once finished). */
export function stuckReason(student: StudentView, now: number, stuckAfterMs: number): StuckReason | null {
  if (student.finished) return null;
  if (student.stuckOn) return 'failed-check';
  return now - student.chapterSince > stuckAfterMs ? 'slow' : null;
}

/** When the next student not stuck yet becomes stuck by time (ms since the epoch), or null. */
export function nextSlowAt(
  students: readonly StudentView[],
  now: number,
  stuckAfterMs: number,
): number | null {
  const times = students
    .filter((s) => stuckReason(s, now, stuckAfterMs) === null && !s.finished)
    .map((s) => s.chapterSince + stuckAfterMs + 1);
  return times.length > 0 ? Math.min(...times) : null;
}

export function boardView(
  room: { room: string; joinCode: string; headroom: number | null },
  students: readonly StudentView[],
  now: number,
  stuckAfterMs: number,
): BoardView {
  return {
    ...room,
    chapters: LAST_CHAPTER,
    stuckAfterMs,
    questions: Object.fromEntries(CHAPTERS.flatMap((c) => c.predictions.map((p) => [p.id, p.question]))),
    now,
    students: students.map((s) => ({
      ...s,
      chapterChecks: chapterChecks(s),
      stuck: stuckReason(s, now, stuckAfterMs),
    })),
  };
}
