// The API under a flood of requests, as figures that update while it runs: how many of the requests
// are done, the latency half of them beat (p50) and the one in a hundred that is slowest (p99), how
// many failed, and the load of the API node answering them (above 1.0 it has more work than CPU).
//
// Props: done, total (requests), p50Ms, p99Ms (null before the first answer), errors, apiNode?,
// apiLoad? (its latest load average); width? (default: the terminal's, for the progress bar).
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { formatDuration, formatLoad } from './format.ts';
import { AT_CAPACITY } from './load-chart.tsx';
import { useTerminalSize } from './use-terminal-size.ts';

export interface LatencyPanelProps {
  done: number;
  total: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  apiNode?: string;
  apiLoad?: number | null;
  width?: number;
}

const LABEL = 10;
const BAR_MAX = 40;

function bar(fraction: number, cells: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * cells);
  return `${'█'.repeat(full)}${'░'.repeat(cells - full)}`;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Box width={LABEL} flexShrink={0}>
        <Text dimColor>{label}</Text>
      </Box>
      <Text wrap="truncate-end">{children}</Text>
    </Box>
  );
}

export function LatencyPanel({
  done,
  total,
  p50Ms,
  p99Ms,
  errors,
  apiNode,
  apiLoad,
  width,
}: LatencyPanelProps) {
  const { columns } = useTerminalSize({ width });
  const fraction = total > 0 ? done / total : 0;
  const count = `${done} / ${total} `;
  const cells = Math.max(0, Math.min(BAR_MAX, columns - LABEL - count.length - 6));
  const errorShare = done > 0 ? ` (${((errors / done) * 100).toFixed(1)} %)` : '';
  const overloaded = apiLoad !== undefined && apiLoad !== null && apiLoad > AT_CAPACITY;
  return (
    <Box flexDirection="column">
      <Row label="requests">
        {count}
        {bar(fraction, cells)} {Math.floor(fraction * 100)}%
      </Row>
      <Row label="latency">
        p50 {formatDuration(p50Ms)} · p99 {formatDuration(p99Ms)}
      </Row>
      <Row label="errors">
        <Text color={errors > 0 ? 'red' : undefined}>
          {errors}
          {errorShare}
        </Text>
      </Row>
      {apiNode === undefined ? null : (
        <Row label="API node">
          {apiNode} load <Text color={overloaded ? 'red' : undefined}>{formatLoad(apiLoad)}</Text>
          {overloaded ? ' · above 1.0: more work than its CPU can do' : ''}
        </Row>
      )}
    </Box>
  );
}
