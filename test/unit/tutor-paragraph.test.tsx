// A paragraph of the lesson's text at the terminal's width (tutor/components/paragraph.tsx): the
// opening screen of each chapter shows them too, and there Ink's own wrap left a space at line starts.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Paragraph } from '../../tutor/components/paragraph.tsx';
import { frameLines } from '../helpers/ink-frame.ts';

const TEXT =
  'First the guide’s way: a loop of `faafo create` run on app-controller itself, several at a time, so the clients and the API share its one CPU. Then a burst of requests from this machine.';

describe('Paragraph', () => {
  it('breaks between words within the width, no line starting with a space', () => {
    const lines = frameLines(render(<Paragraph text={TEXT} width={80} />).lastFrame());
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line).toMatch(/^\S/);
      expect([...line].length).toBeLessThanOrEqual(80);
    }
    expect(lines.join(' ')).toBe(TEXT);
  });
});
