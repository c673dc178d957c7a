// The lesson as a screen sees it, folded from the engine's events: the chapter shown, its text,
// its checks so far, the step running, the live series for the charts (last 60 readings each), the
// measured runs, the comparison and what was observed. A pure reducer, so the Ink app's hook and
// the tests share it (and a notebook could keep the same state).
import type { StepEvent } from '../../src/lesson/events.ts';
import type { CheckResult, FigureRow, TutorEvent } from './events.ts';

export const SERIES_LENGTH = 60;

/** One reading of a live series. */
export interface Reading {
  at: number;
  value: number;
}

export interface LessonState {
  chapter: number;
  title: string;
  paragraphs: readonly string[];
  /** The step running now (its file for the code view). */
  step?: { id: string; file: string };
  /** The running step's events, as the step runner emitted them (a step's own few dozen). */
  stepEvents: StepEvent[];
  /**
   * Whether what the step pane last said is over: a check recorded after it means the chapter has
   * gone on (a wait ends with no event of its own, so its line would otherwise spin on).
   */
  stepSettled: boolean;
  checks: CheckResult[];
  notes: string[];
  /** The running step's last printed lines (step-output events). */
  stepOutput: string[];
  /** Per node, its 1-minute loads as { at, value }. */
  load: Record<string, Reading[]>;
  backlog: Reading[];
  measuring?: string;
  /** The API overload's answers so far. */
  latency?: { done: number; total: number; p50Ms: number | null; p99Ms: number | null; errors: number };
  rows: FigureRow[];
  observed?: Extract<TutorEvent, { type: 'observed' }>;
  fractal?: Extract<TutorEvent, { type: 'fractal' }>;
  drill?: Extract<TutorEvent, { type: 'drill' }>;
  failure?: { reason: string; failed: CheckResult[] };
  finished?: Extract<TutorEvent, { type: 'finished' }>;
}

export const initialState: LessonState = {
  chapter: 0,
  title: '',
  paragraphs: [],
  stepEvents: [],
  stepSettled: false,
  checks: [],
  notes: [],
  stepOutput: [],
  load: {},
  backlog: [],
  rows: [],
};

/** How many of the running step's printed lines the screen keeps (the last ones). */
export const STEP_OUTPUT_LINES = 3;

const keep = (series: readonly Reading[], at: number, value: number) =>
  [...series, { at, value }].slice(-SERIES_LENGTH);

export function reduce(state: LessonState, event: TutorEvent): LessonState {
  switch (event.type) {
    case 'chapter-started':
      return { ...initialState, chapter: event.chapter, title: event.title };
    case 'text':
      return { ...state, paragraphs: event.paragraphs };
    case 'step': {
      const e = event.event;
      if (e.type === 'started')
        return {
          ...state,
          step: { id: e.step.id, file: e.step.file },
          stepEvents: [e],
          stepSettled: false,
          stepOutput: [],
        };
      // A step's printed lines are of its run: once it ended (the drill after step 7 goes on with
      // waits of its own) they would describe what is no longer so.
      const ended = e.type === 'done' || e.type === 'failed';
      return {
        ...state,
        stepEvents: [...state.stepEvents, e],
        stepSettled: false,
        ...(ended ? { stepOutput: [] } : {}),
      };
    }
    case 'check': {
      const { type: _, ...check } = event;
      return { ...state, checks: [...state.checks, check], stepSettled: true };
    }
    case 'note':
      return { ...state, notes: [...state.notes, event.text].slice(-3) };
    case 'step-output':
      if (state.stepEvents.some((e) => e.type === 'done' || e.type === 'failed')) return state;
      return { ...state, stepOutput: [...state.stepOutput, event.text].slice(-STEP_OUTPUT_LINES) };
    case 'sample':
      return event.meter === 'load'
        ? {
            ...state,
            load: { ...state.load, [event.node]: keep(state.load[event.node] ?? [], event.at, event.value) },
          }
        : { ...state, backlog: keep(state.backlog, event.at, event.value) };
    case 'measuring':
      return { ...state, measuring: event.what, load: {}, backlog: [], latency: undefined };
    case 'latency': {
      const { type: _, chapter: __, ...latency } = event;
      return { ...state, latency };
    }
    case 'measured':
      return { ...state, measuring: undefined };
    case 'comparison':
      return { ...state, rows: event.rows };
    case 'observed':
      return { ...state, observed: event };
    case 'fractal':
      return { ...state, fractal: event };
    case 'drill':
      return { ...state, drill: event };
    case 'your-turn':
      return { ...state, notes: [...state.notes, `your turn ${event.task.id}: ${event.outcome}`].slice(-3) };
    case 'chapter-done':
      return { ...state, step: undefined, stepEvents: [], failure: undefined };
    case 'chapter-failed':
      return { ...state, failure: { reason: event.reason, failed: event.failed } };
    case 'finished':
      return { ...state, finished: event };
  }
}
