// The keys: the bar lists only what works now, a typed letter reaches the app only when its key is
// active, ? opens and closes the help, Esc closes it (tutor/components/key-bar.tsx,
// help-overlay.tsx, use-keys.ts).
import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { HelpOverlay } from '../../tutor/components/help-overlay.tsx';
import { KeyBar } from '../../tutor/components/key-bar.tsx';
import type { KeyName } from '../../tutor/components/keys.ts';
import { useKeys } from '../../tutor/components/use-keys.ts';
import { frameLines, KEY, plain, type, widest } from '../helpers/ink-frame.ts';

/** The bottom of the tutor's screen as the app composes it. */
function Screen({ active, pressed }: { active: KeyName[]; pressed: KeyName[] }) {
  const { helpOpen } = useKeys({ active, onKey: (name) => pressed.push(name) });
  return (
    <Box flexDirection="column" width={80}>
      {helpOpen ? <HelpOverlay active={active} /> : null}
      <KeyBar active={active} />
    </Box>
  );
}

/** A screen where a prompt has the keyboard. */
function Busy({ pressed }: { pressed: KeyName[] }) {
  useKeys({ active: ['next'], onKey: (name) => pressed.push(name), isActive: false });
  return null;
}

describe('KeyBar', () => {
  it('lists the active keys in the fixed order, help always last', () => {
    const { lastFrame, rerender } = render(<KeyBar active={['quit', 'next', 'code']} />);
    expect(plain(lastFrame())).toBe('n next  c code  q quit  ? help');
    rerender(<KeyBar active={['next', 'retry', 'code', 'hint', 'skip', 'quit']} />);
    expect(plain(lastFrame())).toBe('n next  r retry  c code  h hint  s skip  q quit  ? help');
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });
});

describe('HelpOverlay', () => {
  it('explains every key in 80 columns and marks those that do nothing now', () => {
    const { lastFrame } = render(<HelpOverlay active={['next', 'quit']} />);
    const text = plain(lastFrame());
    expect(text).toContain('n  next  Go on to the next step or chapter.');
    expect(text).toContain('r  retry Run the failed check again, after a fix. (not now)');
    expect(text).toContain('q  quit  Quit; the next start resumes here.');
    expect(text).not.toContain('Quit; the next start resumes here. (not now)');
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });
});

describe('useKeys', () => {
  it('passes on active keys only, and toggles the help with ? and Esc', async () => {
    const pressed: KeyName[] = [];
    const { lastFrame, stdin } = render(<Screen active={['next', 'code', 'quit']} pressed={pressed} />);
    expect(frameLines(lastFrame())).toHaveLength(1);

    await type(stdin, 'n', 'r', 'c', 'x', 'q');
    expect(pressed).toEqual(['next', 'code', 'quit']);

    await type(stdin, '?');
    expect(plain(lastFrame())).toContain('Keys (? or Esc closes this help)');
    await type(stdin, '?');
    expect(plain(lastFrame())).not.toContain('Keys (');
    await type(stdin, '?');
    expect(plain(lastFrame())).toContain('Keys (');
    await type(stdin, KEY.escape);
    expect(plain(lastFrame())).not.toContain('Keys (');
    // The help keys are not handed to the app.
    expect(pressed).toEqual(['next', 'code', 'quit']);
  });

  it('ignores every key while something else has the keyboard', async () => {
    const pressed: KeyName[] = [];
    const { stdin } = render(<Busy pressed={pressed} />);
    await type(stdin, 'n', '?');
    expect(pressed).toEqual([]);
  });
});
