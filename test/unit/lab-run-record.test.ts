// The lab's run record (src/lab/run-record.ts): written atomically and read back equal, refused
// with a sentence when malformed, summaries of meter samples, and compare() giving after ÷ before.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchFigures, floodFigures, samplesSummary } from '../../src/lab/figures.ts';
import {
  compare,
  type RunRecordInput,
  readRunRecord,
  summarize,
  writeRunRecord,
} from '../../src/lab/run-record.ts';
import { UserError } from '../../src/shared/user-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (name: string, flavor: string, roles: string[]) => ({
  name,
  flavor,
  vcpus: 1,
  ramMb: 512,
  roles,
});

const before: RunRecordInput = {
  version: 1,
  label: 'before: one worker',
  startedAt: '2026-12-02T17:00:00.000Z',
  finishedAt: '2026-12-02T17:05:00.000Z',
  generator: { kind: 'batch', scale: 0.25, side: 2500, tasks: 5 },
  topology: { cloud: 'the local cloud', nodes: [node('all-in-one', 'm1.small', ['api', 'worker'])] },
  figures: {
    throughputPerMinute: 2,
    drainMs: 150_000,
    errors: 0,
    samples: { queue: { depth: summarize([{ depth: 5 }, { depth: 3 }, { depth: 0 }], 'depth') } },
  },
};
const after: RunRecordInput = {
  ...before,
  label: 'after: three workers',
  topology: {
    cloud: 'the local cloud',
    nodes: ['app-worker-1', 'app-worker-2', 'app-worker-3'].map((n) => node(n, 'm1.tiny', ['worker'])),
  },
  figures: { throughputPerMinute: 5.8, drainMs: 51_000, errors: 0 },
};

describe('the run record', () => {
  it('is written whole and read back as it was', () => {
    const file = join(dir, 'before.json');
    const written = writeRunRecord(file, before);
    expect(readRunRecord(file)).toEqual(written);
    expect(written.figures.samples.queue?.depth).toEqual({ count: 3, min: 0, max: 5, mean: 8 / 3, last: 0 });
    // Only the record is left in the folder: the temporary file was renamed over it.
    expect(readdirSync(dir)).toEqual(['before.json']);
  });

  it('keeps a batch’s seed and fixed iterations, and a flood’s drawn count', () => {
    const seeded = writeRunRecord(join(dir, 'seeded.json'), {
      ...before,
      generator: { kind: 'batch', scale: 0.5, side: 5000, tasks: 12, seed: 11, iterations: 256 },
      figures: { created: 500, found: 500, drawn: 498 },
    });
    expect(readRunRecord(join(dir, 'seeded.json'))).toEqual(seeded);
    expect(seeded.generator).toMatchObject({ seed: 11, iterations: 256 });
    expect(seeded.figures).toMatchObject({ created: 500, found: 500, drawn: 498 });
    rmSync(join(dir, 'seeded.json'));
    expect(() =>
      writeRunRecord(join(dir, 'x.json'), {
        ...before,
        generator: { ...before.generator, seed: 1.5 },
      } as RunRecordInput),
    ).toThrow();
  });

  it('refuses a malformed record with one sentence, on write and on read', () => {
    expect(() => writeRunRecord(join(dir, 'bad.json'), { ...before, label: '' })).toThrow();
    const file = join(dir, 'not-a-record.json');
    writeFileSync(file, JSON.stringify({ ...before, generator: { kind: 'dance' } }));
    expect(() => readRunRecord(file)).toThrow(UserError);
    expect(() => readRunRecord(file)).toThrow(/is not a lab run record \(generator/);
    writeFileSync(file, '{ half');
    expect(() => readRunRecord(file)).toThrow(/is not JSON/);
    expect(() => readRunRecord(join(dir, 'missing.json'))).toThrow(/Cannot read the run record/);
  });

  it('compares after with before: ratios of the figures both have', () => {
    const b = writeRunRecord(join(dir, 'b.json'), before);
    const a = writeRunRecord(join(dir, 'a.json'), after);
    const ratios = Object.fromEntries(compare(b, a).map((c) => [c.figure, c.ratio]));
    expect(ratios.throughputPerMinute).toBeCloseTo(2.9, 10);
    expect(ratios.drainMs).toBeCloseTo(0.34, 10);
    // 0 errors before: no ratio, but the figure is still shown.
    expect(compare(b, a).find((c) => c.figure === 'errors')).toEqual({
      figure: 'errors',
      before: 0,
      after: 0,
      ratio: null,
    });
    // p50 is in neither: not compared.
    expect(ratios).not.toHaveProperty('p50Ms');
  });

  it('summarizes only numeric values of a field', () => {
    expect(summarize([{ cpuUse: null }, { unavailable: 'x' }], 'cpuUse')).toEqual({
      count: 0,
      min: null,
      max: null,
      mean: null,
      last: null,
    });
    expect(summarize([{ cpuUse: 0.5 }, { cpuUse: null }, { cpuUse: 1 }], 'cpuUse').mean).toBe(0.75);
  });
});

describe('figures from the generators', () => {
  it('a flood: latency, errors, answers per minute, created and found', () => {
    const figures = floodFigures(
      {
        requests: 500,
        errors: 2,
        p50Ms: 40,
        p99Ms: 300,
        startedAt: 0,
        durationMs: 2000,
        throughputPerS: 250,
        statuses: { '201': 498, '503': 2 },
        created: Array.from({ length: 498 }, (_, i) => `u${i}`),
        failures: ['HTTP 503: queue down'],
        perEndpoint: [],
      },
      498,
    );
    expect(figures).toEqual({
      requests: 500,
      errors: 2,
      p50Ms: 40,
      p99Ms: 300,
      throughputPerMinute: 15_000,
      created: 498,
      found: 498,
    });
  });

  it('a batch: drain time and finished per minute; samples summarized per field', () => {
    expect(batchFigures({ drainMs: 150_000, done: 5, failed: 0 })).toEqual({
      drainMs: 150_000,
      errors: 0,
      throughputPerMinute: 2,
    });
    const summary = samplesSummary(
      [{ depth: 5, consumers: 1 }, { unavailable: 'broker down' }, { depth: 1, consumers: 1 }],
      ['depth', 'consumers'],
    );
    expect(summary.depth).toEqual({ count: 2, min: 1, max: 5, mean: 3, last: 1 });
    expect(summary.consumers?.count).toBe(2);
    const record = writeRunRecord(join(dir, 'with-samples.json'), {
      ...before,
      figures: { ...batchFigures({ drainMs: 150_000, done: 5, failed: 0 }), samples: { queue: summary } },
    });
    expect(readRunRecord(join(dir, 'with-samples.json')).figures.samples.queue).toEqual(
      record.figures.samples.queue,
    );
  });
});
