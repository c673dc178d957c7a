// The tutor's engine without a cloud: each chapter's runner replaced by one that records the
// manifest's checks as the test says, so what is tested is the orchestration — the order of the
// chapters, resuming from the progress file, --chapter, --yes stopping at the first failed check
// with its hint, retry / skip / quit, --reset, "your turn" verified until it passes or is skipped —
// plus the small pure pieces (predictions explained, Node's version, the quota line, the table).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/cloud/driver.ts';
import type { RunRecord } from '../../src/lab/run-record.ts';
import { UserError } from '../../src/shared/user-error.ts';
import { CHAPTERS, LOAD_SIZES } from '../../steps/chapters.ts';
import { choosePlain } from '../../tutor/cli.ts';
import { figureRows } from '../../tutor/engine/chapters/measure.ts';
import { explainPrediction } from '../../tutor/engine/context.ts';
import {
  type AfterFailure,
  type Learner,
  nonInteractive,
  type TutorEvent,
} from '../../tutor/engine/events.ts';
import { nodeVersionOk, quotaLine } from '../../tutor/engine/preflight.ts';
import { freshProgress, type ProgressStore, progressStore } from '../../tutor/engine/progress.ts';
import { type LessonOptions, RUNNERS, type Runners, runLesson } from '../../tutor/engine/run-lesson.ts';
import { initialState, reduce } from '../../tutor/engine/state.ts';

const conn = { label: 'a test cloud' } as unknown as Connection;

/** Runners that pass every check of their chapter, except those `fail` names (chapter number → check ids). */
function fakeRunners(fail: Record<number, string[]> = {}, calls: string[] = []): Runners {
  const passAll =
    (number: number) =>
    async (ctx: Parameters<Runners['wrap-up']>[0], book: Parameters<Runners['wrap-up']>[1]) => {
      calls.push(`chapter ${number}`);
      for (const check of CHAPTERS[number - 1]!.checks) {
        const failing = fail[number]?.includes(check.id) ?? false;
        book.record(ctx, check.id, !failing, failing ? 'saw it fail' : 'saw it pass');
      }
    };
  return {
    preflight: async (ctx, book) => {
      await passAll(1)(ctx as never, book);
      return fail[1]?.includes('cloud') ? undefined : conn;
    },
    clean: async () => {
      calls.push('clean');
    },
    'where-we-are': passAll(2),
    'overload-worker': passAll(3),
    'overload-api': passAll(4),
    'scale-out': passAll(5),
    measure: passAll(6),
    'hands-on': passAll(7),
    'wrap-up': passAll(8),
  };
}

let dir: string;
let store: ProgressStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tutor-engine-'));
  store = progressStore(join(dir, 'progress.json'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function lesson(overrides: Partial<LessonOptions> & { runners: Runners }) {
  const events: TutorEvent[] = [];
  const outcome = await runLesson({
    run: {},
    sizes: LOAD_SIZES.quick,
    learner: nonInteractive,
    store,
    emit: (e) => events.push(e),
    ...overrides,
  });
  const started = events.flatMap((e) => (e.type === 'chapter-started' ? [e.chapter] : []));
  return { outcome, events, started };
}

describe('the lesson under --yes', () => {
  it('runs the eight chapters in order and saves that it is complete', async () => {
    const { outcome, started, events } = await lesson({ runners: fakeRunners() });
    expect(outcome).toBe('completed');
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.filter((e) => e.type === 'check').every((e) => e.type === 'check' && e.ok)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'finished', outcome: 'completed', nextChapter: 9 });
    expect(store.load()).toMatchObject({
      nextChapter: 9,
      done: [1, 2, 3, 4, 5, 6, 7, 8],
      cloud: 'a test cloud',
    });
  });

  it('stops at the first failed check with its hint, and the next start resumes at that chapter', async () => {
    const calls: string[] = [];
    const first = await lesson({ runners: fakeRunners({ 3: ['worker-load'] }, calls) });
    expect(first.outcome).toBe('failed');
    expect(first.started).toEqual([1, 2, 3]);
    const failed = first.events.find((e) => e.type === 'chapter-failed');
    expect(failed).toMatchObject({
      chapter: 3,
      failed: [{ id: 'worker-load', ok: false, saw: 'saw it fail', hint: CHAPTERS[2]!.checks[1]!.hint }],
    });
    expect(store.load()).toMatchObject({ nextChapter: 3, done: [1, 2] });

    const again = await lesson({ runners: fakeRunners() });
    expect(again.outcome).toBe('completed');
    // The preflight runs again (it makes the connection); chapters 2 and 1's progress are kept.
    expect(again.started).toEqual([1, 3, 4, 5, 6, 7, 8]);
  });

  it('stops at the preflight when no cloud answers, before any other chapter', async () => {
    const { outcome, started, events } = await lesson({ runners: fakeRunners({ 1: ['cloud'] }) });
    expect(outcome).toBe('failed');
    expect(started).toEqual([1]);
    expect(events.find((e) => e.type === 'chapter-failed')).toMatchObject({
      chapter: 1,
      failed: [{ id: 'cloud' }],
    });
  });

  it('a runner that throws fails its chapter with the error’s sentence', async () => {
    const runners = {
      ...fakeRunners(),
      'overload-api': async () => Promise.reject(new UserError('The API went away; start it again.')),
    };
    const { outcome, events } = await lesson({ runners });
    expect(outcome).toBe('failed');
    expect(events.find((e) => e.type === 'chapter-failed')).toMatchObject({
      chapter: 4,
      failed: [],
      reason: 'The API went away; start it again.',
    });
  });
});

