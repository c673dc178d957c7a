// A chapter's checks as the learner follows them: a spinner while one runs, ✓ or ✗ with what it
// saw when it is done, and under a failed one its hint, so a ✗ always says what to do (Instruqt's
// "FAIL: <hint>").
//
// Props: checks: { label, state: 'pending' | 'passed' | 'failed', detail?, hint? }[];
// showHints? (default true; the app hides them until the learner presses h, if it wants).
import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';

export type CheckState = 'pending' | 'passed' | 'failed';

export interface CheckItem {
  label: string;
  state: CheckState;
  /** What the check saw: "3 of 3 workers consuming", "app-api-2 in ERROR". */
  detail?: string;
  /** What to do when it failed. */
  hint?: string;
}

export interface CheckListProps {
  checks: readonly CheckItem[];
  showHints?: boolean;
}

function Mark({ state }: { state: CheckState }) {
  if (state === 'pending') {
    return (
      <Text color="yellow">
        <Spinner type="dots" />
      </Text>
    );
  }
  return state === 'passed' ? <Text color="green">✓</Text> : <Text color="red">✗</Text>;
}

export function CheckList({ checks, showHints = true }: CheckListProps) {
  return (
    <Box flexDirection="column">
      {checks.map((check) => (
        <Box key={check.label} flexDirection="column">
          {/* The mark in a column of its own, so a long line wraps under the text, not under the mark. */}
          <Box>
            <Box width={2} flexShrink={0}>
              <Mark state={check.state} />
            </Box>
            <Box flexGrow={1} flexShrink={1}>
              <Text>
                {check.label}
                {check.detail ? <Text dimColor>: {check.detail}</Text> : null}
              </Text>
            </Box>
          </Box>
          {showHints && check.state === 'failed' && check.hint ? (
            <Box paddingLeft={2}>
              <Text color="yellow">hint: {check.hint}</Text>
            </Box>
          ) : null}
        </Box>
      ))}
    </Box>
  );
}
