// The check list: a spinner while a check runs, ✓ or ✗ with what it saw, a failed one's hint under
// it (tutor/components/check-list.tsx).
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { CheckList } from '../../tutor/components/check-list.tsx';
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
    const { lastFrame } = render(<CheckList checks={checks} />);
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
        <CheckList checks={checks} />
      </Box80>,
    );
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
    rerender(
      <Box80>
        <CheckList checks={checks} showHints={false} />
      </Box80>,
    );
    expect(lastFrame()).not.toContain('hint:');
    expect(lastFrame()).toContain('✗ app-worker-2 consuming');
  });
});

function Box80({ children }: { children: ReactNode }) {
  return <Box width={80}>{children}</Box>;
}
