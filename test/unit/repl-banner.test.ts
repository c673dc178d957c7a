// What the prompt says first and what `.help` lists (src/repl/banner.ts): the cloud it is connected
// to and three lines to try; every preloaded name with a line on it, Node's own commands after them,
// and whether types are checked — each line within an 80-column terminal.
import { start } from 'node:repl';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bannerLines, helpLines } from '../../src/repl/banner.ts';

const COMMANDS = [
  { name: 'exit', help: 'Exit the REPL' },
  { name: 'help', help: 'List what the prompt holds and its commands' },
];

describe('the banner and .help', () => {
  it('names the cloud and gives three lines to try', () => {
    const lines = bannerLines('1.2.3', 'the local cloud');
    expect(lines.slice(0, 2)).toEqual([
      'faafo-tutor 1.2.3: the lesson at a TypeScript prompt.',
      'Connected to the local cloud.',
    ]);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(lines.filter((l) => l.startsWith('  await '))).toHaveLength(3);
    expect(lines.at(-1)).toContain('.help');
  });

  it('lists every preloaded name, then the commands, in 80 columns', () => {
    const lines = helpLines(COMMANDS, true);
    for (const name of ['conn', 'steps', 'check', 'lab', 'faafo'])
      expect(lines.some((l) => l.startsWith(`  ${name} `))).toBe(true);
    expect(lines.slice(lines.indexOf('Commands:') + 1)).toEqual([
      '  .exit  Exit the REPL',
      '  .help  List what the prompt holds and its commands',
    ]);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
  });

  it("stays in 80 columns with Node's own commands (.editor is the longest)", () => {
    const server = start({ input: new PassThrough(), output: new PassThrough(), terminal: true });
    try {
      const commands = Object.entries(server.commands).map(([name, c]) => ({ name, help: c?.help ?? '' }));
      expect(commands.map((c) => c.name)).toContain('editor');
      for (const line of helpLines(commands, true)) expect([...line].length, line).toBeLessThanOrEqual(80);
    } finally {
      server.close();
    }
  });

  it('says whether types are checked', () => {
    expect(helpLines(COMMANDS, true).join('\n')).toContain('its types are checked before it runs');
    expect(helpLines(COMMANDS, false).join('\n')).toContain(
      'its types are not checked (@types/node is not installed)',
    );
  });
});
