// A notebook in a teacher's classroom: `await lesson.join(url, code, name)` joins the board, and from
// then on each step a cell runs reports what the tutor reports for it — the chapter the step belongs
// to, each check with what it saw (passwords masked, cut short), the chapter done after its last step
// or failed with the step's one-line reason. Nothing else leaves: no cell's code, no credentials.
// Loaded as CommonJS by tslab (no import.meta, no top-level await).

import { CHAPTERS } from '../../steps/chapters.ts';
import { cut, shareable } from '../classroom/client/shareable.ts';
import type { ProgressEvent } from '../classroom/protocol.ts';
import type { StepEvent } from '../lesson/events.ts';

/** The chapter whose steps include the step (the prelude is chapter 2's, steps 1 … 6 chapter 5's). */
const chapterOfStep = (stepId: string) =>
  CHAPTERS.find((c) => (c.steps as readonly string[]).includes(stepId));

/**
 * Maps a notebook's step events to progress; remembers the chapter last reported, so a chapter is
 * said once when its first step starts (the board counts the time on a chapter from then).
 */
export function stepProgress(): (event: StepEvent) => ProgressEvent[] {
  let chapter: number | undefined;
  let stepId: string | undefined;
  return (event) => {
    if (event.type === 'started') {
      stepId = event.step.id;
      const found = chapterOfStep(stepId);
      if (!found || found.number === chapter) return [];
      chapter = found.number;
      return [{ type: 'chapter', chapter, title: cut(found.title, 120) }];
    }
    if (chapter === undefined || stepId === undefined) return [];
    switch (event.type) {
      case 'check':
        return [
          {
            type: 'check',
            chapter,
            id: cut(`${stepId}: ${event.label}`, 80),
            label: cut(event.label, 120),
            ok: event.ok,
            saw: shareable(event.detail ?? ''),
            hint: '',
          },
        ];
      case 'done': {
        const steps: readonly string[] = chapterOfStep(event.step.id)?.steps ?? [];
        return steps.at(-1) === event.step.id ? [{ type: 'chapter-done', chapter, skipped: false }] : [];
      }
      case 'failed':
        return [{ type: 'chapter-failed', chapter, reason: shareable(event.reason) }];
      default:
        // The cloud's own events (servers made, addresses, waits) stay in the notebook.
        return [];
    }
  };
}
