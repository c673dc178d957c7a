// What every chapter runner is given, and the few things they all do with it: run a lesson step
// through the step runner (its events passed on as they come), record a named check from the
// manifest with what it saw, ask a prediction and show the measurement beside it. One chapter's
// checks are collected here, so the orchestrator (./run-lesson.ts) can tell whether it passed.

import type { Connection } from '../../src/cloud/driver.ts';
import type { StepEnd } from '../../src/lesson/events.ts';
import { type RunStepOptions, runStepEvents } from '../../src/lesson/run-step.ts';
import type { Chapter, LoadSizes } from '../../steps/chapters.ts';
import { namedCheck } from '../../steps/chapters.ts';
import type { CheckResult, Learner, TutorEvent } from './events.ts';
import type { Progress } from './progress.ts';

export interface ChapterContext {
  chapter: Chapter;
  /** Connected once for the session (preflight); chapters after it always have it. */
  conn: Connection;
  /** How the steps reach the same cloud. */
  run: RunStepOptions;
  sizes: LoadSizes;
  learner: Learner;
  emit(event: TutorEvent): void;
  progress(): Progress;
  /** Saves a change to the progress at once. */
  update(change: (progress: Progress) => Progress): void;
  /** Meters' interval (2 s; tests may shorten it). */
  meterIntervalMs: number;
}

/** A chapter context's check recorder: each named check emitted once with what it saw. */
export interface CheckBook {
  record(ctx: ChapterContext, id: string, ok: boolean, saw: string): CheckResult;
  readonly results: CheckResult[];
}

export function checkBook(): CheckBook {
  const results: CheckResult[] = [];
  return {
    results,
    record(ctx, id, ok, saw) {
      const named = namedCheck(ctx.chapter, id);
      const result: CheckResult = {
        chapter: ctx.chapter.number,
        id,
        label: named.label,
        ok,
        saw,
        hint: named.hint,
      };
      results.push(result);
      ctx.emit({ type: 'check', ...result });
      return result;
    },
  };
}

/** Runs one lesson step (or only its checks), passing its events on; the step's own checks' failures as one line. */
export async function runLessonStep(
  ctx: ChapterContext,
  step: string,
  checkOnly = false,
): Promise<{ end: StepEnd; failedChecks: string[] }> {
  const failedChecks: string[] = [];
  const end = await runStepEvents(step, { ...ctx.run, checkOnly }, (event) => {
    if (event.type === 'check' && !event.ok)
      failedChecks.push(`${event.label}${event.detail ? `: ${event.detail}` : ''}`);
    ctx.emit({ type: 'step', chapter: ctx.chapter.number, event });
  });
  return { end, failedChecks };
}

/** What a step's end says, for a check's "saw". */
export function stepSaw(step: string, result: { end: StepEnd; failedChecks: string[] }): string {
  if (result.end.type === 'done') return `${step} done, its checks passed`;
  if (result.failedChecks.length > 0) return `${step}: ${result.failedChecks.join('; ')}`;
  return `${step} failed: ${result.end.reason}`;
}

/** Asks the chapter's prediction (remembered in the progress); undefined when skipped. */
export async function askPrediction(ctx: ChapterContext, id: string): Promise<number | undefined> {
  const prediction = ctx.chapter.predictions.find((p) => p.id === id);
  if (!prediction)
    throw new Error(`Chapter ${ctx.chapter.number} has no prediction '${id}' in steps/chapters.ts.`);
  const value = await ctx.learner.predict(ctx.chapter, prediction);
  if (value !== undefined) ctx.update((p) => ({ ...p, predictions: { ...p.predictions, [id]: value } }));
  return value;
}

/** The measurement beside the prediction, with a sentence on why they differ. */
export function showObserved(
  ctx: ChapterContext,
  id: string,
  predicted: number | undefined,
  observed: number,
): void {
  const prediction = ctx.chapter.predictions.find((p) => p.id === id)!;
  ctx.emit({
    type: 'observed',
    chapter: ctx.chapter.number,
    prediction: prediction.question,
    predicted,
    observed,
    unit: prediction.unit,
    explanation: explainPrediction(predicted, observed, prediction.why),
  });
}

/** "You were close" when within a quarter (or 0.1 near zero), else the manifest's reason why guesses miss. */
export function explainPrediction(predicted: number | undefined, observed: number, why: string): string {
  if (predicted === undefined) return why;
  const close = Math.abs(predicted - observed) <= Math.max(0.1, Math.abs(observed) * 0.25);
  if (close) return `Close to what you predicted. ${why}`;
  return `${predicted > observed ? 'Less' : 'More'} than you predicted. ${why}`;
}
