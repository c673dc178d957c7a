// What the tutor's engine tells while it runs the lesson, as typed events (never text to parse):
// chapters starting and ending, the step runner's own events, each named check with what it saw,
// live samples from the lab's meters, the measured runs and their comparison, the predictions and
// what was observed. The Ink app reduces them to its state (./state.ts), the plain printer prints
// them (../plain.ts), a notebook could display them. Also the one interface through which the
// engine asks the learner something (`Learner`): Ink keys, a line prompt, or `--yes`.

import type { RunRecord } from '../../src/lab/run-record.ts';
import type { StepEvent } from '../../src/lesson/events.ts';
import type { Chapter, Prediction, YourTurn } from '../../steps/chapters.ts';

export interface CheckResult {
  chapter: number;
  id: string;
  label: string;
  ok: boolean;
  /** What the check saw (always, so ✓ and ✗ both say why). */
  saw: string;
  hint: string;
}

/** The guide's batch, a flood of creates from this machine, the guide's create loop on the API node(s). */
export type MeasureKind = 'batch' | 'flood' | 'loop';
export type Phase = 'before' | 'after';

/** One row of the before/after table (a figure of the run records, or a node's peak load). */
export interface FigureRow {
  figure: string;
  before: number | null;
  after: number | null;
  /** after ÷ before. */
  ratio: number | null;
  /** Whether a larger value is better (throughput) or worse (latency, drain time, errors). */
  higherIsBetter: boolean;
}

export type TutorEvent =
  | { type: 'chapter-started'; chapter: number; title: string }
  | { type: 'text'; chapter: number; paragraphs: readonly string[] }
  /** The step runner's event, for the step the chapter runs. */
  | { type: 'step'; chapter: number; event: StepEvent }
  | ({ type: 'check' } & CheckResult)
  | { type: 'note'; chapter: number; text: string }
  /**
   * A line the running step printed (the guide's print()s, step 7's `faafo list`): in plain mode the
   * step prints it itself; under Ink the app shows the last few, since printing would tear its frame.
   */
  | { type: 'step-output'; chapter: number; text: string }
  /** A live reading: a node's 1-minute load, or the app's backlog (fractals asked for, not drawn yet). */
  | { type: 'sample'; meter: 'load'; node: string; at: number; value: number }
  | { type: 'sample'; meter: 'backlog'; at: number; value: number }
  | { type: 'measuring'; chapter: number; kind: MeasureKind; phase: Phase; what: string }
  /** The API overload's answers so far: how many of how many, their p50/p99 and the errors. */
  | {
      type: 'latency';
      chapter: number;
      done: number;
      total: number;
      p50Ms: number | null;
      p99Ms: number | null;
      errors: number;
    }
  | { type: 'measured'; chapter: number; kind: MeasureKind; phase: Phase; record: RunRecord }
  | { type: 'comparison'; chapter: number; rows: FigureRow[] }
  | {
      type: 'observed';
      chapter: number;
      prediction: string;
      /** The learner's answer; undefined when the question was skipped (--yes). */
      predicted: number | undefined;
      observed: number;
      unit: string;
      explanation: string;
    }
  | { type: 'fractal'; chapter: number; uuid: string; url: string; png?: Buffer; generatedBy?: string }
  | { type: 'drill'; chapter: number; asked: number; accepted: number; finished: number; crashed: string[] }
  | { type: 'your-turn'; chapter: number; task: YourTurn; outcome: 'done' | 'skipped'; saw?: string }
  | { type: 'chapter-done'; chapter: number; skipped: boolean }
  | { type: 'chapter-failed'; chapter: number; failed: CheckResult[]; reason: string }
  | { type: 'finished'; outcome: 'completed' | 'quit' | 'failed'; nextChapter: number };

/** What the learner answers when a chapter's checks fail. */
export type AfterFailure = 'retry' | 'skip' | 'quit';

/**
 * How the engine asks the learner. `--yes` answers without asking: no predictions, your-turn tasks
 * skipped, a failed check ends the run.
 */
export interface Learner {
  /** Before a chapter: read its text; false to quit. */
  begin(chapter: Chapter): Promise<boolean>;
  /** The chosen choice's value, or undefined to skip the question. */
  predict(chapter: Chapter, prediction: Prediction): Promise<number | undefined>;
  /** 'done' when the learner says it is done (the engine then verifies), 'skip' to move on. */
  yourTurn(chapter: Chapter, task: YourTurn): Promise<'done' | 'skip'>;
  failed(chapter: Chapter, failed: readonly CheckResult[]): Promise<AfterFailure>;
}

/** `--yes`: nothing asked; the first failed check ends the run. */
export const nonInteractive: Learner = {
  begin: async () => true,
  predict: async () => undefined,
  yourTurn: async () => 'skip',
  failed: async () => 'quit',
};
