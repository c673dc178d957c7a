// Scrolling a window of lines with the keys a pager uses: ↑/↓ or k/j by a line, PgUp/PgDn or b/space
// by a window, g/G or Home/End to the ends. The offset is clamped so the last window is full; the
// CodeView that shows it stays a plain component.
import { useInput } from 'ink';
import { useState } from 'react';

export interface UseScrollOptions {
  lineCount: number;
  /** Lines in the window. */
  height: number;
  isActive?: boolean;
}

export function useScroll({ lineCount, height, isActive = true }: UseScrollOptions): { offset: number } {
  const [offset, setOffset] = useState(0);
  const last = Math.max(0, lineCount - height);
  const by = (delta: number) => setOffset((current) => Math.min(last, Math.max(0, current + delta)));
  useInput(
    (input, key) => {
      if (key.downArrow || input === 'j') by(1);
      else if (key.upArrow || input === 'k') by(-1);
      else if (key.pageDown || input === ' ') by(height);
      else if (key.pageUp || input === 'b') by(-height);
      else if (key.home || input === 'g') setOffset(0);
      else if (key.end || input === 'G') setOffset(last);
    },
    { isActive },
  );
  return { offset: Math.min(offset, last) };
}
