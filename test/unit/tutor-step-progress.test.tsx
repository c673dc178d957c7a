// A step run's live progress from the runner's events: one line per event, waits folded into the
// latest, only the last lines shown (tutor/components/step-progress.tsx).
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/lesson/events.ts';
import { progressLines, StepProgress } from '../../tutor/components/step-progress.tsx';
import { frameLines, widest } from '../helpers/ink-frame.ts';

const step = { id: 'step-4', title: 'Two API nodes', file: 'steps/step-4.ts' };

const run: StepEvent[] = [
  { type: 'started', step, checkOnly: false },
  { type: 'connected', step, cloud: 'the local cloud' },
  { type: 'found', kind: 'security group', name: 'api', status: '2 rules', outcome: 'kept' },
  { type: 'created', kind: 'server', name: 'app-api-1', id: 'a1' },
  { type: 'created', kind: 'server', name: 'app-api-2', id: 'a2' },
  {
    type: 'waiting',
    servers: [
      { name: 'app-api-1', status: 'BUILD' },
      { name: 'app-api-2', status: 'BUILD' },
    ],
    elapsedS: 0,
  },
  { type: 'waiting', servers: [{ name: 'app-api-2', status: 'BUILD' }], elapsedS: 10 },
];

describe('StepProgress', () => {
  it('lists what the run found, created and waits for, the wait live with a spinner', () => {
    const { lastFrame } = render(<StepProgress events={run} maxLines={8} />);
    const lines = frameLines(lastFrame());
    expect(lines).toEqual([
      '▶ step-4: Two API nodes',
      'connected to the local cloud',
      'found security group api (2 rules): kept',
      '+ created server app-api-1',
      '+ created server app-api-2',
      expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for app-api-2 BUILD \(10 s\)$/),
    ]);
  });

  it('drops the spinner once what it waited for is over (settled), keeping the line to read', () => {
    const { lastFrame } = render(<StepProgress events={run} maxLines={8} settled />);
    expect(frameLines(lastFrame()).at(-1)).toBe('waiting for app-api-2 BUILD (10 s)');
  });

  it('stays a few lines tall: the latest lines and how many came before', () => {
    const ended: StepEvent[] = [
      ...run,
      { type: 'checking', step },
      { type: 'check', ok: true, label: 'app-api-1 ACTIVE with a floating IP' },
      {
        type: 'check',
        ok: false,
        label: 'app-api-2 answers HTTP',
        detail: 'connection refused on 10.0.0.12:80',
      },
      {
        type: 'failed',
        step,
        kind: 'checks',
        reason: 'app-api-2 does not answer yet; wait a minute and press r to check again.',
        made: [],
      },
    ];
    const { lastFrame } = render(<StepProgress events={ended} maxLines={4} />);
    const lines = frameLines(lastFrame());
    expect(lines).toEqual([
      '… 7 earlier',
      '✓ app-api-1 ACTIVE with a floating IP',
      '✗ app-api-2 answers HTTP: connection refused on 10.0.0.12:80',
      '✗ app-api-2 does not answer yet; wait a minute and press r to check again.',
    ]);
  });

  it('cuts a long line at the width instead of wrapping it', () => {
    const long: StepEvent[] = [
      { type: 'started', step, checkOnly: true },
      {
        type: 'waiting',
        servers: [
          'app-worker-1',
          'app-worker-2',
          'app-worker-3',
          'app-api-1',
          'app-api-2',
          'app-services',
        ].map((name) => ({ name, status: 'BUILD' })),
        elapsedS: 20,
      },
      { type: 'done', step },
    ];
    const { lastFrame } = render(
      <Box80>
        <StepProgress events={long} />
      </Box80>,
    );
    const lines = frameLines(lastFrame());
    expect(lines[0]).toBe('▶ step-4: Two API nodes (checks only)');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^waiting for app-worker-1 BUILD, .*…$/);
    expect(lines[2]).toBe('✓ step-4 done');
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it('follows step after step: the spinner is on the running one only', () => {
    const next = { id: 'step-5', title: 'Three workers', file: 'steps/step-5.ts' };
    const events: StepEvent[] = [
      { type: 'started', step, checkOnly: false },
      { type: 'done', step },
      { type: 'started', step: next, checkOnly: false },
      { type: 'waiting', servers: [{ name: 'app-worker-2', status: 'BUILD' }], elapsedS: 0 },
    ];
    const { lastFrame, rerender } = render(<StepProgress events={events} />);
    expect(frameLines(lastFrame()).at(-1)).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for app-worker-2 BUILD \(0 s\)$/);
    rerender(<StepProgress events={[...events, { type: 'done', step: next }]} />);
    expect(frameLines(lastFrame()).slice(-2)).toEqual([
      'waiting for app-worker-2 BUILD (0 s)',
      '✓ step-5 done',
    ]);
  });

  it('folds only successive waits: a wait after something new is a new line', () => {
    const events: StepEvent[] = [
      run[5]!,
      { type: 'created', kind: 'floating IP', name: '203.0.113.7', id: 'f1' },
      run[6]!,
    ];
    expect(progressLines(events).map((line) => line.text)).toEqual([
      'waiting for app-api-1 BUILD, app-api-2 BUILD (0 s)',
      '+ created floating IP 203.0.113.7',
      'waiting for app-api-2 BUILD (10 s)',
    ]);
  });
});

function Box80({ children }: { children: ReactNode }) {
  return <Box width={80}>{children}</Box>;
}
