// The tutor's progress file: a missing file is a fresh start, a saved one reads back the same, a
// damaged or foreign one is a sentence saying how to start over, and a chapter's end moves the
// learner on (done or skipped) and forgets the steps run inside it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/shared/user-error.ts';
import { afterChapter, freshProgress, progressFile, progressStore } from '../../tutor/engine/progress.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tutor-progress-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the progress store', () => {
  it('starts at chapter 1 when there is no file, and reads back what it saved', () => {
    const store = progressStore(join(dir, 'nested', 'progress.json'));
    expect(store.load()).toEqual(freshProgress());
    const saved = {
      ...freshProgress(),
      cloud: 'the local cloud',
      nextChapter: 4,
      done: [1, 2, 3],
      predictions: { 'worker-load': 1 },
    };
    store.save(saved);
    expect(store.load()).toEqual(saved);
    expect(JSON.parse(readFileSync(store.file, 'utf8')).nextChapter).toBe(4);
    store.clear();
    expect(store.load()).toEqual(freshProgress());
  });

  it('says how to start over when the file is not JSON or not a progress file', () => {
    const file = join(dir, 'progress.json');
    const store = progressStore(file);
    writeFileSync(file, '{ not json');
    expect(() => store.load()).toThrow(UserError);
    expect(() => store.load()).toThrow(/cannot be read .*npx faafo-tutor --reset/);
    writeFileSync(file, JSON.stringify({ version: 99, nextChapter: 'three' }));
    expect(() => store.load()).toThrow(
      /not one this version understands; start over with `npx faafo-tutor --reset`/,
    );
  });

  it('lives in the data dir unless FAAFO_TUTOR_PROGRESS names a file', () => {
    expect(progressFile({ XDG_DATA_HOME: '/x/data' })).toBe('/x/data/faafo-tutor/tutor-progress.json');
    expect(progressFile({ XDG_DATA_HOME: '/x/data', FAAFO_TUTOR_PROGRESS: '/y/p.json' })).toBe('/y/p.json');
  });
});

describe('afterChapter', () => {
  it('marks the chapter done, moves on and forgets the steps run inside it', () => {
    const p = afterChapter(
      { ...freshProgress(), nextChapter: 5, done: [1, 2, 3, 4], stepsDone: ['1', '2'] },
      5,
      false,
    );
    expect(p).toMatchObject({ nextChapter: 6, done: [1, 2, 3, 4, 5], skipped: [], stepsDone: [] });
  });

  it('a skipped chapter is not done; doing it later clears the skip', () => {
    const skipped = afterChapter({ ...freshProgress(), nextChapter: 3, done: [1, 2, 3] }, 3, true);
    expect(skipped).toMatchObject({ nextChapter: 4, done: [1, 2], skipped: [3] });
    expect(afterChapter(skipped, 3, false)).toMatchObject({ done: [1, 2, 3], skipped: [] });
  });
});
