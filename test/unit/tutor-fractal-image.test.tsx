// The fractal on screen: kitty's or iTerm2's image sequence written once through Ink's stdout
// (never as text Ink would lay out), a link to the gallery where the terminal shows no pictures
// (tutor/components/fractal-image.tsx, tutor/terminal/).
import { render } from 'ink-testing-library';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { FractalImage } from '../../tutor/components/fractal-image.tsx';
import { iterm2Image, kittyImage } from '../../tutor/terminal/image-escapes.ts';
import { detectImageProtocol } from '../../tutor/terminal/image-protocol.ts';
import { frameLines, plain, settle } from '../helpers/ink-frame.ts';

/** A 64 × 64 PNG of noise: incompressible enough to need several kitty chunks. */
function noisePng(): Buffer {
  const png = new PNG({ width: 64, height: 64 });
  let seed = 7;
  for (let i = 0; i < png.data.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    png.data[i] = i % 4 === 3 ? 255 : (seed >> 16) & 255;
  }
  return PNG.sync.write(png);
}

const png = noisePng();
const URL_ = 'http://127.0.0.1:18080/fractal/6a1b9c0e-0f4d-4d8e-9a43-2f3c1d5e7a90';
const ESC = '\u001b';

describe('detectImageProtocol', () => {
  it('reads the variables the terminals document, and refuses inside a multiplexer', () => {
    expect(detectImageProtocol({ TERM: 'xterm-kitty', KITTY_WINDOW_ID: '1' })).toBe('kitty');
    expect(detectImageProtocol({ TERM_PROGRAM: 'ghostty', TERM: 'xterm-ghostty' })).toBe('kitty');
    expect(detectImageProtocol({ TERM_PROGRAM: 'iTerm.app', TERM: 'xterm-256color' })).toBe('iterm2');
    expect(detectImageProtocol({ LC_TERMINAL: 'iTerm2', TERM: 'xterm-256color' })).toBe('iterm2');
    expect(detectImageProtocol({ TERM_PROGRAM: 'WezTerm' })).toBe('iterm2');
    expect(detectImageProtocol({ TERM: 'xterm-256color', TERM_PROGRAM: 'Apple_Terminal' })).toBeUndefined();
    expect(detectImageProtocol({ TERM: 'tmux-256color', KITTY_WINDOW_ID: '1' })).toBeUndefined();
    expect(
      detectImageProtocol({ TMUX: '/tmp/tmux-0/default,1,0', TERM_PROGRAM: 'iTerm.app' }),
    ).toBeUndefined();
    expect(detectImageProtocol({})).toBeUndefined();
  });
});

describe('kittyImage', () => {
  it('sends the PNG in chunks of at most 4096 base64 characters, keys on the first, m=0 on the last', () => {
    const sequence = kittyImage(png, { columns: 32, rows: 16 });
    // Each chunk is ESC _ G <keys> ; <base64> ESC \.
    const parts = sequence.split(`${ESC}\\`);
    expect(parts.pop()).toBe('');
    const chunks = parts.map((part) => {
      expect(part.startsWith(`${ESC}_G`)).toBe(true);
      const [keys, payload] = part.slice(3).split(';');
      return [part, keys, payload] as const;
    });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]![1]).toBe('a=T,f=100,t=d,q=2,c=32,r=16,m=1');
    for (const chunk of chunks.slice(1, -1)) expect(chunk[1]).toBe('m=1,q=2');
    expect(chunks.at(-1)![1]).toBe('m=0,q=2');
    for (const chunk of chunks) expect(chunk[2]!.length).toBeLessThanOrEqual(4096);
    expect(Buffer.from(chunks.map((c) => c[2]).join(''), 'base64').equals(png)).toBe(true);
  });
});

describe('iterm2Image', () => {
  it('is one OSC 1337 with the size in bytes and the cells', () => {
    const sequence = iterm2Image(png, { columns: 20, rows: 10 });
    const prefix = `${ESC}]1337;File=inline=1;size=${png.length};width=20;height=10;preserveAspectRatio=1:`;
    expect(sequence.startsWith(prefix)).toBe(true);
    expect(sequence.endsWith('\u0007')).toBe(true);
    expect(Buffer.from(sequence.slice(prefix.length, -1), 'base64').equals(png)).toBe(true);
  });
});

describe('FractalImage', () => {
  it('writes the image once above the frame in kitty, and shows the caption', async () => {
    const env = { TERM: 'xterm-kitty', KITTY_WINDOW_ID: '3' };
    const { lastFrame, frames, rerender } = render(
      <FractalImage png={png} galleryUrl={URL_} caption="your first fractal" env={env} />,
    );
    await settle();
    rerender(<FractalImage png={png} galleryUrl={URL_} caption="your first fractal" env={env} />);
    await settle();
    const withImage = frames.filter((frame) => frame.includes(`${ESC}_G`));
    expect(withImage).toHaveLength(1);
    // Ink's write puts our bytes first, then redraws its frame under them.
    expect(withImage[0]!.startsWith(`${kittyImage(png, { columns: 32, rows: 16 })}\n`)).toBe(true);
    expect(plain(lastFrame())).toBe(`your first fractal (above) · ${URL_}`);
  });

  it('writes the iTerm2 sequence in iTerm2', async () => {
    const { frames } = render(
      <FractalImage png={png} galleryUrl={URL_} columns={20} rows={10} env={{ TERM_PROGRAM: 'iTerm.app' }} />,
    );
    await settle();
    expect(
      frames.filter((frame) => frame.startsWith(`${iterm2Image(png, { columns: 20, rows: 10 })}\n`)),
    ).toHaveLength(1);
  });

  it('prints one line with the gallery link where there is no image protocol', async () => {
    const { lastFrame, frames } = render(
      <FractalImage
        png={png}
        galleryUrl={URL_}
        env={{ TERM: 'tmux-256color', TMUX: '/tmp/tmux-0/default,1,0' }}
      />,
    );
    await settle();
    expect(frames.some((frame) => frame.includes(`${ESC}_G`) || frame.includes(`${ESC}]1337`))).toBe(false);
    expect(frameLines(lastFrame())).toEqual([`the fractal: ${URL_}`]);
  });
});
