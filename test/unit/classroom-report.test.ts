// What the board learns from the tutor's events: every TutorEvent kind mapped (or kept back), each
// result a valid ProgressEvent, a URL password in what a check saw masked and the text cut to 300,
// and nothing else leaving — no code, no credentials, no fractal URLs, no cloud events.
import { describe, expect, it } from 'vitest';
import { progressEvent } from '../../src/classroom/protocol.ts';
import { CHAPTERS } from '../../steps/chapters.ts';
import { progressOf } from '../../tutor/engine/classroom-report.ts';
import type { TutorEvent } from '../../tutor/engine/events.ts';

const withPrediction = CHAPTERS.find((c) => c.predictions.length > 0)!;
const prediction = withPrediction.predictions[0]!;
const secretUrl = 'amqp://faafo:s3cret-pass@10.0.0.5:5672/';

/** One of each kind, the way the engine emits them. */
const EVERY_KIND: Record<TutorEvent['type'], TutorEvent[]> = {
  'chapter-started': [{ type: 'chapter-started', chapter: 3, title: 'Measure one worker' }],
  text: [{ type: 'text', chapter: 3, paragraphs: ['some text', secretUrl] }],
  step: [
    {
      type: 'step',
      chapter: 5,
      event: {
        type: 'connected',
        step: { id: 'step-4', title: 'x', file: 'steps/step-4.ts' },
        cloud: secretUrl,
      },
    },
  ],
  check: [
    {
      type: 'check',
      chapter: 5,
      id: 'app-services-up',
      label: 'app-services is ACTIVE',
      ok: false,
      saw: `the worker's log says: connecting to ${secretUrl} failed\n${'x'.repeat(400)}`,
      hint: 'Read the console.',
    },
  ],
  note: [{ type: 'note', chapter: 5, text: `password: ${secretUrl}` }],
  'step-output': [{ type: 'step-output', chapter: 7, text: `$ faafo --endpoint-url ${secretUrl} list` }],
  sample: [
    { type: 'sample', meter: 'load', node: 'app-worker-1', at: 1, value: 0.5 },
    { type: 'sample', meter: 'backlog', at: 1, value: 3 },
  ],
  measuring: [{ type: 'measuring', chapter: 3, kind: 'batch', phase: 'before', what: 'a batch' }],
  latency: [{ type: 'latency', chapter: 6, done: 1, total: 2, p50Ms: 3, p99Ms: 4, errors: 0 }],
  measured: [
    // The record's shape does not matter: it never leaves.
    { type: 'measured', chapter: 3, kind: 'batch', phase: 'before', record: { secret: secretUrl } as never },
  ],
  comparison: [
    {
      type: 'comparison',
      chapter: 6,
      rows: [
        { figure: 'throughput (fractals/min)', before: 10, after: 25, ratio: 2.5, higherIsBetter: true },
        { figure: 'p99 (ms)', before: null, after: Number.NaN, ratio: null, higherIsBetter: false },
      ],
    },
  ],
  observed: [
    {
      type: 'observed',
      chapter: withPrediction.number,
      prediction: prediction.question,
      predicted: undefined,
      observed: 12.5,
      unit: prediction.unit,
      explanation: 'close',
    },
    {
      type: 'observed',
      chapter: withPrediction.number,
      prediction: prediction.question,
      predicted: 10,
      observed: 12.5,
      unit: prediction.unit,
      explanation: 'close',
    },
  ],
  fractal: [
    { type: 'fractal', chapter: 4, uuid: 'u', url: 'http://10.0.0.7/fractal/u', png: Buffer.from('png') },
  ],
  drill: [{ type: 'drill', chapter: 7, asked: 3, accepted: 3, finished: 3, crashed: [] }],
  'your-turn': [
    {
      type: 'your-turn',
      chapter: 7,
      task: { id: 'fourth-worker' } as never,
      outcome: 'done',
      saw: `openstack server create --password ${secretUrl}`,
    },
  ],
  'chapter-done': [{ type: 'chapter-done', chapter: 5, skipped: true }],
  'chapter-failed': [
    {
      type: 'chapter-failed',
      chapter: 5,
      failed: [],
      reason: `step 4 could not reach ${secretUrl}`,
    },
  ],
  finished: [{ type: 'finished', outcome: 'completed', nextChapter: 9 }],
};

const all = Object.values(EVERY_KIND).flat();

describe('progressOf', () => {
  it('maps the chapter, checks, chapter ends, predictions, figures and the end, each a valid ProgressEvent', () => {
    const out = Object.fromEntries(
      Object.entries(EVERY_KIND).map(([kind, events]) => [kind, events.flatMap(progressOf)]),
    );
    expect(out['chapter-started']).toEqual([{ type: 'chapter', chapter: 3, title: 'Measure one worker' }]);
    const check = out.check![0]!;
    expect(check).toMatchObject({
      type: 'check',
      chapter: 5,
      id: 'app-services-up',
      ok: false,
      hint: 'Read the console.',
    });
    expect(out['chapter-done']).toEqual([{ type: 'chapter-done', chapter: 5, skipped: true }]);
    expect(out['chapter-failed']).toEqual([
      {
        type: 'chapter-failed',
        chapter: 5,
        reason: 'step 4 could not reach amqp://faafo:***@10.0.0.5:5672/',
      },
    ]);
    expect(out.observed).toEqual([
      {
        type: 'prediction',
        chapter: withPrediction.number,
        id: prediction.id,
        predicted: null,
        observed: 12.5,
        unit: prediction.unit,
      },
      {
        type: 'prediction',
        chapter: withPrediction.number,
        id: prediction.id,
        predicted: 10,
        observed: 12.5,
        unit: prediction.unit,
      },
    ]);
    expect(out.comparison).toEqual([
      { type: 'figure', figure: 'throughput (fractals/min)', before: 10, after: 25, higherIsBetter: true },
      { type: 'figure', figure: 'p99 (ms)', before: null, after: null, higherIsBetter: false },
    ]);
    expect(out.finished).toEqual([{ type: 'finished', outcome: 'completed' }]);
    for (const event of all.flatMap(progressOf)) expect(progressEvent.safeParse(event).success).toBe(true);
  });

  it('masks a URL password in what a check saw, keeps it on one line and cuts it to 300 characters', () => {
    const [check] = progressOf(EVERY_KIND.check[0]!);
    const saw = (check as { saw: string }).saw;
    expect(saw).toMatch(
      /^the worker's log says: connecting to amqp:\/\/faafo:\*\*\*@10\.0\.0\.5:5672\/ failed x+…$/,
    );
    expect(saw).toHaveLength(300);
    expect(saw).not.toContain('s3cret');
  });

  it('lets nothing else leave: text, steps, notes, samples, measurements, fractals, drills, your-turn tasks', () => {
    for (const kind of [
      'text',
      'step',
      'note',
      'sample',
      'measuring',
      'latency',
      'measured',
      'fractal',
      'drill',
      'your-turn',
    ] as const)
      expect(EVERY_KIND[kind].flatMap(progressOf), kind).toEqual([]);
    const sent = JSON.stringify(all.flatMap(progressOf));
    expect(sent).not.toContain('s3cret');
    expect(sent).not.toContain('/fractal/');
    expect(sent).not.toContain('steps/step-4.ts');
  });
});
