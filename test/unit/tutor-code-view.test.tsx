// The code view: a step file with line numbers, a window of lines, cut at the width, scrolled with a
// pager's keys through useScroll (tutor/components/code-view.tsx, use-scroll.ts).
import { readFileSync } from 'node:fs';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { CodeView, highlightedLines } from '../../tutor/components/code-view.tsx';
import { useScroll } from '../../tutor/components/use-scroll.ts';
import { frameLines, KEY, type, widest } from '../helpers/ink-frame.ts';

const FILE = 'steps/step-5.ts';
const source = readFileSync(new URL(`../../${FILE}`, import.meta.url), 'utf8');
const sourceLines = source.replace(/\n$/, '').split('\n');
const HEIGHT = 10;

/** A parent as the app would write it: the hook owns the offset, the view draws it. */
function Scrolled({ width }: { width?: number }) {
  const { offset } = useScroll({ lineCount: sourceLines.length, height: HEIGHT });
  return <CodeView source={source} fileName={FILE} offset={offset} height={HEIGHT} width={width} />;
}

/** Line number and text of each source line on screen. */
const shownLines = (frame: string | undefined) =>
  frameLines(frame)
    .slice(1)
    .map((line) => /^\s*(\d+) │ (.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ number: Number(match[1]), text: match[2]! }));

describe('CodeView', () => {
  it('shows a window of the file with line numbers and where it is', () => {
    const { lastFrame } = render(
      <CodeView source={source} fileName={FILE} offset={0} height={HEIGHT} width={100} />,
    );
    const lines = frameLines(lastFrame());
    expect(lines[0]).toMatch(new RegExp(`^steps/step-5\\.ts · lines 1–10 of ${sourceLines.length}`));
    const shown = shownLines(lastFrame());
    expect(shown.map((line) => line.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The source's own text (no colours in a test), each line as long as fits beside the gutter.
    for (const line of shown) {
      const text = sourceLines[line.number - 1]!;
      expect(line.text).toBe(text.length <= 95 ? text : `${text.slice(0, 94)}…`);
    }
  });

  it('highlights TypeScript token by token, keeping each line whole', () => {
    // chalk writes no colour to a test's pipe; a theme that marks tokens shows what was recognised.
    const mark = (kind: string) => (part: string) => `<${kind}>${part}</${kind}>`;
    const lines = highlightedLines("const answer: number = 42;\nawait connect('x');\n", 'typescript', {
      keyword: mark('k'),
      number: mark('n'),
      string: mark('s'),
      built_in: mark('b'),
    });
    expect(lines).toEqual([
      '<k>const</k> answer: <b>number</b> = <n>42</n>;',
      "<k>await</k> connect(<s>'x'</s>);",
    ]);
  });

  it('cuts long lines at 80 columns instead of wrapping them', () => {
    const long = `${'x'.repeat(200)}\nshort\n`;
    const { lastFrame } = render(<CodeView source={long} offset={0} height={5} width={80} />);
    const lines = frameLines(lastFrame());
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^1 │ x+…$/);
    expect(lines[2]).toBe('2 │ short');
    expect(widest(lastFrame())).toBe(80);
  });

  it('clamps an offset past the end so the last window is full', () => {
    const { lastFrame } = render(<CodeView source={source} offset={1000} height={HEIGHT} width={100} />);
    const shown = shownLines(lastFrame());
    expect(shown).toHaveLength(HEIGHT);
    expect(shown.at(-1)!.number).toBe(sourceLines.length);
  });

  it('scrolls with ↓ ↑ j k, PgDn PgUp, G and g', async () => {
    const { lastFrame, stdin } = render(<Scrolled width={80} />);
    const first = () => shownLines(lastFrame())[0]!.number;
    expect(first()).toBe(1);
    await type(stdin, KEY.down, KEY.down, 'j');
    expect(first()).toBe(4);
    await type(stdin, KEY.up, 'k');
    expect(first()).toBe(2);
    await type(stdin, KEY.pageDown);
    expect(first()).toBe(12);
    await type(stdin, KEY.pageUp, KEY.pageUp);
    expect(first()).toBe(1);
    await type(stdin, 'G');
    expect(first()).toBe(sourceLines.length - HEIGHT + 1);
    expect(shownLines(lastFrame()).at(-1)!.number).toBe(sourceLines.length);
    await type(stdin, KEY.down);
    expect(first()).toBe(sourceLines.length - HEIGHT + 1);
    await type(stdin, 'g');
    expect(first()).toBe(1);
    expect(widest(lastFrame())).toBeLessThanOrEqual(80);
  });
});
