// `--plain` (and any run without a terminal): the engine's events as lines, for CI logs, a
// teacher's dry run and screen readers. Ink needs raw mode for its keys, which a pipe has not; this
// prints each thing once, in order, and asks its questions (when there is a terminal to answer
// from) as numbered prompts on a line.
import { createInterface } from 'node:readline/promises';
import type { StepEvent } from '../src/lesson/events.ts';
import type { Chapter, Prediction, YourTurn } from '../steps/chapters.ts';
import type { AfterFailure, CheckResult, FigureRow, Learner, TutorEvent } from './engine/events.ts';

export interface PlainOut {
  write(text: string): unknown;
}

const fmt = (n: number | null, digits = 2) =>
  n === null ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(digits);

/** One line per step event worth a line (the step runner's own printer says the same, shorter here). */
function stepLine(event: StepEvent): string | undefined {
  switch (event.type) {
    case 'started':
      return `  ▶ ${event.step.id}: ${event.step.title} (${event.step.file})${event.checkOnly ? ' — checking' : ''}`;
    case 'cloud-starting':
      return `  starting ${event.cloud} (data in ${event.dataDir})`;
    case 'created':
      return `    made ${event.kind} ${event.name}`;
    case 'waiting':
      return `    waiting: ${event.servers.map((s) => `${s.name} ${s.status}`).join(', ')} (${event.elapsedS} s)`;
    case 'check':
      return `    ${event.ok ? '✓' : '✗'} ${event.label}${event.detail ? ` — ${event.detail}` : ''}`;
    case 'done':
      return `  ✓ ${event.step.id} done`;
    case 'failed':
      return `  ✗ ${event.step?.id ?? 'step'} failed: ${event.reason}`;
    default:
      return undefined;
  }
}

export function figureTable(rows: readonly FigureRow[]): string[] {
  const width = Math.max(...rows.map((r) => r.figure.length), 6);
  return [
    `  ${'figure'.padEnd(width)}  ${'before'.padStart(10)}  ${'after'.padStart(10)}  ${'ratio'.padStart(7)}`,
    ...rows.map(
      (r) =>
        `  ${r.figure.padEnd(width)}  ${fmt(r.before).padStart(10)}  ${fmt(r.after).padStart(10)}  ${(r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`).padStart(7)}`,
    ),
  ];
}

export const checkLine = (c: CheckResult) => `  ${c.ok ? '✓' : '✗'} ${c.label} — ${c.saw}`;

/** Prints each event as lines; live samples only as a few milestones (a log is not a chart). */
export function plainPrinter(out: PlainOut): (event: TutorEvent) => void {
  const say = (...lines: string[]) => {
    for (const line of lines) out.write(`${line}\n`);
  };
  const lastLoad = new Map<string, number>();
  return (event) => {
    switch (event.type) {
      case 'chapter-started':
        return say('', `== Chapter ${event.chapter}: ${event.title} ==`);
      case 'text':
        return say(...event.paragraphs.map((p) => `  ${p}`));
      case 'step': {
        const line = stepLine(event.event);
        return line === undefined ? undefined : say(line);
      }
      case 'check':
        return say(checkLine(event));
      case 'note':
        return say(`  · ${event.text}`);
      case 'sample': {
        if (event.meter !== 'load') return;
        // A line each time a node's load crosses the next half unit: the climb, readable in a log.
        const step = Math.floor(event.value * 2) / 2;
        if (step > (lastLoad.get(event.node) ?? -1)) {
          lastLoad.set(event.node, step);
          say(`    load of ${event.node}: ${event.value.toFixed(2)}`);
        }
        return;
      }
      case 'latency':
        // The end of the run, and each quarter of it: a log line, not a live panel.
        if (event.done === event.total || event.done % Math.max(1, Math.ceil(event.total / 4)) === 0)
          say(
            `    ${event.done}/${event.total} answered: p50 ${fmt(event.p50Ms, 0)} ms, p99 ${fmt(event.p99Ms, 0)} ms, ${event.errors} errors`,
          );
        return;
      case 'measuring':
        lastLoad.clear();
        return say(`  measuring (${event.phase}): ${event.what}`);
      case 'measured': {
        const f = event.record.figures;
        return say(
          event.kind === 'batch'
            ? `  measured: drained in ${fmt((f.drainMs ?? 0) / 1000, 1)} s, ${fmt(f.throughputPerMinute ?? 0, 1)} fractals/min`
            : `  measured: ${f.requests} ${event.kind === 'loop' ? 'invocations on the API node(s)' : 'requests'}, p50 ${fmt(f.p50Ms ?? null, 0)} ms, p99 ${fmt(f.p99Ms ?? null, 0)} ms, ${f.errors} errors`,
        );
      }
      case 'comparison':
        return say('  before and after:', ...figureTable(event.rows));
      case 'observed':
        return say(
          `  you predicted ${event.predicted === undefined ? '(skipped)' : `${fmt(event.predicted)}${event.unit}`}; measured ${fmt(event.observed)}${event.unit}`,
          `  ${event.explanation}`,
        );
      case 'fractal':
        return say(
          `  fractal ${event.uuid}${event.generatedBy ? ` drawn by ${event.generatedBy}` : ''}: ${event.url}`,
        );
      case 'drill':
        return say(
          `  fault drill: asked ${event.asked}, accepted ${event.accepted}, finished ${event.finished}; crashed: ${event.crashed.join(', ') || 'none'}`,
        );
      case 'your-turn':
        return say(`  your turn (${event.task.id}): ${event.outcome}${event.saw ? ` — ${event.saw}` : ''}`);
      case 'chapter-done':
        return say(`== Chapter ${event.chapter} ${event.skipped ? 'skipped' : 'done'} ==`);
      case 'chapter-failed':
        return say(
          `  ✗ chapter ${event.chapter} stopped: ${event.reason}`,
          ...event.failed.map((c) => `  ✗ ${c.label} — ${c.saw}\n    hint: ${c.hint}`),
        );
      case 'step-output':
        return say(`  | ${event.text}`);
      case 'finished':
        return say(
          '',
          event.outcome === 'completed'
            ? 'The lesson is complete.'
            : `Stopped before chapter ${event.nextChapter}; \`npx faafo-tutor\` resumes there.`,
        );
    }
  };
}

/** A learner answering on lines of a terminal (plain mode with a TTY, without --yes). */
export function lineLearner(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Learner & { close(): void } {
  const rl = createInterface({ input, output });
  const ask = async (question: string) => (await rl.question(question)).trim().toLowerCase();
  return {
    close: () => rl.close(),
    async begin(chapter: Chapter) {
      return (await ask(`Chapter ${chapter.number}: ${chapter.title} — Enter to start, q to quit: `)) !== 'q';
    },
    async predict(_chapter: Chapter, prediction: Prediction) {
      output.write(`\n  ${prediction.question}\n`);
      output.write(prediction.choices.map((c, i) => `    ${i + 1}. ${c.label}\n`).join(''));
      const answer = Number(await ask('  your prediction (number, Enter to skip): '));
      return prediction.choices[answer - 1]?.value;
    },
    async yourTurn(_chapter: Chapter, task: YourTurn) {
      output.write(`\n  Your turn: ${task.task}\n${task.commands.map((c) => `    $ ${c}\n`).join('')}`);
      return (await ask('  Enter when done, s to skip: ')) === 's' ? 'skip' : 'done';
    },
    async failed(): Promise<AfterFailure> {
      const answer = await ask('  r to retry, s to skip the chapter, q to quit: ');
      return answer === 's' ? 'skip' : answer === 'q' ? 'quit' : 'retry';
    },
  };
}
