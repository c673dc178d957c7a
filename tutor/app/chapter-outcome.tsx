// What the chapter just finished showed, kept on screen while the next one asks to begin: how its
// checks ended and the measurement beside the prediction. Without it the next chapter's text
// replaced the result the moment the last check passed, and "predict, observe, explain" lost its
// last part. Compact (the checks were on screen while they ran), and never squeezed by the
// chapter's text below it.
import { Box, Text } from 'ink';
import { CheckList } from '../components/check-list.tsx';
import { Paragraph } from '../components/paragraph.tsx';
import { useTerminalSize } from '../components/use-terminal-size.ts';
import type { LessonState } from '../engine/state.ts';

export function ChapterOutcome({ state }: { state: LessonState }) {
  const { columns } = useTerminalSize();
  if (state.chapter === 0 || (state.checks.length === 0 && !state.observed)) return null;
  const failed = state.checks.filter((c) => !c.ok);
  const passed = state.checks.length - failed.length;
  return (
    <Box flexDirection="column" marginBottom={1} flexShrink={0}>
      <Text dimColor wrap="truncate-end">
        Chapter {state.chapter} · {state.title}, as it ended:
      </Text>
      {passed > 0 ? (
        <Text>
          <Text color="green">✓</Text> {passed === 1 ? 'its check passed' : `all ${passed} checks passed`}
          {failed.length > 0 ? ` but ${failed.length}` : ''}
        </Text>
      ) : null}
      <CheckList
        checks={failed.map((c) => ({ label: c.label, state: 'failed', detail: c.saw }))}
        showHints={false}
        width={columns}
      />
      {state.observed ? (
        <Paragraph
          text={`You predicted ${state.observed.predicted ?? '—'}; measured ${state.observed.observed.toFixed(2)}${state.observed.unit}. ${state.observed.explanation}`}
          width={columns}
        />
      ) : null}
    </Box>
  );
}
