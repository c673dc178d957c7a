// The walkthrough in a real terminal: tmux runs `npx faafo-tutor --yes --quick` from a clean state
// (a fresh HOME, no cloud configured, so the tutor starts the local cloud itself) in an 80 × 24 pane,
// the screen is captured every half second, and the captures show each chapter, no failed check,
// the single worker's load chart climbing to 0.9 or more, app-controller's above 1 under the guide's
// create loop, and the before/after table at the end; the run exits 0.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { cleanEnv, runTutor } from '../helpers/localcloud.ts';
import { writeTmuxScript } from '../helpers/tmux-script.ts';

const run = promisify(execFile);
const haveTmux = spawnSync('tmux', ['-V']).status === 0;
if (!haveTmux && process.env.CI)
  throw new Error('tmux is missing; CI must install it for the terminal test.');

const home = mkdtempSync(join(tmpdir(), 'tutor-terminal-'));
const dataDir = join(home, 'cloud');
const socket = `faafo-tutor-test-${process.pid}`;
const env = cleanEnv({
  HOME: home,
  XDG_DATA_HOME: join(home, 'data'),
  XDG_CONFIG_HOME: join(home, 'config'),
  FAAFO_CLOUD_DIR: dataDir,
  FAAFO_TUTOR_METER_MS: '1000',
  // A learner's terminal, not a CI log: with CI=true (as CI sets it for this suite) Ink draws only its
  // last frame at exit and the tutor prints lines instead, so only chapter 8 would ever be on screen.
  CI: 'false',
});
const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args], { env });

afterAll(async () => {
  await tmux('kill-server').catch(() => {});
  // Whatever happened, the cloud the tutor started must not stay up.
  await runTutor(['cloud', 'down', '--data-dir', dataDir], env, 60_000);
  rmSync(home, { recursive: true, force: true });
}, 90_000);

describe('faafo-tutor --yes --quick in an 80 × 24 terminal', () => {
  it.skipIf(!haveTmux)(
    'shows every chapter, the overload and the before/after table, and exits 0',
    {
      timeout: 600_000,
    },
    async () => {
      const exitFile = join(home, 'exit-code');
      const script = join(home, 'run.sh');
      writeTmuxScript(
        script,
        { ...env, TERM: 'xterm-256color' },
        [process.execPath, TUTOR_BIN, '--yes', '--quick'],
        exitFile,
      );
      const started = Date.now();
      await tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', 'tutor', `sh '${script}'`);
      const screens: string[] = [];
      const byChapter = new Map<number, string[]>();
      while (!existsSync(exitFile) && Date.now() - started < 560_000) {
        await new Promise((r) => setTimeout(r, 500));
        const { stdout } = await tmux('capture-pane', '-p', '-t', 'tutor');
        screens.push(stdout);
        const chapter = /Chapter (\d)\/8/.exec(stdout)?.[1];
        if (chapter) byChapter.set(Number(chapter), [...(byChapter.get(Number(chapter)) ?? []), stdout]);
      }
      const seconds = (Date.now() - started) / 1000;
      console.log(`faafo-tutor --yes --quick in tmux, from a stopped local cloud: ${seconds.toFixed(0)} s`);
      const last = screens.at(-1) ?? '';
      expect(readFileSync(exitFile, 'utf8').trim(), last).toBe('0');

      for (const screen of screens) {
        const lines = screen.replace(/\n$/, '').split('\n');
        expect(lines.length, screen).toBeLessThanOrEqual(24);
        expect(Math.max(...lines.map((l) => [...l].length)), screen).toBeLessThanOrEqual(80);
      }
      // When a chapter was never seen, every 20th capture says what the terminal showed instead.
      expect(
        [...byChapter.keys()].sort(),
        screens.filter((_, i) => i % 20 === 0).join('\n----- capture -----\n'),
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(screens.filter((s) => s.includes('✗'))).toEqual([]);
      // The key bar is at the bottom of every screen the app drew (the first captures show node starting).
      const drawn = screens.filter((s) => /Chapter \d\/8|faafo-tutor · getting ready/.test(s));
      expect(drawn.length).toBeGreaterThan(20);
      expect(drawn.filter((s) => !(s.includes('q quit') && s.includes('? help')))).toEqual([]);

      // Chapter 3: the one worker's load, drawn live, climbs to 0.9 or more; the backlog is drawn too.
      const workerLoads = (byChapter.get(3) ?? []).flatMap((s) =>
        [...s.matchAll(/── app-worker-1 ([\d.]+)/g)].map((m) => Number(m[1])),
      );
      expect(Math.max(...workerLoads)).toBeGreaterThanOrEqual(0.9);
      expect((byChapter.get(3) ?? []).some((s) => s.includes('backlog: tasks waiting in'))).toBe(true);
      // Chapter 4: the guide's create loop on app-controller takes its load, drawn live, above 1.
      const apiLoads = (byChapter.get(4) ?? []).flatMap((s) =>
        [...s.matchAll(/── app-controller ([\d.]+)/g)].map((m) => Number(m[1])),
      );
      expect(Math.max(...apiLoads)).toBeGreaterThan(1);
      // The end: the measured table, before and after, with the ratio.
      expect(last).toMatch(/figure\s+before\s+after\s+ratio/);
      expect(last).toMatch(/batch drain ms\s+\d+\s+\d+\s+0\.\d\d×/);
      expect(last).toContain('✓ every load was measured before and after');
    },
  );
});
