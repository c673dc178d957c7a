// A step run from a notebook cell: the cell holds the step's own function (generated from
// steps/step-N.ts) and hands it here; the step runner (src/lesson) connects, checks the quota, runs
// it and checks the cloud after it, exactly as `faafo-tutor step N` does. Its events are printed as
// the command prints them, the checks are shown as a table, and a failure ends the cell with the
// runner's one-line reason.
import type { CloudFallback } from '../cloud/connect.ts';
import type { StepEvent } from '../lesson/events.ts';
import { runStepEvents, type StepBody } from '../lesson/run-step.ts';
import { textPrinter } from '../lesson/text-printer.ts';
import { type Display, htmlTable } from './display.ts';
import { CellFailure } from './failure.ts';

export interface CellContext {
  display: Display;
  env: NodeJS.ProcessEnv;
  fallback: CloudFallback;
  /** In a classroom, every event of the run (./classroom.ts maps and sends them); returns at once. */
  report?: (event: StepEvent) => void;
}

/** Runs step `id` with `body` (the step's function); resolves when the cloud passed its checks. */
export async function runStepCell(
  id: string,
  body: StepBody | undefined,
  context: CellContext,
): Promise<void> {
  // tslab swaps process.stdout per cell: look it up at each write.
  const out = { write: (text: string) => process.stdout.write(text) };
  const print = textPrinter({ stdout: out, stderr: out });
  const checks: Extract<StepEvent, { type: 'check' }>[] = [];
  const last = await runStepEvents(
    id,
    { env: context.env, fallback: context.fallback, ...(body ? { body } : { checkOnly: true }) },
    (event) => {
      context.report?.(event);
      if (event.type === 'check') checks.push(event);
      else if (event.type !== 'failed') print(event);
    },
  );
  if (checks.length > 0) {
    context.display.html(
      htmlTable(
        `The cloud after ${id}`,
        ['', 'check', 'what was seen'],
        checks.map((c) => [c.ok ? '✓' : '✗', c.label, c.detail ?? '']),
      ),
    );
  }
  if (last.type === 'failed') {
    const left =
      last.made.length > 0 ? ` (it made ${last.made.map((m) => m.name).join(', ')}, still in the cloud)` : '';
    throw new CellFailure(`${last.reason}${left}`);
  }
}
