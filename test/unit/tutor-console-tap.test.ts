// The console tap under the Ink app (tutor/app/console-tap.ts): console.log's lines go to the app,
// one by one, without colour codes; lines printed before the app listens are handed over; restore
// gives console.log back.
import { describe, expect, it } from 'vitest';
import { tapConsole } from '../../tutor/app/console-tap.ts';

describe('tapConsole', () => {
  it('hands over lines printed before listening, then each line as printed, and restores console.log', () => {
    const { log } = console;
    const tap = tapConsole();
    try {
      expect(console.log).not.toBe(log);
      console.log('%s is %d', 'app-worker-1', 1);
      console.info('\u001b[1mbold\u001b[22m\n\nsecond   ');
      const seen: string[] = [];
      tap.listen((line) => seen.push(line));
      expect(seen).toEqual(['app-worker-1 is 1', 'bold', 'second']);
      console.log('later');
      expect(seen.at(-1)).toBe('later');
    } finally {
      tap.restore();
    }
    expect(console.log).toBe(log);
  });
});
