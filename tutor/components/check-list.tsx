// A chapter's checks as the learner follows them: a spinner while one runs, ✓ or ✗ with what it
// saw when it is done, and under a failed one its hint, so a ✗ always says what to do (Instruqt's
// "FAIL: <hint>").
//
// Props: checks: { label, state: 'pending' | 'passed' | 'failed', detail?, hint? }[];
// showHints? (default true; the app hides them until the learner presses h, if it wants);
// width (columns: lines are broken between words here, see ./wrap-words.ts, not by Ink).
import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { wrapWords } from './wrap-words.ts';

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
  width: number;
}

/**
 * "label: detail" broken between words into lines of `width`, each cut where the dim detail begins:
 * [plain, dim] per line. The lines are pieces of the text with single spaces, in order, so the
 * label's length says where the detail starts on whichever line it falls.
 */
export function wrapCheckText(
  label: string,
  detail: string | undefined,
  width: number,
): Array<[string, string]> {
  const plain = label.split(/\s+/).filter(Boolean).join(' ');
  const text = detail ? `${plain}: ${detail.split(/\s+/).filter(Boolean).join(' ')}` : plain;
  const plainEnd = detail ? plain.length + 1 : plain.length; // the colon goes with the label
  const lines: Array<[string, string]> = [];
  let offset = 0;
  for (const line of wrapWords(text, width)) {
    const cut = Math.min(Math.max(plainEnd - offset, 0), line.length);
    lines.push([line.slice(0, cut), line.slice(cut)]);
    offset += line.length;
    if (text[offset] === ' ') offset += 1;
  }
  return lines;
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

function CheckText({ check, width }: { check: CheckItem; width: number }) {
  return (
    <Text>
      {wrapCheckText(check.label, check.detail, width - 2).map(([plain, dim], index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one text, in order
        <Text key={index}>
          {index > 0 ? '\n' : ''}
          {plain}
          {dim ? <Text dimColor>{dim}</Text> : null}
        </Text>
      ))}
    </Text>
  );
}

export function CheckList({ checks, showHints = true, width }: CheckListProps) {
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
              <CheckText check={check} width={width} />
            </Box>
          </Box>
          {showHints && check.state === 'failed' && check.hint ? (
            <Box paddingLeft={2}>
              <Text color="yellow">{wrapWords(`hint: ${check.hint}`, width - 2).join('\n')}</Text>
            </Box>
          ) : null}
        </Box>
      ))}
    </Box>
  );
}
