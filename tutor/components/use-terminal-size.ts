// The terminal's size for a component that lays itself out to it (the chapter view, the code view,
// the charts). Ink re-lays its boxes on a resize but does not re-render React, so a component that
// computes from the width (a chart's column count, a rule's length) needs state that changes with it.
// A `width`/`rows` given by the parent wins, which is how tests and side-by-side panes fix a size.
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** What a terminal without a size (a pipe, a test's fake stdout) is taken to be: the 80 × 24 we must fit. */
export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 24;

export interface TerminalSize {
  columns: number;
  rows: number;
}

const sizeOf = (stdout: NodeJS.WriteStream): TerminalSize => ({
  columns: stdout.columns || FALLBACK_COLUMNS,
  rows: stdout.rows || FALLBACK_ROWS,
});

export function useTerminalSize(given: { width?: number; rows?: number } = {}): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return { columns: given.width ?? size.columns, rows: given.rows ?? size.rows };
}
