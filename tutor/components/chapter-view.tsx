// One chapter on screen: its number and title over a rule, the text in our own words wrapped to the
// terminal's width, then whatever the chapter shows live (checks, a chart, a prompt) as children.
// On a 24-row terminal the paragraphs sit without blank lines between them, so the live part below
// keeps its room; taller terminals get the air back.
//
// Props: number, title, body (paragraphs separated by a blank line), children (the live part),
// width?/rows? (default: the terminal's, 80 × 24 without one).
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { Paragraph } from './paragraph.tsx';
import { useTerminalSize } from './use-terminal-size.ts';

export interface ChapterViewProps {
  number: number;
  title: string;
  body: string;
  children?: ReactNode;
  width?: number;
  rows?: number;
}

/** Below this many rows the chapter drops the blank lines between paragraphs. */
export const ROOMY_ROWS = 30;

export function ChapterView({ number, title, body, children, width, rows }: ChapterViewProps) {
  const size = useTerminalSize({ width, rows });
  const paragraphs = body
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  const gap = size.rows >= ROOMY_ROWS ? 1 : 0;
  return (
    <Box flexDirection="column" width={size.columns}>
      <Text bold wrap="truncate-end">
        Chapter {number} · {title}
      </Text>
      <Text dimColor>{'─'.repeat(size.columns)}</Text>
      <Box flexDirection="column" rowGap={gap}>
        {paragraphs.map((paragraph, index) => (
          // Paragraphs have no identity of their own; their order is fixed by the text.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Paragraph key={index} text={paragraph} width={size.columns} />
        ))}
      </Box>
      {children === undefined ? null : (
        <Box flexDirection="column" marginTop={1}>
          {children}
        </Box>
      )}
    </Box>
  );
}
