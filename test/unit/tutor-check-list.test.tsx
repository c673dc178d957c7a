// The check list: a spinner while a check runs, ✓ or ✗ with what it saw, a failed one's hint under
// it (tutor/components/check-list.tsx).
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { CheckList, wrapCheckText } from '../../tutor/components/check-list.tsx';
import { frameLines, widest } from '../helpers/ink-frame.ts';

const checks = [
  {
    label: 'security groups worker, api, services',
    state: 'passed' as const,
    detail: '3 of 3 with their rules',
  },
  {
    label: 'app-worker-2 consuming',
    state: 'failed' as const,
    detail: 'no consumer on the queue from app-worker-2',
    hint: 'Run `faafo-tutor ssh app-worker-2 -- systemctl status faafo-worker` to see why the worker stopped.',
  },
  { label: 'app-worker-3 consuming', state: 'pending' as const },
];

describe('CheckList', () => {
  it('shows each check with its mark, what it saw, and the hint of the failed one', () => {
    const { lastFrame } = render(<CheckList checks={checks} width={80} />);
    const lines = frameLines(lastFrame());
    expect(lines[0]).toBe('✓ security groups worker, api, services: 3 of 3 with their rules');
    expect(lines[1]).toBe('✗ app-worker-2 consuming: no consumer on the queue from app-worker-2');
    expect(lines[2]).toMatch(
      /^ {2}hint: Run `faafo-tutor ssh app-worker-2 -- systemctl status faafo-worker`/,
    );
    // A spinner frame (braille dots), not a mark, before the check still running.
    expect(lines.at(-1)).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] app-worker-3 consuming$/);
  });

  it('wraps a long check under its text, the mark keeping its space', () => {
    const { lastFrame } = render(
      <Box80>
        <CheckList
          checks={[
            {
              label: "app-worker-1's load average climbed toward 1 (busy)",
              state: 'passed',
              detail: 'its 1-minute load peaked at 1.17 (at least 0.9 expected)',
            },
          ]}
          width={80}
        />
      </Box80>,
    );
    const lines = frameLines(lastFrame());
    expect(lines[0]).toMatch(/^✓ app-worker-1's load average/);
    expect(lines[1]).toMatch(/^ {2}\S/);
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });

  it('wraps a long hint inside 80 columns and hides hints when asked', () => {
    const { lastFrame, rerender } = render(
      <Box80>
        <CheckList checks={checks} width={80} />
      </Box80>,
    );
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
    rerender(
      <Box80>
        <CheckList checks={checks} showHints={false} width={80} />
      </Box80>,
    );
    expect(lastFrame()).not.toContain('hint:');
    expect(lastFrame()).toContain('✗ app-worker-2 consuming');
  });
});

describe('CheckList with a width', () => {
  // The label and its colon fill the first line exactly: Ink's own wrap started the next one with
  // the space before the detail.
  const long = {
    label: 'app-worker-1 load average rose to 1.0',
    state: 'failed' as const,
    detail:
      'its 1-minute load peaked at 0.41 (at least 0.9 expected), read through Nova diagnostics every 5 s',
    hint: 'The batch may have been too small for this machine: run the chapter again with a larger --scale.',
  };

  it('breaks label, detail and hint between words: no line starts with a stray space', () => {
    const { lastFrame } = render(<CheckList checks={[long]} width={40} />);
    const lines = frameLines(lastFrame());
    expect(lines.length).toBeGreaterThan(4);
    expect(lines[0]).toBe('✗ app-worker-1 load average rose to 1.0:');
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}\S/);
    expect(widest(lastFrame())).toBeLessThanOrEqual(40);
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    expect(words(lines.join(' ')).slice(1)).toEqual(
      words(`${long.label}: ${long.detail} hint: ${long.hint}`),
    );
  });

  it('dims the detail from where it starts, on whichever line', () => {
    const lines = wrapCheckText('app-api-2 answers HTTP', 'no answer from 127.0.2.5:8080 within 10 s', 30);
    expect(lines).toEqual([
      ['app-api-2 answers HTTP:', ' no'],
      ['', 'answer from 127.0.2.5:8080'],
      ['', 'within 10 s'],
    ]);
    expect(wrapCheckText('a check', undefined, 30)).toEqual([['a check', '']]);
  });
});

function Box80({ children }: { children: ReactNode }) {
  return <Box width={80}>{children}</Box>;
}
