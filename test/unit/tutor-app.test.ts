// The Ink app driven by keys (ink-testing-library), on the engine with chapters that need no cloud:
// a chapter's text waits for n, a prediction takes a digit, a failed check shows ✗ with its hint
// and r runs the chapter again, q before a chapter ends the session (progress saved); the key bar
// is always at the bottom.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/cloud/driver.ts';
import { CHAPTERS, LOAD_SIZES } from '../../steps/chapters.ts';
import { tapConsole } from '../../tutor/app/console-tap.ts';
import { App } from '../../tutor/app.tsx';
import { askPrediction, type ChapterContext, type CheckBook } from '../../tutor/engine/context.ts';
import { type ProgressStore, progressStore } from '../../tutor/engine/progress.ts';
import { type LessonOutcome, RUNNERS, type Runners } from '../../tutor/engine/run-lesson.ts';
import { activeKeys, answerFor } from '../../tutor/hooks/use-keys.ts';

let dir: string;
let store: ProgressStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tutor-app-'));
  store = progressStore(join(dir, 'progress.json'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const conn = { label: 'a test cloud' } as unknown as Connection;

function runners(): { runners: Runners; attempts: Map<number, number>; releaseStep: () => void } {
  const attempts = new Map<number, number>();
  // Chapter 2's prelude "runs" until the test has looked at its code.
  let releaseStep = () => {};
  const stepRunning = new Promise<void>((resolve) => {
    releaseStep = resolve;
  });
  const chapter = (n: number) => async (ctx: ChapterContext, book: CheckBook) => {
    attempts.set(n, (attempts.get(n) ?? 0) + 1);
    if (n === 2) {
      const prelude = { id: 'prelude', title: 'The prelude', file: 'steps/prelude.ts' };
      ctx.emit({ type: 'step', chapter: 2, event: { type: 'started', step: prelude, checkOnly: false } });
      // What a step prints (step 7's `faafo list`): through the app's console tap, when it has one.
      console.log('$ faafo --endpoint-url http://127.0.2.3:8080 list\n| uuid | dimensions |');
      console.log('\u001b[32mgenerated_by: app-worker-1 ×1\u001b[39m');
      await stepRunning;
      ctx.emit({ type: 'step', chapter: 2, event: { type: 'done', step: prelude } });
      ctx.emit({
        type: 'fractal',
        chapter: 2,
        uuid: 'f-1',
        url: 'http://127.0.2.3:8080/fractal/f-1',
        png: Buffer.from('not really a PNG'),
        generatedBy: 'app-worker-1',
      });
      // As the real chapter's checks take a moment after the fractal is shown.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (n === 3) {
      const predicted = await askPrediction(ctx, 'worker-load');
      ctx.emit({ type: 'note', chapter: 3, text: `predicted ${predicted}` });
    }
    for (const check of CHAPTERS[n - 1]!.checks) {
      // Chapter 4's first attempt fails its api-load check.
      const ok = !(n === 4 && check.id === 'api-load' && attempts.get(4) === 1);
      book.record(ctx, check.id, ok, ok ? 'as expected' : 'no load readings for app-controller');
    }
  };
  return {
    attempts,
    releaseStep: () => releaseStep(),
    runners: {
      ...RUNNERS,
      preflight: async (ctx, book) => {
        await chapter(1)(ctx as ChapterContext, book);
        return conn;
      },
      'where-we-are': chapter(2),
      'overload-worker': chapter(3),
      'overload-api': chapter(4),
      'scale-out': chapter(5),
      measure: chapter(6),
      'hands-on': chapter(7),
      'wrap-up': chapter(8),
    },
  };
}

async function until(
  frame: () => string | undefined,
  text: string | RegExp,
  timeoutMs = 3000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = frame() ?? '';
    if (typeof text === 'string' ? now.includes(text) : text.test(now)) return now;
    if (Date.now() > deadline) throw new Error(`The screen never showed ${text}; it shows:\n${now}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A key, once the screen that asks for it has subscribed to input (Ink does so after drawing it). */
async function press(app: { stdin: { write(data: string): void } }, key: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
  app.stdin.write(key);
}

describe('the Ink app', () => {
  it('is driven by its keys: n, a digit for a prediction, r after a failed check, q to quit', async () => {
    const { runners: fake, attempts, releaseStep } = runners();
    const ended: (LessonOutcome | { error: string })[] = [];
    const options = { run: {}, sizes: LOAD_SIZES.quick, store, runners: fake };
    const tap = tapConsole();
    const app = render(
      createElement(App, { options, yes: false, onEnd: (o) => ended.push(o), stepOutput: tap }),
    );
    try {
      let frame = await until(app.lastFrame, 'Preflight: your machine and your cloud');
      expect(frame).toContain('n next');
      expect(frame).toContain('q quit');
      expect(frame).toContain('? help');
      await press(app, '?');
      frame = await until(app.lastFrame, 'Keys (? or Esc closes this help)');
      expect(frame).toContain('Quit; the next start resumes here.');
      await press(app, '?');
      await until(() => (app.lastFrame()?.includes('Keys (?') ? '' : 'closed'), 'closed');
      await press(app, 'n');
      await until(app.lastFrame, 'Where we are: one controller, one worker');
      await press(app, 'n');
      // While a step runs, c shows its file (highlighted, scrollable) and c again the live view.
      await until(app.lastFrame, '▶ prelude: The prelude');
      await press(app, 'c');
      frame = await until(app.lastFrame, 'export default async function prelude');
      expect(frame).toContain('c code');
      await press(app, 'c');
      frame = await until(app.lastFrame, '▶ prelude: The prelude');
      // The step's last printed lines under it, as lines of their own, without colour codes.
      expect(frame).toMatch(/│ \$ faafo --endpoint-url http:\/\/127\.0\.2\.3:8080 list\n *│ \| uuid/);
      expect(frame).toContain('│ generated_by: app-worker-1 ×1');
      expect(frame).not.toContain('[32m');
      releaseStep();
      frame = await until(app.lastFrame, 'Your turn: In another terminal');
      // Once the step is over its output gives the room back.
      expect(frame).not.toContain('│ generated_by');
      // The chapter's fractal was shown before the question (a link, in a terminal without pictures).
      expect(app.frames.join('\n')).toContain(
        'the fractal app-worker-1 drew: http://127.0.2.3:8080/fractal/f-1',
      );
      expect(frame).toContain('$ openstack server list');
      await press(app, 's');
      await until(app.lastFrame, /Chapter 3\/8|Overload the worker/);
      await press(app, 'n');
      frame = await until(app.lastFrame, "Predict: How far will app-worker-1's 1-minute load average climb");
      expect(frame).toContain('3. about 1 — its one CPU is busy all the time');
      await press(app, '3');
      await until(app.lastFrame, 'Overload the API');
      expect(store.load().predictions).toEqual({ 'worker-load': 1 });
      await press(app, 'n');
      frame = await until(app.lastFrame, 'A check failed');
      expect(frame).toContain("✗ app-controller's load was measured");
      expect(frame).toContain('hint: The cloud gave no diagnostics for app-controller');
      await press(app, 'r');
      await until(app.lastFrame, 'Scale out: steps 1 to 6');
      expect(attempts.get(4)).toBe(2);
      await press(app, 'q');
      await until(() => (ended.length > 0 ? 'ended' : ''), 'ended');
      expect(ended).toEqual(['quit']);
      expect(store.load()).toMatchObject({ nextChapter: 5, done: [1, 2, 3, 4] });
    } finally {
      app.unmount();
      tap.restore();
    }
  });

  it('in a classroom: every event goes to the session, its greeting and trouble are notes on the screen', async () => {
    const { runners: fake, releaseStep } = runners();
    const observed: string[] = [];
    let show: (line: string) => void = () => {};
    const classroom = {
      greeting: ['Joined "Cloud 101" as Ada.'],
      roomLine: 'In room "Cloud 101" as Ada',
      observe: (event: { type: string }) => observed.push(event.type),
      showTroubleWith: (next: (line: string) => void) => {
        show = next;
      },
    };
    // The preflight waits until the test has seen the greeting (a real one takes seconds).
    let greeted = () => {};
    const seen = new Promise<void>((resolve) => {
      greeted = resolve;
    });
    const preflight: Runners['preflight'] = async (ctx, book) => {
      await seen;
      return fake.preflight(ctx, book);
    };
    const options = { run: {}, sizes: LOAD_SIZES.quick, store, runners: { ...fake, preflight } };
    const ended: (LessonOutcome | { error: string })[] = [];
    const app = render(createElement(App, { options, yes: true, onEnd: (o) => ended.push(o), classroom }));
    try {
      await until(app.lastFrame, '· Joined "Cloud 101" as Ada.');
      greeted();
      await until(app.lastFrame, '▶ prelude: The prelude');
      show('The board stopped answering.');
      await until(app.lastFrame, '· The board stopped answering.');
      // The room's line stays under the header past chapter 1 (the prelude runs in chapter 2).
      expect(app.lastFrame()!.split('\n')[1]).toBe('In room "Cloud 101" as Ada');
      releaseStep();
      await until(() => (ended.length > 0 ? 'ended' : ''), 'ended');
      expect(observed).toContain('chapter-started');
      expect(observed).toContain('check');
      expect(observed.at(-1)).toBe('finished');
    } finally {
      app.unmount();
    }
  });

  it('maps keys to answers only for the question that is open', () => {
    const chapter = CHAPTERS[2]!;
    const predict = { kind: 'predict', chapter, prediction: chapter.predictions[0]! } as const;
    expect(answerFor(predict, '4', false)).toBe(5);
    expect(answerFor(predict, 's', false)).toBeUndefined();
    expect(answerFor(predict, 'x', false)).toBe('none');
    const failed = { kind: 'failed', chapter, failed: [] } as const;
    expect(['r', 's', 'q', 'n'].map((k) => answerFor(failed, k, false))).toEqual([
      'retry',
      'skip',
      'quit',
      'none',
    ]);
    expect(answerFor({ kind: 'begin', chapter }, '', true)).toBe(true);
    expect(answerFor(undefined, 'n', false)).toBe('none');
    // The key bar shows the keys that do something now.
    expect(activeKeys(failed, false)).toEqual(['retry', 'skip', 'hint', 'quit', 'help']);
    expect(activeKeys(undefined, true)).toEqual(['hint', 'code', 'quit', 'help']);
  });
});