describe('--chapter and --reset', () => {
  it('--chapter N starts there whatever the progress says; a chapter that does not exist is a UserError', async () => {
    store.save({ ...freshProgress(), nextChapter: 7, done: [1, 2, 3, 4, 5, 6] });
    const { started } = await lesson({ runners: fakeRunners(), chapter: 5 });
    expect(started).toEqual([1, 5, 6, 7, 8]);
    await expect(lesson({ runners: fakeRunners(), chapter: 9 })).rejects.toThrow(
      /There is no chapter 9; the chapters are 1 to 8/,
    );
  });

  it('--reset forgets the progress and cleans the cloud before starting over', async () => {
    store.save({
      ...freshProgress(),
      nextChapter: 7,
      done: [1, 2, 3, 4, 5, 6],
      predictions: { 'worker-load': 5 },
    });
    const calls: string[] = [];
    const { started } = await lesson({ runners: fakeRunners({}, calls), reset: true });
    expect(calls.slice(0, 2)).toEqual(['chapter 1', 'clean']);
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(store.load().predictions).toEqual({});
  });

  it('a finished lesson says so and runs nothing', async () => {
    store.save({ ...freshProgress(), nextChapter: 9 });
    const { outcome, started } = await lesson({ runners: fakeRunners() });
    expect(outcome).toBe('completed');
    expect(started).toEqual([]);
  });
});

/** A learner that answers from lists, recording what it was asked. */
function scripted(answers: {
  begin?: boolean[];
  failed?: AfterFailure[];
  yourTurn?: ('done' | 'skip')[];
  predict?: number[];
}) {
  const asked: string[] = [];
  const ask = <T>(what: string, answer: T): T => {
    asked.push(what);
    return answer;
  };
  const learner: Learner = {
    begin: async (c) => ask(`begin ${c.number}`, answers.begin?.shift() ?? true),
    predict: async (_c, p) => ask(`predict ${p.id}`, answers.predict?.shift()),
    yourTurn: async (_c, t) => ask(`your turn ${t.id}`, answers.yourTurn?.shift() ?? 'skip'),
    failed: async (c) => ask(`failed ${c.number}`, answers.failed?.shift() ?? 'quit'),
  };
  return { learner, asked };
}

