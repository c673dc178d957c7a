// What a notebook's step runs tell the board: the chapter once when its first step starts, each check
// (what it saw masked and cut), chapter 5 done only after its last step (step 6), a failure's reason
// redacted; the cloud's own events (servers, addresses) never.
import { describe, expect, it } from 'vitest';
import { progressEvent } from '../../src/classroom/protocol.ts';
import type { StepEvent, StepInfo } from '../../src/lesson/events.ts';
import { stepProgress } from '../../src/notebook/classroom.ts';
import { CHAPTERS } from '../../steps/chapters.ts';

const step = (id: string): StepInfo => ({ id, title: id, file: `steps/${id}.ts` });
const chapter5 = CHAPTERS.find((c) => c.number === 5)!;

describe('stepProgress', () => {
  it('says the chapter once across its steps, each check, and the chapter done after its last step', () => {
    const map = stepProgress();
    const run = (id: string, extra: StepEvent[] = []): StepEvent[] => [
      { type: 'started', step: step(id), checkOnly: false },
      { type: 'connected', step: step(id), cloud: 'http://admin:pw@127.0.0.1:5000/v3' },
      ...extra,
      { type: 'check', ok: true, label: `${id} left the cloud as expected` },
      { type: 'done', step: step(id) },
    ];
    const out = [...run('step-1'), ...run('step-2'), ...run('step-6')].flatMap(map);
    expect(out).toEqual([
      { type: 'chapter', chapter: 5, title: chapter5.title },
      {
        type: 'check',
        chapter: 5,
        id: 'step-1: step-1 left the cloud as expected',
        label: 'step-1 left the cloud as expected',
        ok: true,
        saw: '',
        hint: '',
      },
      {
        type: 'check',
        chapter: 5,
        id: 'step-2: step-2 left the cloud as expected',
        label: 'step-2 left the cloud as expected',
        ok: true,
        saw: '',
        hint: '',
      },
      {
        type: 'check',
        chapter: 5,
        id: 'step-6: step-6 left the cloud as expected',
        label: 'step-6 left the cloud as expected',
        ok: true,
        saw: '',
        hint: '',
      },
      { type: 'chapter-done', chapter: 5, skipped: false },
    ]);
    for (const e of out) expect(progressEvent.safeParse(e).success).toBe(true);
    // The prelude belongs to chapter 2 and ends it.
    expect(run('prelude').flatMap(map)[0]).toMatchObject({ type: 'chapter', chapter: 2 });
  });

  it('masks what a check saw and a failure’s reason, and keeps the connection’s address back', () => {
    const map = stepProgress();
    const events: StepEvent[] = [
      { type: 'started', step: step('step-4'), checkOnly: false },
      { type: 'connected', step: step('step-4'), cloud: 'http://admin:pw@127.0.0.1:5000/v3' },
      {
        type: 'check',
        ok: false,
        label: 'app-services is ACTIVE',
        detail: 'it logged mysql://faafo:secret@10.0.0.5/faafo',
      },
      {
        type: 'failed',
        step: step('step-4'),
        kind: 'checks',
        reason: 'Step 4 failed: amqp://guest:guest@10.0.0.5:5672/ refused',
        made: [],
      },
    ];
    const out = events.flatMap(map);
    expect(out.slice(1)).toEqual([
      {
        type: 'check',
        chapter: 5,
        id: 'step-4: app-services is ACTIVE',
        label: 'app-services is ACTIVE',
        ok: false,
        saw: 'it logged mysql://faafo:***@10.0.0.5/faafo',
        hint: '',
      },
      {
        type: 'chapter-failed',
        chapter: 5,
        reason: 'Step 4 failed: amqp://guest:***@10.0.0.5:5672/ refused',
      },
    ]);
    expect(JSON.stringify(out)).not.toMatch(/secret|:pw@|guest@/);
  });

  it('reports nothing for a step of no chapter or before a step started', () => {
    const map = stepProgress();
    expect(map({ type: 'check', ok: true, label: 'x' })).toEqual([]);
    expect(map({ type: 'started', step: step('step-99'), checkOnly: true })).toEqual([]);
  });
});
