// Word wrapping for the chapter text (tutor/components/wrap-words.ts): lines within the width,
// broken between words with the spaces dropped, a word longer than a line cut.
import { describe, expect, it } from 'vitest';
import { wrapWords } from '../../tutor/components/wrap-words.ts';

describe('wrapWords', () => {
  it('fills each line up to the width and starts the next one with a word', () => {
    expect(wrapWords('one two three four five', 9)).toEqual(['one two', 'three', 'four five']);
  });

  it('treats runs of spaces and newlines as one break', () => {
    expect(wrapWords('  a\n  b   c  ', 80)).toEqual(['a b c']);
  });

  it('cuts a word longer than a line', () => {
    expect(wrapWords('see http://127.0.2.3:8080/v1/fractal now', 10)).toEqual([
      'see',
      'http://127',
      '.0.2.3:808',
      '0/v1/fract',
      'al now',
    ]);
  });
});
