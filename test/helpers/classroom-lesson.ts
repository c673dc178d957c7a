// A whole lesson as one student's tutor would report it to the teacher's board: every chapter of
// steps/chapters.ts begun, each of its named checks (some failing first, then passing on a retry), the
// predictions with their measurements, the before/after figures, and the end. Values depend on the
// student's number, so a test can tell that nothing was lost or crossed between students.
import type { EventsRequest, JoinReply, ProgressEvent } from '../../src/classroom/protocol.ts';
import { seededRandom } from '../../src/lab/seeded-random.ts';
import { CHAPTERS } from '../../steps/chapters.ts';

/** The figures every student reports, with values of their own. */
export const FIGURE_NAMES = ['fractals per second', 'drain time (s)', 'p99 (ms)'] as const;

export function figureValues(student: number): Record<(typeof FIGURE_NAMES)[number], [number, number]> {
  return {
    'fractals per second': [0.2 + student / 100, 0.5 + student / 50],
    'drain time (s)': [120 + student, 50 + student / 2],
    'p99 (ms)': [900 + student, 400 + student],
  };
}

/** What student `n` guessed for a prediction (one of its choices) and measured. */
export function predictionValues(student: number, index: number): { predicted: number; observed: number } {
  return {
    predicted: index + (student % 4),
    observed: Math.round((0.5 + student * 0.01 + index) * 100) / 100,
  };
}

/** Every event of a full lesson for student `n`, in the order the tutor sends them. */
export function fullLesson(student: number): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  let predictionIndex = 0;
  for (const chapter of CHAPTERS) {
    events.push({ type: 'chapter', chapter: chapter.number, title: chapter.title });
    // Every third student fails the chapter's first check once, retries the chapter and passes.
    const first = chapter.checks[0];
    if (first && student % 3 === chapter.number % 3) {
      events.push(checkEvent(chapter.number, first, false));
      events.push({ type: 'chapter-failed', chapter: chapter.number, reason: 'a check failed' });
      events.push({ type: 'chapter', chapter: chapter.number, title: chapter.title });
    }
    for (const check of chapter.checks) events.push(checkEvent(chapter.number, check, true));
    for (const prediction of chapter.predictions) {
      const { predicted, observed } = predictionValues(student, predictionIndex++);
      events.push({
        type: 'prediction',
        chapter: chapter.number,
        id: prediction.id,
        predicted,
        observed,
        unit: prediction.unit,
      });
    }
    if (chapter.id === 'measure') {
      const values = figureValues(student);
      for (const figure of FIGURE_NAMES) {
        const [before, after] = values[figure];
        events.push({
          type: 'figure',
          figure,
          before,
          after,
          higherIsBetter: figure === 'fractals per second',
        });
      }
    }
    events.push({ type: 'chapter-done', chapter: chapter.number, skipped: false });
  }
  events.push({ type: 'finished', outcome: 'completed' });
  return events;
}

function checkEvent(
  chapter: number,
  check: { id: string; label: string; hint: string },
  ok: boolean,
): ProgressEvent {
  return {
    type: 'check',
    chapter,
    id: check.id,
    label: check.label,
    ok,
    saw: ok ? 'as expected' : 'not yet',
    hint: check.hint,
  };
}

/** The events cut into batches of random sizes (1 … maxBatch), the same cut for the same seed. */
export function randomBatches(
  events: readonly ProgressEvent[],
  seed: number,
  maxBatch = 12,
): ProgressEvent[][] {
  const random = seededRandom(seed);
  const batches: ProgressEvent[][] = [];
  for (let at = 0; at < events.length; ) {
    const size = 1 + Math.floor(random() * maxBatch);
    batches.push(events.slice(at, at + size));
    at += size;
  }
  return batches;
}

/** Joins a board over HTTP; throws with the board's error when refused. */
export async function joinBoard(base: string, code: string, name: string): Promise<JoinReply> {
  const response = await fetch(`${base}/api/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, name }),
  });
  if (response.status !== 201) throw new Error(`join ${name}: ${response.status} ${await response.text()}`);
  return (await response.json()) as JoinReply;
}

/** Posts one batch with a student's token; returns the status. */
export async function postEvents(base: string, token: string, events: ProgressEvent[]): Promise<number> {
  const body: EventsRequest = { events };
  const response = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}