describe('a learner at the keys', () => {
  it('retry runs the chapter again; skip moves on and remembers the skip', async () => {
    let attempts = 0;
    const runners = fakeRunners({ 4: ['api-load'] });
    const base = runners['overload-worker'];
    runners['overload-worker'] = async (ctx, book) => {
      attempts += 1;
      if (attempts === 1) book.record(ctx, 'backlog', false, 'no backlog');
      else await base(ctx, book);
    };
    const { learner, asked } = scripted({ failed: ['retry', 'skip'] });
    const { outcome, started } = await lesson({ runners, learner });
    expect(outcome).toBe('completed');
    expect(attempts).toBe(2);
    expect(started).toEqual([1, 2, 3, 3, 4, 5, 6, 7, 8]);
    expect(asked.filter((a) => a.startsWith('failed'))).toEqual(['failed 3', 'failed 4']);
    expect(store.load()).toMatchObject({ skipped: [4], done: [1, 2, 3, 5, 6, 7, 8] });
  });

  it('quitting before a chapter ends the session there (exit 0), the next one starts at it', async () => {
    const { learner } = scripted({ begin: [true, true, true, false] });
    const { outcome } = await lesson({ runners: fakeRunners(), learner });
    expect(outcome).toBe('quit');
    expect(store.load()).toMatchObject({ nextChapter: 4, done: [1, 2, 3] });
  });

  it('a your-turn task is verified from the cloud until it passes or is skipped', async () => {
    const chapter7 = CHAPTERS[6]!;
    const verdicts = [
      { ok: false, saw: 'there is no server app-worker-4' },
      { ok: true, saw: 'app-worker-4 is ACTIVE' },
    ];
    const original = chapter7.yourTurn[0]!.verify;
    (chapter7.yourTurn[0] as { verify?: unknown }).verify = async () => verdicts.shift()!;
    try {
      const { learner } = scripted({ yourTurn: ['skip', 'done', 'done'] });
      const { events } = await lesson({ runners: fakeRunners(), learner });
      const turns = events.flatMap((e) =>
        e.type === 'your-turn' ? [`${e.task.id} ${e.outcome} ${e.saw ?? ''}`.trim()] : [],
      );
      expect(turns).toEqual([
        'server-list skipped',
        'fourth-worker skipped there is no server app-worker-4',
        'fourth-worker done app-worker-4 is ACTIVE',
      ]);
    } finally {
      (chapter7.yourTurn[0] as { verify?: unknown }).verify = original;
    }
  });
});

