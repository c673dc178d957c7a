// The board's fold of progress events into a student's view (src/classroom/board/state.ts): chapters
// and their clock, checks pending / passed / failed against the lesson manifest, who is stuck and on
// what, predictions and figures (the latest report wins), finishing — all pure, with a given clock.
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  applyEvents,
  boardView,
  chapterChecks,
  newStudent,
  nextSlowAt,
  stuckReason,
} from '../../src/classroom/board/state.ts';
import { classView, type ProgressEvent } from '../../src/classroom/protocol.ts';
import { CHAPTERS, chapterByNumber } from '../../steps/chapters.ts';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const ada = () => newStudent('st-1', 'Ada', T0);

const chapter = (n: number): ProgressEvent => ({
  type: 'chapter',
  chapter: n,
  title: chapterByNumber(n)!.title,
});
const check = (n: number, id: string, ok: boolean): ProgressEvent => ({
  type: 'check',
  chapter: n,
  id,
  label: `label of ${id}`,
  ok,
  saw: ok ? 'fine' : 'not fine',
  hint: `hint for ${id}`,
});

describe('the fold of one student', () => {
  it('starts at chapter 0 with nothing reported', () => {
    expect(ada()).toMatchObject({ chapter: 0, checks: [], stuckOn: null, finished: null, chapterSince: T0 });
  });

  it('moves to a chapter with its title and restarts the chapter clock only on a new chapter', () => {
    let s = applyEvent(ada(), chapter(3), T0 + MINUTE);
    expect(s).toMatchObject({ chapter: 3, chapterTitle: 'Overload the worker', chapterSince: T0 + MINUTE });
    s = applyEvent(s, chapter(3), T0 + 5 * MINUTE);
    expect(s.chapterSince).toBe(T0 + MINUTE);
    expect(s.lastSeen).toBe(T0 + 5 * MINUTE);
    s = applyEvent(s, chapter(4), T0 + 6 * MINUTE);
    expect(s.chapterSince).toBe(T0 + 6 * MINUTE);
  });

  it("shows each of the current chapter's checks from the manifest as pending, passed or failed", () => {
    const manifest = chapterByNumber(5)!.checks.map((c) => c.id);
    let s = applyEvent(ada(), chapter(5), T0);
    expect(chapterChecks(s).map((c) => [c.id, c.state])).toEqual(manifest.map((id) => [id, 'pending']));
    s = applyEvents(s, [check(5, 'steps', true), check(5, 'groups', false)], T0);
    const shown = chapterChecks(s);
    expect(shown.map((c) => c.id)).toEqual(manifest);
    expect(shown.map((c) => c.state)).toEqual(['passed', 'failed', 'pending', 'pending', 'pending']);
    // A pending check already shows the manifest's hint; a reported one what the student's check said.
    expect(shown[2]!.hint).toBe(chapterByNumber(5)!.checks[2]!.hint);
    expect(shown[1]).toMatchObject({ label: 'label of groups', saw: 'not fine', hint: 'hint for groups' });
  });

  it('lists a reported check the manifest does not name after the named ones', () => {
    const s = applyEvents(ada(), [chapter(7), check(7, 'fourth-worker', true)], T0);
    expect(chapterChecks(s).map((c) => c.id)).toEqual([
      ...chapterByNumber(7)!.checks.map((c) => c.id),
      'fourth-worker',
    ]);
  });

  it('keeps one entry per check: the latest outcome wins', () => {
    const s = applyEvents(ada(), [chapter(3), check(3, 'backlog', false), check(3, 'backlog', true)], T0);
    expect(s.checks).toHaveLength(1);
    expect(s.checks[0]).toMatchObject({ id: 'backlog', state: 'passed' });
  });

  it('is stuck on a failed check until that check passes', () => {
    let s = applyEvents(ada(), [chapter(3), check(3, 'worker-load', false)], T0);
    expect(s.stuckOn).toMatchObject({ id: 'worker-load', chapter: 3, hint: 'hint for worker-load' });
    expect(stuckReason(s, T0, 10 * MINUTE)).toBe('failed-check');
    // Another check passing does not clear it.
    s = applyEvent(s, check(3, 'backlog', true), T0);
    expect(s.stuckOn?.id).toBe('worker-load');
    s = applyEvent(s, check(3, 'worker-load', true), T0);
    expect(s.stuckOn).toBeNull();
    expect(stuckReason(s, T0, 10 * MINUTE)).toBeNull();
  });

  it('keeps a failure through a retry of the same chapter, and leaves it behind when the chapter is skipped or left', () => {
    let s = applyEvents(ada(), [chapter(4), check(4, 'flood-answered', false)], T0);
    s = applyEvent(s, chapter(4), T0);
    expect(s.stuckOn?.id).toBe('flood-answered');
    expect(applyEvent(s, { type: 'chapter-done', chapter: 4, skipped: true }, T0).stuckOn).toBeNull();
    expect(applyEvent(s, chapter(5), T0).stuckOn).toBeNull();
  });

  it('is stuck on a chapter that failed without a failed check, with the reason', () => {
    const s = applyEvents(
      ada(),
      [chapter(2), { type: 'chapter-failed', chapter: 2, reason: 'the prelude threw' }],
      T0,
    );
    expect(s.stuckOn).toMatchObject({ chapter: 2, state: 'failed', saw: 'the prelude threw' });
    // A chapter that failed on a check keeps that check as what it is stuck on.
    const t = applyEvents(
      ada(),
      [
        chapter(2),
        check(2, 'prelude', false),
        { type: 'chapter-failed', chapter: 2, reason: 'checks failed' },
      ],
      T0,
    );
    expect(t.stuckOn?.id).toBe('prelude');
  });

  it('is stuck by time after more than N minutes on one chapter, never once finished', () => {
    const s = applyEvent(ada(), chapter(3), T0);
    expect(stuckReason(s, T0 + 10 * MINUTE, 10 * MINUTE)).toBeNull();
    expect(stuckReason(s, T0 + 10 * MINUTE + 1, 10 * MINUTE)).toBe('slow');
    expect(stuckReason(s, T0 + 3 * MINUTE + 1, 3 * MINUTE)).toBe('slow');
    expect(nextSlowAt([s], T0, 10 * MINUTE)).toBe(T0 + 10 * MINUTE + 1);
    const done = applyEvent(s, { type: 'finished', outcome: 'completed' }, T0);
    expect(stuckReason(done, T0 + 60 * MINUTE, 10 * MINUTE)).toBeNull();
    expect(nextSlowAt([done], T0, 10 * MINUTE)).toBeNull();
  });

  it('keeps predictions by chapter and id and figures by name, the latest report winning', () => {
    const s = applyEvents(
      ada(),
      [
        { type: 'prediction', chapter: 3, id: 'worker-load', predicted: 5, observed: 0.93, unit: '' },
        { type: 'prediction', chapter: 6, id: 'drain-speedup', predicted: null, observed: 2.1, unit: '×' },
        { type: 'prediction', chapter: 3, id: 'worker-load', predicted: 1, observed: 0.97, unit: '' },
        { type: 'figure', figure: 'fractals/s', before: 0.2, after: 0.5, higherIsBetter: true },
        { type: 'figure', figure: 'p99 ms', before: 900, after: null, higherIsBetter: false },
        { type: 'figure', figure: 'fractals/s', before: 0.2, after: 0.55, higherIsBetter: true },
      ],
      T0,
    );
    expect(s.predictions).toEqual([
      { chapter: 3, id: 'worker-load', predicted: 1, observed: 0.97, unit: '' },
      { chapter: 6, id: 'drain-speedup', predicted: null, observed: 2.1, unit: '×' },
    ]);
    expect(s.figures).toEqual([
      { figure: 'fractals/s', before: 0.2, after: 0.55, higherIsBetter: true },
      { figure: 'p99 ms', before: 900, after: null, higherIsBetter: false },
    ]);
  });

  it('records how the lesson finished, and a new chapter after quitting means the student is back', () => {
    const quit = applyEvent(applyEvent(ada(), chapter(4), T0), { type: 'finished', outcome: 'quit' }, T0);
    expect(quit.finished).toBe('quit');
    expect(applyEvent(quit, chapter(4), T0).finished).toBeNull();
  });

  it('does not change the view it was given (a fold, not a mutation)', () => {
    const before = ada();
    const copy = structuredClone(before);
    applyEvents(before, [chapter(1), check(1, 'cloud', false), { type: 'finished', outcome: 'failed' }], T0);
    expect(before).toEqual(copy);
  });
});

describe('the class view', () => {
  it('is a ClassView of the protocol with the chapter count, the clock and each student stuck or not', () => {
    const students = [
      applyEvents(ada(), [chapter(1), check(1, 'cloud', false)], T0),
      newStudent('st-2', 'Bo', T0),
    ];
    const view = boardView(
      { room: 'r', joinCode: 'ABCDEF', headroom: 3 },
      students,
      T0 + MINUTE,
      10 * MINUTE,
    );
    expect(classView.parse(view).students).toHaveLength(2);
    expect(view).toMatchObject({
      chapters: CHAPTERS.length,
      now: T0 + MINUTE,
      stuckAfterMs: 10 * MINUTE,
      headroom: 3,
    });
    expect(view.students.map((s) => s.stuck)).toEqual(['failed-check', null]);
  });
});
