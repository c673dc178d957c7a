// `steps` and `check` at the prompt: `await steps.step2()` runs a step exactly as `faafo-tutor step 2`
// does (the step runner of src/lesson, its progress lines and its checks printed the same way), and
// `await check(2)` runs only the checks of step 2 against the cloud as it is now. A failed run ends as
// one line through the prompt's error printer (a UserError), never as a stack; failed checks are an
// answer, not an error: they print ✗ lines and the step's hint.
import { LESSON, type StepId } from '../../steps/lesson.ts';
import type { CloudFallback } from '../cloud/connect.ts';
import type { StepEvent } from '../lesson/events.ts';
import { runStepEvents } from '../lesson/run-step.ts';
import { textPrinter } from '../lesson/text-printer.ts';
import { UserError } from '../shared/user-error.ts';

/** Where a step's run happens: the same cloud the prompt connected to. */
export interface LessonTarget {
  cloud?: string;
  env: NodeJS.ProcessEnv;
  fallback?: CloudFallback;
}

export type Write = (text: string) => void;

/** `prelude`, `step1` … `step7`: a step's id without its dash, a name one can call. */
type StepFunctionName<Id extends string> = Id extends `step-${infer N}` ? `step${N}` : Id;

/** `steps.prelude()`, `steps.step1()` … `steps.step7()`. */
export type Steps = Record<StepFunctionName<StepId>, () => Promise<void>>;

/** The name a learner calls a step by: `prelude`, `step1` … `step7`. */
export const stepFunctionName = (id: string): string => id.replace('-', '');

const options = (target: LessonTarget) => ({
  ...(target.cloud ? { cloud: target.cloud } : {}),
  env: target.env,
  ...(target.fallback ? { fallback: target.fallback } : {}),
});

/** What a run made before it failed, as the end of the failure's line. */
function madeTail(made: ReadonlyArray<{ kind: string; name: string }>): string {
  if (made.length === 0) return '';
  return ` (it made ${made.map((m) => `${m.kind} ${m.name}`).join(', ')} before that; they stay in the cloud and the next run reuses them)`;
}

async function runOneStep(id: string, target: LessonTarget, write: Write): Promise<void> {
  const print = textPrinter({ stdout: { write }, stderr: { write } });
  const last = await runStepEvents(id, options(target), (event) => {
    if (event.type !== 'failed') print(event);
  });
  if (last.type === 'failed') throw new UserError(`${last.reason}${madeTail(last.made)}`);
}

export function lessonSteps(target: LessonTarget, write: Write): Steps {
  return Object.fromEntries(
    LESSON.map((step) => [stepFunctionName(step.id), () => runOneStep(step.id, target, write)]),
  ) as Steps;
}

/** `check(2)`, `check('prelude')`: the step's checks only; true when all pass. */
export function lessonCheck(target: LessonTarget, write: Write): (step: number | string) => Promise<boolean> {
  return async (step) => {
    const checks: Extract<StepEvent, { type: 'check' }>[] = [];
    const last = await runStepEvents(String(step), { ...options(target), checkOnly: true }, (event) => {
      if (event.type === 'check') checks.push(event);
    });
    for (const c of checks) write(`  ${c.ok ? '✓' : '✗'} ${c.label}${c.detail ? ` — ${c.detail}` : ''}\n`);
    if (last.type === 'done') return true;
    // Failed checks end with the step's hint; anything else (no such step, no cloud) is an error.
    if (last.kind === 'checks') {
      write(`${last.reason}\n`);
      return false;
    }
    throw new UserError(last.reason);
  };
}
