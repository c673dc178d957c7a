// The chapter view: title over a rule, the text wrapped to the width, paragraphs spaced only when
// the terminal has rows to spare, the live part under it (tutor/components/chapter-view.tsx).
import { EventEmitter } from 'node:events';
import { render as renderInk, Text } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ChapterView } from '../../tutor/components/chapter-view.tsx';
import { frameLines, plain, settle, widest } from '../helpers/ink-frame.ts';

const BODY = [
  'One worker renders every fractal the API accepts. We now ask for five fractals of 9999 × 9999 points at once and watch what the worker node does with them: its load average climbs until it reaches one, the most work a single CPU can do.',
  'The queue in RabbitMQ fills with the tasks the worker has not started yet.',
].join('\n\n');

describe('ChapterView', () => {
  it('wraps the text to an 80-column terminal and shows the live part under it', () => {
    const { lastFrame } = render(
      <ChapterView number={3} title="Overload the worker" body={BODY} width={80} rows={24}>
        <Text>LIVE PART</Text>
      </ChapterView>,
    );
    const lines = frameLines(lastFrame());
    expect(lines[0]).toBe('Chapter 3 · Overload the worker');
    expect(lines[1]).toBe('─'.repeat(80));
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
    // The first paragraph takes several lines, words intact, and 24 rows leave no blank line after it.
    const text = plain(lastFrame());
    expect(text).toContain('9999 × 9999');
    const queueLine = lines.findIndex((line) => line.startsWith('The queue in RabbitMQ'));
    expect(queueLine).toBeGreaterThan(3);
    expect(lines[queueLine - 1]).not.toBe('');
    expect(lines.at(-1)).toBe('LIVE PART');
    expect(lines.at(-2)).toBe('');
    // Broken between words, every line of the text starts at the left edge (Ink's own wrap kept
    // the space it broke at), and joined again they give the paragraph back word for word.
    const first = lines.slice(2, queueLine);
    for (const line of first) expect(line).toMatch(/^\S/);
    expect(first.join(' ')).toBe(BODY.split('\n\n')[0]);
  });

  it('uses a wider terminal and spaces the paragraphs when it is tall', () => {
    const { lastFrame } = render(
      <ChapterView number={3} title="Overload the worker" body={BODY} width={100} rows={40} />,
    );
    const lines = frameLines(lastFrame());
    expect(lines[1]).toBe('─'.repeat(100));
    expect(widest(lastFrame())).toBeGreaterThan(80);
    const queueLine = lines.findIndex((line) => line.startsWith('The queue in RabbitMQ'));
    expect(lines[queueLine - 1]).toBe('');
    // The first paragraph needs fewer lines at 100 columns than at 80.
    expect(queueLine).toBeLessThanOrEqual(6);
  });

  it("takes the terminal's width when none is given", () => {
    // ink-testing-library's stdout is 100 columns wide.
    const { lastFrame } = render(<ChapterView number={1} title="Preflight" body="Checking your machine." />);
    expect(frameLines(lastFrame())[1]).toBe('─'.repeat(100));
  });

  it('follows the terminal when it is resized', async () => {
    // A stdout whose size changes, as a terminal's does (ink-testing-library's is fixed at 100).
    class ResizableStdout extends EventEmitter {
      columns = 80;
      rows = 24;
      frames: string[] = [];
      write = (frame: string) => {
        this.frames.push(frame);
        return true;
      };
    }
    const stdout = new ResizableStdout();
    const app = renderInk(<ChapterView number={2} title="Where we are" body="The prelude's app." />, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      debug: true,
      patchConsole: false,
    });
    expect(frameLines(stdout.frames.at(-1))[1]).toBe('─'.repeat(80));
    stdout.columns = 120;
    stdout.emit('resize');
    await settle();
    expect(frameLines(stdout.frames.at(-1))[1]).toBe('─'.repeat(120));
    app.unmount();
  });
});
