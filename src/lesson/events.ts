// A step run as a stream of events: started, connected to which cloud, what the cloud connection
// found, created and waited for (src/cloud/events.ts), each check with what it saw, then done or
// failed with the one-line reason and what the run had already made. `faafo-tutor step N` prints
// them (./text-printer.ts); the tutor and the notebooks show the same events their own way.
import type { Made } from '../cloud/driver.ts';
import type { CloudEvent } from '../cloud/events.ts';

/** The step an event is about, as the lesson manifest names it. */
export interface StepInfo {
  id: string;
  title: string;
  /** The file a student reads. */
  file: string;
}

/**
 * Why a run failed: no such step (a usage error, before any cloud is touched), an error on the way
 * (the cloud refused, an earlier step is missing, …), or the checks after the step found the cloud
 * not as the lesson expects.
 */
export type FailureKind = 'no-such-step' | 'error' | 'checks';

export type StepEvent =
  | { type: 'started'; step: StepInfo; checkOnly: boolean }
  | CloudEvent
  | { type: 'connected'; step: StepInfo; cloud: string }
  | { type: 'checking'; step: StepInfo }
  /** One check of the cloud: what was checked (label), and, when it is not as expected, what was seen. */
  | { type: 'check'; ok: boolean; label: string; detail?: string }
  | { type: 'done'; step: StepInfo }
  | {
      type: 'failed';
      /** Absent only when there is no such step. */
      step?: StepInfo;
      kind: FailureKind;
      /** One line: what went wrong and what to do. */
      reason: string;
      /** The error's stack, when the run was asked for it (--debug). */
      stack?: string;
      /** What this run created before it failed; it stays in the cloud. */
      made: Made[];
    };

/** The last event of every run. */
export type StepEnd = Extract<StepEvent, { type: 'done' | 'failed' }>;
