// A student joining a real board (createBoard on 127.0.0.1:0) with the tutor's own command, against
// a fresh local cloud (its OS_* only, a fresh HOME), in order:
// - a wrong join code: exit ≠ 0 with one line, nothing run;
// - `faafo-tutor --join URL CODE --name Ada --yes --quick --plain` runs the whole lesson: the board then
//   shows Ada with every chapter's checks passed, finished 'completed', her predictions' measurements
//   and the before/after figures — and nothing of her cloud's credentials;
// - the board stopped mid-lesson (chapter 7 run again): the tutor says so once and still ends 0;
// - a room with a shared cloud (a RoomCloud handing out this cloud's credentials): a student with no
//   OS_* of their own gets clouds.yaml and openrc (0600) and the lesson's preflight reaches that cloud.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoard } from '../../src/classroom/board/server.ts';
import { type ClassView, classView } from '../../src/classroom/protocol.ts';
import type { RoomCloud } from '../../src/classroom/room-cloud.ts';
import { CHAPTERS } from '../../steps/chapters.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';
import { type TutorEnded, type TutorRunOptions, tutorToEnd } from '../helpers/tutor-process.ts';

let cloud: TestCloud;
let env: NodeJS.ProcessEnv;
let board: ReturnType<typeof createBoard>;
let url: string;

/** `faafo-tutor ARGS` in this file's env; `whenSeen`: called once when the output first matches its pattern (it may stop the tutor). */
function tutor(
  args: string[],
  whenSeen?: TutorRunOptions['whenSeen'],
  timeoutMs = 1_200_000,
): Promise<TutorEnded> {
  return tutorToEnd(args, { env, timeoutMs, ...(whenSeen ? { whenSeen } : {}) });
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

describe('faafo-tutor --join in a room with a shared cloud', () => {
  it('downloads the student’s clouds.yaml and openrc and runs the lesson on that cloud', {
    timeout: 300_000,
  }, async () => {
    const os = cloud.osEnv;
    const roomCloud: RoomCloud = {
      headroom: async () => 5,
      admit: async () => ({
        cloudName: 'room-lin',
        cloudsYaml: [
          'clouds:',
          '  room-lin:',
          '    auth:',
          `      auth_url: ${os.OS_AUTH_URL}`,
          `      username: ${os.OS_USERNAME}`,
          `      password: ${os.OS_PASSWORD}`,
          `      project_name: ${os.OS_PROJECT_NAME}`,
          '      user_domain_name: Default',
          '      project_domain_name: Default',
          '    region_name: RegionOne',
          '    identity_api_version: 3',
          '',
        ].join('\n'),
        openrc: `export OS_AUTH_URL=${os.OS_AUTH_URL}\nexport OS_USERNAME=${os.OS_USERNAME}\n`,
      }),
      close: async () => {},
    };
    const shared = createBoard({ room: 'Shared 101', roomCloud });
    const sharedUrl = await shared.app.listen({ host: '127.0.0.1', port: 0 });
    // The student's own environment names no cloud: only the room's can work. (The last test: the
    // module's env is this student's from here on.)
    const home = join(cloud.dir, 'lin');
    env = cleanEnv({
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CONFIG_HOME: join(home, 'config'),
      FAAFO_TUTOR_METER_MS: '1000',
    });
    try {
      const run = await tutor(
        ['--join', sharedUrl, shared.joinCode, '--name', 'Lin', '--yes', '--quick', '--plain'],
        {
          // The same project as Ada's here (a real room gives each student one): its key pair is
          // Ada's, so the preflight's cloud check is what this test waits for.
          pattern: /✓ a cloud answers.*\n/,
          act: async (stop) => stop(),
        },
        240_000,
      );
      const dir = join(home, 'data', 'faafo-tutor', 'classroom');
      expect(run.out).toContain(
        `This room gives you a cloud of your own: the lesson runs on 'room-lin'. Its clouds.yaml and openrc are in ${dir}; for the openstack CLI: source ${join(dir, 'openrc')}.`,
      );
      expect(run.out).toContain(
        `✓ a cloud answers and accepts the credentials — using cloud 'room-lin' from ${join(dir, 'clouds.yaml')}`,
      );
      for (const file of ['clouds.yaml', 'openrc'])
        expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    } finally {
      await shared.app.close();
    }
  });
});
