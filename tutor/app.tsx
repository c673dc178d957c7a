// The Ink app: one chapter at a time — its text, then predict (a question), observe (live charts,
// the step running, the checks as they come), explain (the measurement beside the prediction) —
// with the keys listed at the bottom. State lives in the hooks (the engine's events folded by
// useLesson, the open question by useLearner, the views by useKeys); this file only lays them out,
// sized for 80 × 24 and growing with the terminal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Box, Text, useApp, useStdout } from 'ink';
import { useEffect } from 'react';
import { PACKAGE_ROOT } from '../src/shared/package-root.ts';
import { CHAPTERS } from '../steps/chapters.ts';
import { ChapterOutcome } from './app/chapter-outcome.tsx';
import type { ConsoleTap } from './app/console-tap.ts';
import { FigureTable } from './app/figure-table.tsx';
import type { ClassroomSession } from './classroom.ts';
import { BacklogChart } from './components/backlog-chart.tsx';
import { CheckList } from './components/check-list.tsx';
import { CodeView } from './components/code-view.tsx';
import { FractalImage } from './components/fractal-image.tsx';
import { HelpOverlay } from './components/help-overlay.tsx';
import { KeyBar } from './components/key-bar.tsx';
import { LatencyPanel } from './components/latency-panel.tsx';
import { LoadChart } from './components/load-chart.tsx';
import { Paragraph } from './components/paragraph.tsx';
import { StepProgress } from './components/step-progress.tsx';
import { useTerminalSize } from './components/use-terminal-size.ts';
import { nonInteractive } from './engine/events.ts';
import type { LessonOptions, LessonOutcome } from './engine/run-lesson.ts';
import { activeKeys, useKeys } from './hooks/use-keys.ts';
import { useLearner } from './hooks/use-learner.ts';
import { useLesson } from './hooks/use-lesson.ts';

export interface AppProps {
  options: Omit<LessonOptions, 'learner' | 'emit'>;
  yes: boolean;
  onEnd(outcome: LessonOutcome | { error: string }): void;
  /** The steps' console lines (app/console-tap.ts): the running step's last few are shown. */
  stepOutput?: Pick<ConsoleTap, 'listen'>;
  /** `--join`: the events go to the board too; its greeting and trouble lines are notes. */
  classroom?: Pick<ClassroomSession, 'greeting' | 'roomLine' | 'observe' | 'showTroubleWith'>;
}

const readStep = (file: string) => {
  try {
    return readFileSync(join(PACKAGE_ROOT, file), 'utf8');
  } catch {
    return `// ${file} could not be read`;
  }
};

