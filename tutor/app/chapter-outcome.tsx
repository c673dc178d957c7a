// What the chapter just finished showed, kept on screen while the next one asks to begin: its
// checks and the measurement beside the prediction. Without it the next chapter's text replaced
// the result the moment the last check passed, and "predict, observe, explain" lost its last part.
import { Box, Text } from 'ink';
import { CheckList } from '../components/check-list.tsx';
import type { LessonState } from '../engine/state.ts';

export function ChapterOutcome({ state }: { state: LessonState }) {
  if (state.chapter === 0 || (state.checks.length === 0 && !state.observed)) return null;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text dimColor>
        Chapter {state.chapter} · {state.title}, as it ended:
      </Text>
      <CheckList
        checks={state.checks.slice(-4).map((c) => ({
          label: c.label,
          state: c.ok ? 'passed' : 'failed',
          detail: c.saw,
        }))}
        showHints={false}
      />
      {state.observed ? (
        <Text wrap="wrap">
          You predicted {state.observed.predicted ?? '—'}; measured {state.observed.observed.toFixed(2)}
          {state.observed.unit}. {state.observed.explanation}
        </Text>
      ) : null}
    </Box>
  );
}