describe('the pieces', () => {
  it('explains a prediction: close, or more or less than predicted, with the reason', () => {
    expect(explainPrediction(1, 0.95, 'Why.')).toBe('Close to what you predicted. Why.');
    expect(explainPrediction(5, 1, 'Why.')).toBe('Less than you predicted. Why.');
    expect(explainPrediction(0.25, 1, 'Why.')).toBe('More than you predicted. Why.');
    expect(explainPrediction(undefined, 1, 'Why.')).toBe('Why.');
  });

  it('wants Node 20.19 or newer', () => {
    expect(['v20.19.0', 'v20.20.1', 'v22.1.0'].map(nodeVersionOk)).toEqual([true, true, true]);
    expect(['v20.18.3', 'v18.20.0'].map(nodeVersionOk)).toEqual([false, false]);
  });

  it('shows the quota as used/limit, ∞ for no limit', () => {
    expect(
      quotaLine({
        instances: { used: 2, limit: 10 },
        cores: { used: 2, limit: -1 },
        ram: { used: 4096, limit: 51200 },
      }),
    ).toBe('instances 2/10, vCPUs 2/∞, RAM 4096/51200 MB');
  });

  it('puts two runs side by side with the ratio and each role’s peak load', () => {
    const record = (drainMs: number, workers: Record<string, number>): RunRecord =>
      ({
        figures: {
          drainMs,
          throughputPerMinute: 600_000 / drainMs,
          errors: 0,
          samples: Object.fromEntries(
            Object.entries(workers).map(([n, max]) => [
              n,
              { load1: { count: 3, min: 0, max, mean: max / 2, last: max } },
            ]),
          ),
        },
        topology: {
          cloud: 'c',
          nodes: Object.keys(workers).map((name) => ({ name, flavor: 'm1.small', roles: ['worker'] })),
        },
      }) as unknown as RunRecord;
    const rows = figureRows(
      'batch',
      record(40_000, { 'app-worker-1': 1.2 }),
      record(16_000, { 'app-worker-1': 0.8, 'app-worker-2': 0.9 }),
    );
    expect(
      rows.map((r) => [r.figure, r.before, r.after, r.ratio === null ? null : Number(r.ratio.toFixed(2))]),
    ).toEqual([
      ['batch errors', 0, 0, null],
      ['batch fractals/min', 15, 37.5, 2.5],
      ['batch drain ms', 40_000, 16_000, 0.4],
      ['batch peak load per worker node', 1.2, 0.9, 0.75],
    ]);
  });

  it('folds events into the screen’s state: a new chapter starts clean, series keep their last 60 readings', () => {
    let state = reduce(initialState, { type: 'chapter-started', chapter: 3, title: 'Overload the worker' });
    for (let i = 0; i < 70; i++)
      state = reduce(state, { type: 'sample', meter: 'load', node: 'w', at: i, value: i });
    state = reduce(state, {
      type: 'check',
      chapter: 3,
      id: 'backlog',
      label: 'b',
      ok: true,
      saw: 's',
      hint: 'h',
    });
    expect(state.load.w).toHaveLength(60);
    expect(state.load.w![0]).toEqual({ at: 10, value: 10 });
    expect(state.checks).toHaveLength(1);
    // A step's events are kept for its progress pane; the next step starts a new list.
    const step = (id: string) => ({ id, title: id, file: `steps/${id}.ts` });
    state = reduce(state, {
      type: 'step',
      chapter: 3,
      event: { type: 'started', step: step('step-1'), checkOnly: false },
    });
    state = reduce(state, { type: 'step', chapter: 3, event: { type: 'done', step: step('step-1') } });
    expect(state.stepSettled).toBe(false);
    // A check the chapter records after a wait says the wait is over; the next step event reopens it.
    const checked = reduce(state, {
      type: 'check',
      chapter: 3,
      id: 'x',
      label: 'x',
      ok: true,
      saw: 's',
      hint: 'h',
    });
    expect(checked.stepSettled).toBe(true);
    expect(
      reduce(checked, { type: 'step', chapter: 3, event: { type: 'done', step: step('step-1') } })
        .stepSettled,
    ).toBe(false);
    expect(state.stepEvents.map((e) => e.type)).toEqual(['started', 'done']);
    state = reduce(state, {
      type: 'step',
      chapter: 3,
      event: { type: 'started', step: step('step-2'), checkOnly: true },
    });
    expect(state.stepEvents).toHaveLength(1);
    expect(state.step).toMatchObject({ id: 'step-2', file: 'steps/step-2.ts' });
    // What the step prints: its last three lines while it runs, none once it ended.
    for (const text of ['one', 'two', 'three', 'four'])
      state = reduce(state, { type: 'step-output', chapter: 3, text });
    expect(state.stepOutput).toEqual(['two', 'three', 'four']);
    const ended = reduce(state, { type: 'step', chapter: 3, event: { type: 'done', step: step('step-2') } });
    expect(ended.stepOutput).toEqual([]);
    expect(reduce(ended, { type: 'step-output', chapter: 3, text: 'late' }).stepOutput).toEqual([]);
    expect(reduce(state, { type: 'chapter-started', chapter: 4, title: 'x' })).toMatchObject({
      chapter: 4,
      checks: [],
      load: {},
    });
  });

  it('draws with Ink only in a terminal that can answer keys, and not in CI; else lines', () => {
    const tty = { isTTY: true } as NodeJS.ReadStream & NodeJS.WriteStream;
    const pipe = { isTTY: false } as unknown as NodeJS.ReadStream & NodeJS.WriteStream;
    const local = {};
    expect(choosePlain({}, { stdin: tty, stdout: tty }, local)).toBe(false);
    expect(choosePlain({ plain: true }, { stdin: tty, stdout: tty }, local)).toBe(true);
    expect(choosePlain({}, { stdin: tty, stdout: pipe }, local)).toBe(true);
    expect(choosePlain({}, { stdin: pipe, stdout: tty }, local)).toBe(true);
    // --yes asks nothing, so a terminal to draw on is enough.
    expect(choosePlain({ yes: true }, { stdin: pipe, stdout: tty }, local)).toBe(false);
    // In CI Ink would draw only its last frame, at exit: lines instead, unless CI says false or 0.
    expect(choosePlain({ yes: true }, { stdin: tty, stdout: tty }, { CI: 'true' })).toBe(true);
    expect(choosePlain({ yes: true }, { stdin: tty, stdout: tty }, { CONTINUOUS_INTEGRATION: '1' })).toBe(
      true,
    );
    expect(choosePlain({ yes: true }, { stdin: tty, stdout: tty }, { CI: 'false' })).toBe(false);
    expect(choosePlain({ yes: true }, { stdin: tty, stdout: tty }, { CI: '0' })).toBe(false);
  });

  it('the real runners cover every chapter of the manifest', () => {
    expect(Object.keys(RUNNERS).sort()).toEqual([...CHAPTERS.map((c) => c.id), 'clean'].sort());
  });
});