export function App({ options, yes, onEnd, classroom, stepOutput }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const size = useTerminalSize();
  // One line short of the terminal: an Ink frame as tall as the screen is redrawn from scratch each time.
  const rows = Math.max(24, stdout.rows ?? 24) - 1;
  const asking = useLearner();
  const { state, outcome } = useLesson(options, yes ? nonInteractive : asking.learner, classroom, stepOutput);
  const views = useKeys(asking.question, asking.answer, () => {
    onEnd('quit');
    exit();
  });
  useEffect(() => {
    if (!outcome) return;
    onEnd(outcome);
    exit();
  }, [outcome, onEnd, exit]);

  const q = asking.question;
  // Header and key bar take a line each (in a classroom the room's line one more); the rest is the chapter's.
  const active = activeKeys(q, state.step !== undefined);
  // The help overlay (its keys, a title and a frame: eleven lines) takes them from the chapter's part.
  const body = rows - 2 - (classroom ? 1 : 0) - (views.help ? 11 : 0);
  // Two charts (each its plot and five lines of frame) and a line above them fit the body.
  const chartHeight = Math.max(3, Math.floor((body - 11) / 2));
  // Before a chapter starts, the header already names the chapter being asked about.
  const heading = q?.kind === 'begin' ? q.chapter : { number: state.chapter, title: state.title };
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold color="cyan" wrap="truncate-end">
        {heading.number === 0
          ? 'faafo-tutor · getting ready'
          : `Chapter ${heading.number}/${CHAPTERS.length} · ${heading.title}`}
      </Text>
      {classroom ? (
        <Text dimColor wrap="truncate-end">
          {classroom.roomLine}
        </Text>
      ) : null}
      <Box flexDirection="column" height={body} overflow="hidden">
        {views.code && state.step ? (
          <CodeView
            source={readStep(state.step.file)}
            fileName={state.step.file}
            offset={views.scroll}
            height={body - 1}
          />
        ) : q?.kind === 'begin' ? (
          <Box flexDirection="column">
            {state.chapter < q.chapter.number ? <ChapterOutcome state={state} /> : null}
            <Text bold>{q.chapter.title}</Text>
            {q.chapter.text.map((p) => (
              <Paragraph key={p} text={p} width={size.columns} />
            ))}
          </Box>
        ) : q?.kind === 'predict' ? (
          <Box flexDirection="column">
            <Text bold>Predict: {q.prediction.question}</Text>
            {q.prediction.choices.map((c, i) => (
              <Text key={c.label}>
                {' '}
                {i + 1}. {c.label}
              </Text>
            ))}
          </Box>
        ) : (
          <Box flexDirection="column">
            {/* A "your turn" task comes on top of what the chapter showed, which stays to read. */}
            {q?.kind === 'your-turn' ? (
              <Box flexDirection="column" marginBottom={1}>
                <Text bold>Your turn: {q.task.task}</Text>
                {q.task.commands.map((c) => (
                  <Text key={c} color="green">
                    $ {c}
                  </Text>
                ))}
                <Text dimColor>n when done (the tutor checks the cloud), s to skip</Text>
              </Box>
            ) : null}
            {state.stepEvents.length > 0 ? (
              <StepProgress events={state.stepEvents} maxLines={4} settled={state.stepSettled} />
            ) : null}
            {/* The running step's last lines (state.ts empties them when it ends). */}
            {state.step
              ? state.stepOutput.map((line, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the step's last lines, in order
                  <Text key={index} dimColor wrap="truncate-end">
                    │ {line}
                  </Text>
                ))
              : null}
            {state.measuring ? <Text>measuring: {state.measuring}</Text> : null}
            {state.latency ? (
              <LatencyPanel
                {...state.latency}
                apiNode={Object.keys(state.load)[0]}
                apiLoad={Object.values(state.load)[0]?.at(-1)?.value ?? null}
              />
            ) : null}
            {Object.keys(state.load).length > 0 ? (
              <LoadChart
                series={Object.entries(state.load).map(([node, samples]) => ({ node, samples }))}
                height={chartHeight}
              />
            ) : null}
            {state.backlog.length > 1 ? <BacklogChart samples={state.backlog} height={chartHeight} /> : null}
            {state.rows.length > 0 ? <FigureTable rows={state.rows} /> : null}
            {state.observed ? (
              <Paragraph
                text={`You predicted ${state.observed.predicted ?? '—'}; measured ${state.observed.observed.toFixed(2)}${state.observed.unit}. ${state.observed.explanation}`}
                width={size.columns}
              />
            ) : null}
            {state.drill ? (
              <Text>
                drill: asked {state.drill.asked}, accepted {state.drill.accepted}, finished{' '}
                {state.drill.finished}
              </Text>
            ) : null}
            {state.fractal?.png ? (
              <FractalImage
                png={state.fractal.png}
                galleryUrl={state.fractal.url}
                caption={`the fractal${state.fractal.generatedBy ? ` ${state.fractal.generatedBy} drew` : ''}`}
              />
            ) : state.fractal ? (
              <Text>fractal: {state.fractal.url}</Text>
            ) : null}
            {state.notes.map((n) => (
              <Text key={n} dimColor wrap="truncate-end">
                · {n}
              </Text>
            ))}
            <CheckList
              checks={state.checks.slice(-6).map((c) => ({
                label: c.label,
                state: c.ok ? 'passed' : 'failed',
                detail: c.saw,
                hint: c.hint,
              }))}
              showHints={views.hint || state.failure !== undefined}
              width={size.columns}
            />
            {q?.kind === 'failed' ? (
              <Text color="red" wrap="wrap">
                {state.failure?.failed.length
                  ? 'A check failed'
                  : `The chapter stopped: ${state.failure?.reason ?? 'an error'}`}
                : r retry · s skip the chapter · q quit
              </Text>
            ) : null}
          </Box>
        )}
      </Box>
      {views.help ? <HelpOverlay active={active} /> : null}
      <KeyBar active={active} />
    </Box>
  );
}
