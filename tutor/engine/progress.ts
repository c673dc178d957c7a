// Where the learner is in the lesson, kept in one small JSON file so that quitting and starting the
// tutor again resumes: the next chapter, the chapters done or skipped, the steps of chapter 5
// already run, the predictions given and the measured runs (chapter 6 compares with chapter 3's
// and 4's, which may have been measured in an earlier session). Written whole after each change
// (an atomic rename), read through zod: a damaged file is a sentence saying how to start over.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { dataDir } from '../../src/faafo/config.ts';
import { RunRecordSchema } from '../../src/lab/run-record.ts';
import { writeFileAtomicSync } from '../../src/shared/atomic-write.ts';
import { UserError } from '../../src/shared/user-error.ts';

export const PROGRESS_VERSION = 1;

const RecordSlot = z.enum([
  'batch-before',
  'flood-before',
  'loop-before',
  'batch-after',
  'flood-after',
  'loop-after',
]);
export type RecordSlot = z.infer<typeof RecordSlot>;

export const ProgressSchema = z.object({
  version: z.literal(PROGRESS_VERSION),
  /** The cloud it was made on ("the local cloud", a clouds.yaml name): another cloud starts over. */
  cloud: z.string().optional(),
  /** The chapter a new session starts at. */
  nextChapter: z.number().int().min(1),
  done: z.array(z.number().int()).default([]),
  skipped: z.array(z.number().int()).default([]),
  /** Lesson steps run to their end within the current chapter (resume inside chapter 5). */
  stepsDone: z.array(z.string()).default([]),
  predictions: z.record(z.string(), z.number()).default({}),
  records: z.partialRecord(RecordSlot, RunRecordSchema).default({}),
});
export type Progress = z.infer<typeof ProgressSchema>;

export const freshProgress = (): Progress => ({
  version: PROGRESS_VERSION,
  nextChapter: 1,
  done: [],
  skipped: [],
  stepsDone: [],
  predictions: {},
  records: {},
});

/** The learner's progress file: FAAFO_TUTOR_PROGRESS, else tutor-progress.json in faafo-tutor's data dir. */
export function progressFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAAFO_TUTOR_PROGRESS || join(dataDir(env), 'tutor-progress.json');
}

export interface ProgressStore {
  readonly file: string;
  load(): Progress;
  save(progress: Progress): void;
  /** Forgets everything (`--reset`). */
  clear(): void;
}

export function progressStore(file: string): ProgressStore {
  return {
    file,
    load() {
      if (!existsSync(file)) return freshProgress();
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new UserError(
          `The tutor's progress file ${file} cannot be read (${(error as Error).message}); start over with \`npx faafo-tutor --reset\`.`,
        );
      }
      const parsed = ProgressSchema.safeParse(json);
      if (!parsed.success) {
        throw new UserError(
          `The tutor's progress file ${file} is not one this version understands; start over with \`npx faafo-tutor --reset\`.`,
        );
      }
      return parsed.data;
    },
    save(progress) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomicSync(file, `${JSON.stringify(ProgressSchema.parse(progress), null, 2)}\n`, 0o644);
    },
    clear() {
      rmSync(file, { force: true });
    },
  };
}

/** The progress after a chapter ended: marked done (or skipped), the next one to start at. */
export function afterChapter(progress: Progress, chapter: number, skipped: boolean): Progress {
  const add = (list: number[]) => [...new Set([...list, chapter])].sort((a, b) => a - b);
  return {
    ...progress,
    nextChapter: chapter + 1,
    done: skipped ? progress.done.filter((c) => c !== chapter) : add(progress.done),
    skipped: skipped ? add(progress.skipped) : progress.skipped.filter((c) => c !== chapter),
    stepsDone: [],
  };
}
