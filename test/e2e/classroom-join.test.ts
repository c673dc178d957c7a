// A student joining a real board (createBoard on 127.0.0.1:0) with the tutor's own command, against
// a fresh local cloud (its OS_* only, a fresh HOME), in order:
// - a wrong join code: exit ≠ 0 with one line, nothing run;
// - `faafo-tutor --join URL CODE --name Ada --yes --quick --plain` runs the whole lesson: the board then
//   shows Ada with every chapter's checks passed, finished 'completed', her predictions' measurements
//   and the before/after figures — and nothing of her cloud's credentials;
// - the board stopped mid-lesson (chapter 7 run again): the tutor says so once and still ends 0.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoard } from '../../src/classroom/board/server.ts';
import { type ClassView, classView } from '../../src/classroom/protocol.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { CHAPTERS } from '../../steps/chapters.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

let cloud: TestCloud;
let env: NodeJS.ProcessEnv;
let board: ReturnType<typeof createBoard>;
let url: string;

/** `faafo-tutor ARGS`; `whenSeen`: called once when the output first matches its pattern. */
function tutor(
  args: string[],
  whenSeen?: { pattern: RegExp; act: () => Promise<void> },
  timeoutMs = 1_200_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TUTOR_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`faafo-tutor ${args.join(' ')} did not end in ${timeoutMs} ms:\n${out}${err}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (whenSeen && !seen && whenSeen.pattern.test(out)) {
        seen = true;
        void whenSeen.act();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function classNow(): Promise<ClassView> {
  const response = await fetch(`${url}/api/class`, {
    headers: { authorization: `Bearer ${board.teacherToken}` },
  });
  expect(response.status).toBe(200);
  return classView.parse(await response.json());
}

beforeAll(async () => {
  cloud = await startTestCloud('classroom-join-');
  env = cleanEnv({
    ...cloud.osEnv,
    HOME: cloud.dir,
    XDG_DATA_HOME: join(cloud.dir, 'data'),
    XDG_CONFIG_HOME: join(cloud.dir, 'config'),
    FAAFO_TUTOR_METER_MS: '1000',
  });
  board = createBoard({ room: 'Cloud 101' });
  url = await board.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await board?.app.close();
  await cloud?.close();
}, 120_000);

describe('faafo-tutor --join URL CODE --name NAME', () => {
  it('says a wrong join code as one line and exits ≠ 0 without running anything', {
    timeout: 60_000,
  }, async () => {
    const wrong = board.joinCode === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ';
    const run = await tutor(['--join', url, wrong, '--name', 'Ada', '--yes', '--quick', '--plain']);
    expect(run.code).not.toBe(0);
    expect(run.err).toBe(
      `faafo-tutor: The board at ${url} does not know the code ${wrong}; check the code the teacher showed.\n`,
    );
    expect(run.out).toBe('');
    expect((await classNow()).students).toEqual([]);
  });

  it('runs the whole lesson and the board shows every chapter’s checks passed, the figures and the end', {
    timeout: 1_800_000,
  }, async () => {
    const started = Date.now();
    const run = await tutor([
      '--join',
      url,
      board.joinCode.toLowerCase(),
      '--name',
      'Ada',
      '--yes',
      '--quick',
      '--plain',
    ]);
    console.log(`faafo-tutor --join … --yes --quick: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out.split('\n').slice(0, 2)).toEqual([
      `Joined "Cloud 101" at ${url} as Ada.`,
      'The board sees your chapter, checks and figures only: no code, no credentials.',
    ]);
    expect(run.out).toContain('The lesson is complete.');
    expect(run.out).not.toContain('stopped answering');

    const { students } = await classNow();
    expect(students.map((s) => s.name)).toEqual(['Ada']);
    const ada = students[0]!;
    expect(ada.finished).toBe('completed');
    expect(ada.stuckOn).toBeNull();
    expect(ada.checks.length).toBeGreaterThan(0);
    expect(ada.checks.filter((c) => c.state !== 'passed')).toEqual([]);
    // Every chapter that has checks reported them.
    const withChecks = new Set(ada.checks.map((c) => c.chapter));
    for (const chapter of CHAPTERS)
      if (chapter.checks.length > 0)
        expect(withChecks, `chapter ${chapter.number}`).toContain(chapter.number);
    expect(ada.figures.length).toBeGreaterThan(0);
    expect(ada.figures.some((f) => f.before !== null && f.after !== null)).toBe(true);
    // --yes skips the questions: each prediction's measurement arrives with no answer.
    expect(ada.predictions.length).toBeGreaterThan(0);
    expect(ada.predictions.every((p) => p.predicted === null)).toBe(true);
    const shown = JSON.stringify(ada);
    expect(shown).not.toContain(cloud.osEnv.OS_PASSWORD);
  });

  it('says once that the board stopped mid-lesson, and the lesson still ends 0', {
    timeout: 900_000,
  }, async () => {
    const run = await tutor(
      ['--join', url, board.joinCode, '--name', 'Bob', '--yes', '--quick', '--plain', '--chapter', '7'],
      {
        pattern: /== Chapter 7/,
        act: async () => {
          await board.app.close();
        },
      },
    );
    expect(run.code, run.out + run.err).toBe(0);
    expect(run.out).toContain('The lesson is complete.');
    const troubles = run.out.split('\n').filter((l) => l.includes('stopped answering'));
    // Refused, or reset when the board closed a kept-alive connection under a request.
    expect(troubles).toHaveLength(1);
    expect(troubles[0]).toMatch(
      new RegExp(
        `^The board at ${url.replace(/[.]/g, '\\.')} stopped answering \\((ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)\\); the lesson goes on and reports again when it is back\\.$`,
      ),
    );
  });
});
