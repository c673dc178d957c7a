// A notebook in a classroom, as a student's first cells do it: openLesson with `join` against a real
// board (createBoard on 127.0.0.1:0) and a fresh local cloud, then a step's cell (step 1, checks only:
// the fresh cloud holds nothing of the lesson). The display says the join sentence before the
// connection; the board shows the student on chapter 5 with step 1's checks passed; a wrong code is
// the cell's one line.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoard } from '../../src/classroom/board/server.ts';
import { classView } from '../../src/classroom/protocol.ts';
import type { Display } from '../../src/notebook/display.ts';
import { CellFailure } from '../../src/notebook/failure.ts';
import { openLesson } from '../../src/notebook/lesson.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

let cloud: TestCloud;
let env: NodeJS.ProcessEnv;
let board: ReturnType<typeof createBoard>;
let url: string;

const recorder = () => {
  const texts: string[] = [];
  const display: Display = { html: () => {}, svg: () => {}, png: () => {}, text: (s) => texts.push(s) };
  return { display, texts };
};

beforeAll(async () => {
  cloud = await startTestCloud('classroom-notebook-');
  env = cleanEnv({ ...cloud.osEnv, HOME: cloud.dir, XDG_DATA_HOME: join(cloud.dir, 'data') });
  board = createBoard({ room: 'Cloud 101' });
  url = await board.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await board?.app.close();
  await cloud?.close();
}, 120_000);

describe('openLesson(display, { join })', () => {
  it('joins, says so before connecting, and reports a step cell’s chapter and checks to the board', {
    timeout: 180_000,
  }, async () => {
    const { display, texts } = recorder();
    const lesson = await openLesson(display, { env, join: { url, code: board.joinCode, name: 'Grace' } });
    expect(texts).toEqual([
      `Joined "Cloud 101" at ${url} as Grace.`,
      'The board sees your chapter, checks and figures only: no code, no credentials.',
      expect.stringMatching(/^Connected to /),
    ]);
    await lesson.run('1');
    await lesson.leave(3000);
    const response = await fetch(`${url}/api/class`, {
      headers: { authorization: `Bearer ${board.teacherToken}` },
    });
    const { students } = classView.parse(await response.json());
    expect(students.map((s) => [s.name, s.chapter])).toEqual([['Grace', 5]]);
    const grace = students[0]!;
    expect(grace.checks.length).toBeGreaterThan(0);
    expect(grace.checks.every((c) => c.state === 'passed' && c.id.startsWith('step-1: '))).toBe(true);
    expect(JSON.stringify(grace)).not.toContain(cloud.osEnv.OS_PASSWORD);
  });

  it('a wrong code fails the cell with one line', { timeout: 60_000 }, async () => {
    const { display } = recorder();
    const wrong = board.joinCode === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ';
    const failed = await openLesson(display, { env, join: { url, code: wrong, name: 'Alan' } }).catch(
      (e) => e,
    );
    expect(failed).toBeInstanceOf(CellFailure);
    expect(failed.message).toBe(
      `The board at ${url} does not know the code ${wrong}; check the code the teacher showed.`,
    );
  });
});
