// `faafo-tutor repl` in a real terminal: tmux runs it in an 80 × 24 pane against a fresh local cloud
// and types into it as a learner would — the prelude, `conn.listN` completed with Tab and run (the
// servers as a table), a function typed over three lines then called, a mistake (one line, and the
// prompt goes on), Ctrl-C on an empty line (a hint, not the end) and on an input that waits (the
// prompt stops waiting), and `.exit` (exit code 0). The captured screens show each result; the lines
// typed are in the history file in the data directory.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';
import { writeTmuxScript } from '../helpers/tmux-script.ts';

const run = promisify(execFile);
const haveTmux = spawnSync('tmux', ['-V']).status === 0;
if (!haveTmux && process.env.CI)
  throw new Error('tmux is missing; CI must install it for the terminal test.');

const socket = `faafo-tutor-repl-test-${process.pid}`;
let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud('repl-terminal-');
}, 60_000);

afterAll(async () => {
  await run('tmux', ['-L', socket, 'kill-server']).catch(() => {});
  await cloud?.close();
}, 60_000);

const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
const screen = async () => (await tmux('capture-pane', '-p', '-t', 'repl')).stdout;

/** Polls the screen until it matches; the screen then, or a failure showing the last one. */
async function until(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await screen();
    if (pattern.test(shown)) return shown;
    if (Date.now() > deadline) throw new Error(`The screen never showed ${pattern}; it shows:\n${shown}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Types text as it is (no key names), then the keys named (Enter, Tab, C-c). */
async function type(text: string, ...keys: string[]): Promise<void> {
  if (text) await tmux('send-keys', '-t', 'repl', '-l', text);
  for (const key of keys) {
    // A key at a time, as a hand presses them: readline tells a second Tab by the key before it.
    await tmux('send-keys', '-t', 'repl', key);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('faafo-tutor repl in an 80 × 24 terminal', () => {
  it.skipIf(!haveTmux)(
    'completes, reads multi-line input, shows tables, carries on after a mistake and Ctrl-C, and exits 0 on .exit',
    { timeout: 240_000 },
    async () => {
      const dataHome = join(cloud.dir, 'data');
      const env = cleanEnv({
        ...cloud.osEnv,
        HOME: cloud.dir,
        XDG_DATA_HOME: dataHome,
        XDG_CONFIG_HOME: join(cloud.dir, 'config'),
        TERM: 'xterm-256color',
        // A learner's terminal, not a CI log.
        CI: 'false',
      });
      const exitFile = join(cloud.dir, 'exit-code');
      const script = join(cloud.dir, 'run.sh');
      writeTmuxScript(script, env, [process.execPath, TUTOR_BIN, 'repl'], exitFile);
      await tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', 'repl', `sh '${script}'`);

      const banner = await until(/Type \.help/);
      expect(banner).toMatch(/the lesson at a TypeScript prompt\.\nConnected to the OS_\* variables/);
      expect(banner).toContain("  await lab.load('app-worker-1')");

      await type('await steps.prelude()', 'Enter');
      await until(/prelude done\.\n>/, 120_000);
      // Ctrl-L: a clear screen for what follows.
      await type('', 'C-l');

      // Tab completes `conn.listN` to the one method it can be; Enter runs it: the servers as a table.
      await type('await conn.listN', 'Tab');
      await until(/> await conn\.listNodes\s*$/m);
      await type('()', 'Enter');
      const table = await until(/\(2 rows\)\n>/);
      expect(table).toMatch(/name\s+status\s+security groups\s+fixed IP\s+floating IP/);
      expect(table).toMatch(/app-controller\s+ACTIVE\s+control\s+10\.\d+\.\d+\.\d+\s+\d+\.\d+\.\d+\.\d+/);
      expect(table).toMatch(/app-worker-1\s+ACTIVE\s+worker\s+10\.\d+\.\d+\.\d+/);

      // Two Tabs on `conn.exList` list the methods it can be.
      await type('conn.exList', 'Tab', 'Tab');
      const listed = await until(/conn\.exListSecurityGroups/);
      expect(listed).toContain('conn.exListFloatingIps');
      await type('', 'C-u');

      // A function typed over three lines: the prompt asks for more (`...`) until it is complete.
      await type('function names(xs: { name: string }[]): string {', 'Enter');
      await until(/^\.\.\.$/m); // (tmux drops the trailing space of `... `)
      await type("  return xs.map((x) => x.name).sort().join(' + ')", 'Enter');
      await type('}', 'Enter');
      await type('names(await conn.listNodes())', 'Enter');
      const called = await until(/'app-controller \+ app-worker-1'\n>/);
      expect(called).toMatch(/\.\.\. {3}return xs\.map/);

      // A mistake: one line, then the prompt; the next line runs.
      await type("await faafo.list('app-nope')", 'Enter');
      await until(/error: There is no server 'app-nope'/);
      await type('6 * 7', 'Enter');
      const after = await until(/^42\n>/m);
      expect(after.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);

      // Ctrl-C on an empty line: a hint, not the end.
      await type('', 'C-c');
      await until(/\(To leave, type \.exit or press Ctrl-D\.\)/);
      await type('1 + 1', 'Enter');
      await until(/^2\n>/m);

      // Ctrl-C while an input waits: the prompt stops waiting for it and comes back.
      await type('await new Promise(() => {})', 'Enter');
      await new Promise((r) => setTimeout(r, 300));
      await type('', 'C-c');
      await until(/^Interrupted: the prompt stopped waiting/m);
      await type('3 + 4', 'Enter');
      await until(/^7\n>/m);

      await type('.exit', 'Enter');
      const deadline = Date.now() + 15_000;
      while (!existsSync(exitFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(readFileSync(exitFile, 'utf8').trim(), await screen()).toBe('0');

      const history = readFileSync(join(dataHome, 'faafo-tutor', 'repl_history'), 'utf8');
      // Newest first, as Node keeps it; `.exit` is not kept.
      expect(history.split('\n')).toEqual([
        '3 + 4',
        'await new Promise(() => {})',
        '1 + 1',
        '6 * 7',
        "await faafo.list('app-nope')",
        'names(await conn.listNodes())',
        '}',
        "  return xs.map((x) => x.name).sort().join(' + ')",
        'function names(xs: { name: string }[]): string {',
        'await conn.listNodes()',
        'await steps.prelude()',
      ]);
    },
  );
});
