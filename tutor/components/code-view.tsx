// A step file as the learner reads it while it runs: syntax-highlighted (cli-highlight, the way
// highlight.js reads TypeScript), with line numbers, a window of `height` lines from `offset`, and
// long lines cut at the width rather than wrapped, so the window's height is its height. The
// component only draws; the offset comes from the parent, usually from useScroll.
//
// Props: source, fileName?, offset (first line shown, 0-based; clamped), height (lines shown),
// width? (default: the terminal's), language? (default 'typescript'), theme? (cli-highlight's; a
// stable object, as the file is highlighted again when it changes).
import { highlight, type Theme } from 'cli-highlight';
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { useTerminalSize } from './use-terminal-size.ts';

export interface CodeViewProps {
  source: string;
  fileName?: string;
  offset: number;
  height: number;
  width?: number;
  language?: string;
  /** cli-highlight's colours per token kind (default: its own, for a dark background). */
  theme?: Partial<Theme>;
}

/** The source's lines, highlighted; chalk closes and reopens its colours at each newline, so each line stands alone. */
export function highlightedLines(source: string, language: string, theme?: Partial<Theme>): string[] {
  const text = source.replace(/\t/g, '  ').replace(/\n$/, '');
  return highlight(text, { language, ignoreIllegals: true, ...(theme ? { theme } : {}) }).split('\n');
}

/** The first line a window of `height` lines may start at, so the last window is full. */
export const lastOffset = (lineCount: number, height: number) => Math.max(0, lineCount - height);

export function CodeView({
  source,
  fileName,
  offset,
  height,
  width,
  language = 'typescript',
  theme,
}: CodeViewProps) {
  const { columns } = useTerminalSize({ width });
  const lines = useMemo(() => highlightedLines(source, language, theme), [source, language, theme]);
  const first = Math.min(Math.max(0, offset), lastOffset(lines.length, height));
  const shown = lines
    .slice(first, first + height)
    .map((text, index) => ({ number: first + index + 1, text }));
  const gutter = String(lines.length).length;
  return (
    <Box flexDirection="column" width={columns}>
      <Text dimColor wrap="truncate-end">
        {`${fileName ? `${fileName} · ` : ''}lines ${first + 1}–${first + shown.length} of ${lines.length} · ↑↓ PgUp PgDn scroll`}
      </Text>
      {shown.map((line) => (
        <Text key={line.number} wrap="truncate-end">
          <Text dimColor>{`${String(line.number).padStart(gutter)} │ `}</Text>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
