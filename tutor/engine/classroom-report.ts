// What the board of a classroom learns from the tutor's events, and nothing else: a chapter began,
// each named check with what it saw (passwords masked, cut short), a chapter done or failed, a
// prediction beside what was measured, the before/after figures, and the end. Code, credentials,
// live samples, fractal URLs and the cloud's addresses do not leave (only what a check's own `saw`
// says, redacted). Pure: the tutor's wiring hands the result to the reporter.
import { cut, shareable } from '../../src/classroom/client/shareable.ts';
import type { ProgressEvent } from '../../src/classroom/protocol.ts';
import { CHAPTERS } from '../../steps/chapters.ts';
import type { TutorEvent } from './events.ts';

/** The prediction's id in the manifest (the event carries its question), else the question cut short. */
function predictionId(chapter: number, question: string): string {
  const found = CHAPTERS.find((c) => c.number === chapter)?.predictions.find((p) => p.question === question);
  return found?.id ?? cut(question, 80);
}

const finite = (n: number | null): number | null => (n !== null && Number.isFinite(n) ? n : null);

export function progressOf(event: TutorEvent): ProgressEvent[] {
  switch (event.type) {
    case 'chapter-started':
      return [{ type: 'chapter', chapter: event.chapter, title: cut(event.title, 120) }];
    case 'check':
      return [
        {
          type: 'check',
          chapter: event.chapter,
          id: cut(event.id, 80),
          label: cut(event.label, 120),
          ok: event.ok,
          saw: shareable(event.saw),
          hint: shareable(event.hint),
        },
      ];
    case 'chapter-done':
      return [{ type: 'chapter-done', chapter: event.chapter, skipped: event.skipped }];
    case 'chapter-failed':
      return [{ type: 'chapter-failed', chapter: event.chapter, reason: shareable(event.reason) }];
    case 'observed':
      if (!Number.isFinite(event.observed)) return [];
      return [
        {
          type: 'prediction',
          chapter: event.chapter,
          id: predictionId(event.chapter, event.prediction),
          predicted:
            event.predicted !== undefined && Number.isFinite(event.predicted) ? event.predicted : null,
          observed: event.observed,
          unit: cut(event.unit, 40),
        },
      ];
    case 'comparison':
      return event.rows.map((row) => ({
        type: 'figure',
        figure: cut(row.figure, 80),
        before: finite(row.before),
        after: finite(row.after),
        higherIsBetter: row.higherIsBetter,
      }));
    case 'finished':
      return [{ type: 'finished', outcome: event.outcome }];
    default:
      // text, step (the runner's cloud events: names, addresses), the step's output, notes, samples, measuring,
      // latency, measured (run records), fractals, drills and your-turn tasks stay on the machine.
      return [];
  }
}
