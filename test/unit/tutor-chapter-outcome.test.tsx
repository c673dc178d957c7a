// The finished chapter's result stays on screen while the next chapter asks to begin: its checks
// and the measurement beside the prediction (what "explain" needs), drawn from the engine's state.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ChapterOutcome } from '../../tutor/app/chapter-outcome.tsx';
import { initialState, reduce } from '../../tutor/engine/state.ts';
import { frameLines, plain, widest } from '../helpers/ink-frame.ts';

describe('ChapterOutcome', () => {
  it("shows how the chapter's checks ended and what was measured beside the prediction", () => {
    let state = reduce(initialState, { type: 'chapter-started', chapter: 3, title: 'Overload the worker' });
    state = reduce(state, {
      type: 'check',
      chapter: 3,
      id: 'worker-load',
      label: "app-worker-1's load reached 0.9",
      ok: true,
      saw: 'peak 1.02',
      hint: 'run it again',
    });
    state = reduce(state, {
      type: 'observed',
      chapter: 3,
      prediction: 'worker-load',
      predicted: 5,
      observed: 1.02,
      unit: '',
      explanation: 'One worker keeps about one task runnable.',
    });
    const { lastFrame } = render(<ChapterOutcome state={state} />);
    const frame = plain(lastFrame());
    expect(frame).toContain('Chapter 3 · Overload the worker, as it ended:');
    expect(frame).toContain('✓ its check passed');
    expect(frame).toContain('You predicted 5; measured 1.02. One worker keeps about one task runnable.');
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it('breaks a long explanation between words, no line starting with a space', () => {
    let state = reduce(initialState, { type: 'chapter-started', chapter: 4, title: 'Overload the API' });
    state = reduce(state, {
      type: 'observed',
      chapter: 4,
      prediction: 'flood-errors',
      predicted: 0,
      observed: 0,
      unit: ' of the requests failed',
      explanation:
        'Close to what you predicted. A small API answers quickly and queues what it cannot answer at once, so the requests wait rather than fail: the cost shows first in the slowest answers (p99).',
    });
    const lines = frameLines(render(<ChapterOutcome state={state} />).lastFrame())
      .slice(1)
      .filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line).toMatch(/^\S/);
  });

  it('names a failed check with what it saw', () => {
    let state = reduce(initialState, { type: 'chapter-started', chapter: 5, title: 'Scale out' });
    for (const ok of [true, false])
      state = reduce(state, {
        type: 'check',
        chapter: 5,
        id: `c${ok}`,
        label: ok ? 'groups' : 'workers consume',
        ok,
        saw: ok ? 'all four' : 'app-worker-2 is SHUTOFF',
        hint: 'start it',
      });
    const frame = plain(render(<ChapterOutcome state={state} />).lastFrame());
    expect(frame).toContain('✓ its check passed but 1');
    expect(frame).toContain('✗ workers consume: app-worker-2 is SHUTOFF');
  });

  it('draws nothing before any chapter or for a chapter that checked nothing', () => {
    expect(plain(render(<ChapterOutcome state={initialState} />).lastFrame())).toBe('');
    const started = reduce(initialState, { type: 'chapter-started', chapter: 8, title: 'Wrap-up' });
    expect(plain(render(<ChapterOutcome state={started} />).lastFrame())).toBe('');
  });
});
