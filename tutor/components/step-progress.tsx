// A step run, live, from the step runner's events (src/lesson/events.ts): what it found and kept,
// created, started again and is waiting for, then its checks and how it ended. The pane stays a few
// lines tall (tall live output flickers): successive "waiting" events replace one another, and only
// the last lines are shown, with how many came before. The words for the cloud's events are
// describeCloudEvent's, the same as `faafo-tutor step N` prints.
//
// Props: events: StepEvent[] (as the runner emitted them, oldest first); maxLines? (default 6);
// settled? (what the last line says is over: no spinner, even on a "waiting" line).
import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { describeCloudEvent } from '../../src/cloud/events.ts';
import type { StepEvent } from '../../src/lesson/events.ts';

export interface StepProgressProps {
  events: readonly StepEvent[];
  maxLines?: number;
  settled?: boolean;
}

type Tone = 'plain' | 'good' | 'bad' | 'busy';

interface Line {
  text: string;
  tone: Tone;
}

function lineOf(event: StepEvent): Line | undefined {
  switch (event.type) {
    case 'started':
      return {
        text: `▶ ${event.step.id}: ${event.step.title}${event.checkOnly ? ' (checks only)' : ''}`,
        tone: 'plain',
      };
    case 'connected':
      return { text: `connected to ${event.cloud}`, tone: 'plain' };
    case 'created':
      return { text: `+ created ${event.kind} ${event.name}`, tone: 'good' };
    case 'checking':
      return { text: 'checking the cloud', tone: 'busy' };
    case 'check':
      return event.ok
        ? { text: `✓ ${event.label}`, tone: 'good' }
        : { text: `✗ ${event.label}${event.detail ? `: ${event.detail}` : ''}`, tone: 'bad' };
    case 'done':
      return { text: `✓ ${event.step.id} done`, tone: 'good' };
    case 'failed':
      return { text: `✗ ${event.reason}`, tone: 'bad' };
    default: {
      const text = describeCloudEvent(event);
      const busy =
        event.type === 'waiting' || event.type === 'cloud-starting' || event.type === 'server-starting';
      return text === undefined ? undefined : { text, tone: busy ? 'busy' : 'plain' };
    }
  }
}

/** The events as lines, a run of waiting events folded into its latest. */
export function progressLines(events: readonly StepEvent[]): Line[] {
  const lines: Line[] = [];
  let previous: StepEvent | undefined;
  for (const event of events) {
    const line = lineOf(event);
    if (line !== undefined) {
      if (event.type === 'waiting' && previous?.type === 'waiting') lines[lines.length - 1] = line;
      else lines.push(line);
    }
    previous = event;
  }
  return lines;
}

const COLOR: Record<Tone, string | undefined> = {
  plain: undefined,
  good: 'green',
  bad: 'red',
  busy: 'yellow',
};

export function StepProgress({ events, maxLines = 6, settled = false }: StepProgressProps) {
  const lines = progressLines(events);
  const hidden = lines.length > maxLines ? lines.length - (maxLines - 1) : 0;
  const shown = lines.slice(hidden);
  return (
    <Box flexDirection="column">
      {hidden > 0 ? <Text dimColor>… {hidden} earlier</Text> : null}
      {shown.map((line, index) => {
        // Only the last line can be in progress: a run's end (done, failed) is always its last line.
        const live = !settled && index === shown.length - 1 && line.tone === 'busy';
        const tone = line.tone === 'busy' && !live ? 'plain' : line.tone;
        return (
          // Lines are positions in a log that only grows at its end.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Text key={hidden + index} color={COLOR[tone]} wrap="truncate-end">
            {live ? (
              <>
                <Spinner type="dots" />{' '}
              </>
            ) : null}
            {line.text}
          </Text>
        );
      })}
    </Box>
  );
}
