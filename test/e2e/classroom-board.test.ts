// The teacher's board on a real port (127.0.0.1:0), spoken to over HTTP as students' tutors and the
// teacher's page would: forty students join and report a whole lesson at once in batches of random
// sizes, and the class view holds each one's state exactly; tokens keep each student to their own
// state and the class view to the teacher; every refusal is a sentence; the stream pushes changes;
// and `faafo-tutor classroom serve` prints what the teacher needs.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savedBoardFile } from '../../src/classroom/board/saved-board.ts';
import { type Board, createBoard } from '../../src/classroom/board/server.ts';
import { applyEvents, type BoardView, newStudent } from '../../src/classroom/board/state.ts';
import { WRONG_CODES_PER_MINUTE } from '../../src/classroom/board/wrong-code-limit.ts';
import { classView, type JoinReply } from '../../src/classroom/protocol.ts';
import { type RoomCloud, RoomFullError, type StudentCloud } from '../../src/classroom/room-cloud.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { CHAPTERS } from '../../steps/chapters.ts';
import {
  FIGURE_NAMES,
  figureValues,
  fullLesson,
  joinBoard,
  postEvents,
  predictionValues,
  randomBatches,
} from '../helpers/classroom-lesson.ts';

const STUDENTS = 40;

async function startBoard(options: Partial<Parameters<typeof createBoard>[0]> = {}) {
  const lines: string[] = [];
  const board = createBoard({ room: 'Room 101', log: (line) => lines.push(line), ...options });
  const base = await board.app.listen({ host: '127.0.0.1', port: 0 });
  return { board, base, lines };
}

async function classOf(base: string, board: Pick<Board, 'teacherToken'>): Promise<BoardView> {
  const response = await fetch(`${base}/api/class`, {
    headers: { authorization: `Bearer ${board.teacherToken}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as BoardView;
}

/** An HTTP request's status and JSON body. */
async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, text, body: text ? (JSON.parse(text) as { error?: string }) : {} };
}

const json = (body: unknown, token?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** A refusal as the protocol says: the status, and one sentence with no stack. */
function expectRefusal(result: { status: number; body: { error?: string }; text: string }, status: number) {
  expect(result.status, result.text).toBe(status);
  expect(Object.keys(result.body)).toEqual(['error']);
  expect(result.body.error).toMatch(/^[A-Z].*[.)]$/);
  expect(result.text).not.toMatch(/\n\s+at /);
}

describe('forty students report a whole lesson at once', () => {
  let started: Awaited<ReturnType<typeof startBoard>>;
  const joined: JoinReply[] = [];

  beforeAll(async () => {
    started = await startBoard();
    const { board, base } = started;
    joined.push(
      ...(await Promise.all(
        Array.from({ length: STUDENTS }, (_, n) => joinBoard(base, board.joinCode, `Student ${n}`)),
      )),
    );
    // Every student posts its own lesson in order, batch after batch; the forty run at once, so the
    // board sees their batches interleaved.
    await Promise.all(
      joined.map(async (student, n) => {
        for (const batch of randomBatches(fullLesson(n), 1000 + n)) {
          expect(await postEvents(base, student.token, batch)).toBe(202);
          if (n % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
  });

  afterAll(async () => {
    await started?.board.app.close();
  });

  it('holds every student, each with exactly the state of their own events', async () => {
    const view = await classOf(started.base, started.board);
    expect(() => classView.parse(view)).not.toThrow();
    expect(view.students).toHaveLength(STUDENTS);
    const totalChecks = CHAPTERS.reduce((sum, c) => sum + c.checks.length, 0);
    for (const [n, student] of joined.entries()) {
      const shown = view.students.find((s) => s.id === student.studentId)!;
      expect(shown.name).toBe(`Student ${n}`);
      // The fold of the student's own events, in order, with the times left out.
      const expected = applyEvents(newStudent(student.studentId, `Student ${n}`, 0), fullLesson(n), 0);
      const { chapterSince: _a, lastSeen: _b, chapterChecks: _c, stuck: _d, ...rest } = shown;
      const { chapterSince: _e, lastSeen: _f, ...want } = expected;
      expect(rest).toEqual(want);
      // And in plain terms: the last chapter, every check passed, nothing stuck, their own figures.
      expect(shown).toMatchObject({
        chapter: CHAPTERS.length,
        finished: 'completed',
        stuckOn: null,
        stuck: null,
      });
      expect(shown.checks).toHaveLength(totalChecks);
      expect(shown.checks.every((c) => c.state === 'passed')).toBe(true);
      const values = figureValues(n);
      expect(shown.figures).toEqual(
        FIGURE_NAMES.map((figure) => ({
          figure,
          before: values[figure][0],
          after: values[figure][1],
          higherIsBetter: figure === 'fractals per second',
        })),
      );
      expect(shown.predictions.map((p) => [p.predicted, p.observed])).toEqual(
        shown.predictions.map((_, i) => {
          const { predicted, observed } = predictionValues(n, i);
          return [predicted, observed];
        }),
      );
      expect(shown.predictions.length).toBe(CHAPTERS.reduce((sum, c) => sum + c.predictions.length, 0));
    }
  });

  it('never wrote a token into a log line', () => {
    expect(started.lines.length).toBeGreaterThanOrEqual(STUDENTS);
    const secrets = [
      started.board.teacherToken,
      ...joined.map((s) => s.token),
      ...joined.map((s) => s.token.split('.')[1]!),
    ];
    for (const line of started.lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});

describe('who may do what', () => {
  let started: Awaited<ReturnType<typeof startBoard>>;
  let ada: JoinReply;
  let bo: JoinReply;

  beforeAll(async () => {
    started = await startBoard();
    ada = await joinBoard(started.base, started.board.joinCode, 'Ada');
    bo = await joinBoard(started.base, started.board.joinCode, 'Bo');
  });
  afterAll(async () => {
    await started?.board.app.close();
  });

  const student = async (id: string) =>
    (await classOf(started.base, started.board)).students.find((s) => s.id === id)!;

  it("applies a student's events to that student only", async () => {
    const before = await student(bo.studentId);
    expect(
      await postEvents(started.base, ada.token, [
        { type: 'chapter', chapter: 3, title: 'Overload the worker' },
      ]),
    ).toBe(202);
    expect((await student(ada.studentId)).chapter).toBe(3);
    expect(await student(bo.studentId)).toEqual(before);
  });

  it("refuses a token made of one student's id and another's secret", async () => {
    const forged = `${bo.studentId}.${ada.token.split('.')[1]}`;
    const result = await call(
      `${started.base}/api/events`,
      json({ events: [{ type: 'finished', outcome: 'quit' }] }, forged),
    );
    expectRefusal(result, 401);
    expect((await student(bo.studentId)).finished).toBeNull();
  });

  it('refuses events without a token or with an unknown one (401)', async () => {
    const events = { events: [{ type: 'finished', outcome: 'quit' }] };
    expectRefusal(await call(`${started.base}/api/events`, json(events)), 401);
    expectRefusal(await call(`${started.base}/api/events`, json(events, 'st-00000000.nope')), 401);
    expectRefusal(await call(`${started.base}/api/events`, json(events, 'garbage')), 401);
    // Even a malformed body: the token is looked at first.
    expectRefusal(await call(`${started.base}/api/events`, json('{not json')), 401);
  });

  it("refuses the class view and its stream without the teacher's token, or with a student's", async () => {
    const url = `${started.base}/api/class`;
    expectRefusal(await call(url), 401);
    expectRefusal(await call(url, { headers: { authorization: `Bearer ${ada.token}` } }), 401);
    expectRefusal(await call(`${url}/stream`), 401);
    expectRefusal(await call(`${url}/stream?token=${encodeURIComponent(ada.token)}`), 401);
    expectRefusal(await call(`${url}?token=${started.board.teacherToken}`), 401);
  });

  it('refuses a wrong code (403), a name taken whatever its case (409) and a malformed join (400)', async () => {
    const { base, board } = started;
    const wrong = board.joinCode === 'ABCDEF' ? 'ABCDEG' : 'ABCDEF';
    expectRefusal(await call(`${base}/api/join`, json({ code: wrong, name: 'Cy' })), 403);
    expectRefusal(await call(`${base}/api/join`, json({ code: board.joinCode, name: ' ADA ' })), 409);
    expectRefusal(await call(`${base}/api/join`, json({ code: board.joinCode })), 400);
    expectRefusal(await call(`${base}/api/join`, json({ code: board.joinCode, name: 'x'.repeat(41) })), 400);
    expectRefusal(await call(`${base}/api/join`, json({ code: board.joinCode, name: '<b>' })), 400);
    expectRefusal(await call(`${base}/api/join`, json('{')), 400);
    expectRefusal(
      await call(`${base}/api/join`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      }),
      415,
    );
    // A join code is read the way people type it: lower case and spaces are fine.
    const cy = await call(
      `${base}/api/join`,
      json({ code: ` ${board.joinCode.toLowerCase()} `, name: 'Cy' }),
    );
    expect(cy.status).toBe(201);
  });

  it('refuses a batch with one malformed event whole (400): none of it is kept', async () => {
    const before = await student(ada.studentId);
    const batch = {
      events: [
        { type: 'chapter', chapter: 5, title: 'Scale out' },
        { type: 'check', chapter: 5, id: 'groups', label: 'groups', ok: 'yes', saw: '', hint: '' },
      ],
    };
    const result = await call(`${started.base}/api/events`, json(batch, ada.token));
    expectRefusal(result, 400);
    expect(result.body.error).toContain('events.1.ok');
    expectRefusal(await call(`${started.base}/api/events`, json({ events: [] }, ada.token)), 400);
    expectRefusal(
      await call(`${started.base}/api/events`, json({ events: [{ type: 'secret', code: 'x' }] }, ada.token)),
      400,
    );
    const tooMany = { events: Array.from({ length: 201 }, () => ({ type: 'finished', outcome: 'quit' })) };
    expectRefusal(await call(`${started.base}/api/events`, json(tooMany, ada.token)), 400);
    const huge = { events: [{ type: 'chapter', chapter: 1, title: 'x'.repeat(70_000) }] };
    expectRefusal(await call(`${started.base}/api/events`, json(huge, ada.token)), 413);
    expect(await student(ada.studentId)).toEqual(before);
  });

  it('answers 404 JSON for the cloud files when the room has no shared cloud, 401 without a token', async () => {
    for (const file of ['clouds.yaml', 'openrc']) {
      const url = `${started.base}/api/cloud/${file}`;
      expectRefusal(await call(url, { headers: { authorization: `Bearer ${ada.token}` } }), 404);
      expectRefusal(await call(url), 401);
    }
  });

  it('answers an unknown route with a 404 sentence, and serves the page with a strict policy', async () => {
    expectRefusal(await call(`${started.base}/api/nothing`), 404);
    const page = await fetch(`${started.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/board.js');
  });

  it('pushes the class view on connect and again after a change (server-sent events)', async () => {
    const { base, board } = started;
    const controller = new AbortController();
    const response = await fetch(`${base}/api/class/stream?token=${encodeURIComponent(board.teacherToken)}`, {
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextView = async (): Promise<BoardView> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((l) => l.startsWith('data: '));
          if (data) return JSON.parse(data.slice(6)) as BoardView;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += value;
      }
    };
    const first = await nextView();
    expect(first.students.map((s) => s.name)).toContain('Ada');
    expect(await postEvents(base, bo.token, [{ type: 'chapter', chapter: 7, title: 'Hands-on' }])).toBe(202);
    let view = await nextView();
    while (view.students.find((s) => s.id === bo.studentId)?.chapter !== 7) view = await nextView();
    expect(view.students.find((s) => s.id === bo.studentId)?.chapterTitle).toBe('Hands-on');
    controller.abort();
  });
});

describe('a room with its own cloud', () => {
  /** A RoomCloud with room for `capacity` students, handing out files that name the student. */
  function roomCloud(capacity: number): RoomCloud & { admitted: string[] } {
    const admitted: string[] = [];
    return {
      admitted,
      headroom: async () => capacity - admitted.length,
      admit: async ({ id, name }): Promise<StudentCloud> => {
        if (admitted.length >= capacity)
          throw new RoomFullError(
            `The host has room for ${capacity} students and all are taken; ask the teacher.`,
          );
        admitted.push(id);
        return {
          cloudName: `room-${id}`,
          cloudsYaml: `clouds:\n  room-${id}: {}\n# ${name}\n`,
          openrc: `export OS_PROJECT_NAME=${id}\n`,
        };
      },
      close: async () => {},
    };
  }

  it('gives each student their own cloud files, shows the headroom, and refuses one the host cannot fit (503)', async () => {
    const cloud = roomCloud(2);
    const { board, base } = await startBoard({ roomCloud: cloud });
    try {
      expect((await classOf(base, board)).headroom).toBe(2);
      const ada = await joinBoard(base, board.joinCode, 'Ada');
      const bo = await joinBoard(base, board.joinCode, 'Bo');
      expect(ada.sharedCloud).toBe(true);
      const yaml = await fetch(`${base}/api/cloud/clouds.yaml`, {
        headers: { authorization: `Bearer ${ada.token}` },
      });
      expect(yaml.status).toBe(200);
      expect(await yaml.text()).toContain(`room-${ada.studentId}`);
      const openrc = await fetch(`${base}/api/cloud/openrc`, {
        headers: { authorization: `Bearer ${bo.token}` },
      });
      expect(await openrc.text()).toBe(`export OS_PROJECT_NAME=${bo.studentId}\n`);
      const full = await call(`${base}/api/join`, json({ code: board.joinCode, name: 'Cy' }));
      expectRefusal(full, 503);
      expect(full.body.error).toBe('The host has room for 2 students and all are taken; ask the teacher.');
      // The refused name is free again for when there is room.
      cloud.admitted.pop();
      expect((await call(`${base}/api/join`, json({ code: board.joinCode, name: 'Cy' }))).status).toBe(201);
      await expect.poll(async () => (await classOf(base, board)).headroom).toBe(0);
    } finally {
      await board.app.close();
    }
  });
});

describe('stopping the board', () => {
  it('ends the open streams, so closing does not wait on a page that is still following', async () => {
    const { board, base } = await startBoard();
    const stream = await fetch(`${base}/api/class/stream?token=${board.teacherToken}`);
    const reader = stream.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const started = performance.now();
    await board.app.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    for (;;) if ((await reader.read()).done) break;
  });
});

describe('guessing the join code', () => {
  it('gets a few wrong codes a minute per address, then 429 for any code until the minute is over', async () => {
    let clock = Date.now();
    const { board, base } = await startBoard({ now: () => clock });
    try {
      const wrong = board.joinCode === 'ABCDEF' ? 'ABCDEG' : 'ABCDEF';
      for (let i = 0; i < WRONG_CODES_PER_MINUTE; i++)
        expect((await call(`${base}/api/join`, json({ code: wrong, name: 'Mallory' }))).status).toBe(403);
      // Now even the right code is refused: a guesser cannot tell a right guess from a wrong one.
      expectRefusal(await call(`${base}/api/join`, json({ code: board.joinCode, name: 'Ada' })), 429);
      clock += 60_000;
      expect((await call(`${base}/api/join`, json({ code: board.joinCode, name: 'Ada' }))).status).toBe(201);
    } finally {
      await board.app.close();
    }
  });
});

describe('a student too long on one chapter', () => {
  it('is shown stuck once the clock passes the limit, without a new event', async () => {
    let clock = Date.now();
    const { board, base } = await startBoard({ stuckAfterMs: 60_000, now: () => clock });
    try {
      const ada = await joinBoard(base, board.joinCode, 'Ada');
      await postEvents(base, ada.token, [{ type: 'chapter', chapter: 4, title: 'Overload the API' }]);
      expect((await classOf(base, board)).students[0]!.stuck).toBeNull();
      clock += 61_000;
      expect((await classOf(base, board)).students[0]!.stuck).toBe('slow');
    } finally {
      await board.app.close();
    }
  });
});

describe('faafo-tutor classroom serve', () => {
  // The boards keep their rosters in the data directory: a temporary one, not this machine's.
  const dataHome = mkdtempSync(join(tmpdir(), 'classroom-serve-'));
  afterAll(() => rmSync(dataHome, { recursive: true, force: true }));

  function serve(args: string[]) {
    const child: ChildProcess = spawn(process.execPath, [TUTOR_BIN, 'classroom', 'serve', ...args], {
      env: { ...process.env, CI: 'true', XDG_DATA_HOME: dataHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (pattern: RegExp) => {
      await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toMatch(pattern);
      return out;
    };
    return { child, exited, until, output: () => out };
  }

  it('prints the room, the code, the teacher link and the students command; the link opens the class; SIGTERM stops it', async () => {
    const p = serve(['--listen', '127.0.0.1:0', '--room', 'Room 7']);
    try {
      const out = await p.until(/Ctrl-C stops the board/);
      expect(out).toContain('room "Room 7"');
      const code = /Join code:\s+([2-9A-HJKMNP-Z]{6})/.exec(out)?.[1];
      expect(code).toBeDefined();
      const link = /Teacher's board:\s+(http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(out);
      expect(link).not.toBeNull();
      const [, base, token] = link!;
      expect(out).toContain(`npx faafo-tutor --join ${base} ${code} --name "Your Name"`);
      expect(out).toMatch(/listens on 127\.0\.0\.1 only/);
      const view = await fetch(`${base}/api/class`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await view.json()) as BoardView).joinCode).toBe(code);
      await joinBoard(base!, code!, 'Ada');
      await p.until(/Ada joined/);
      expect(p.output().split('Ctrl-C stops the board.')[1]).not.toContain(token!);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('says so when --listen puts the board beyond this machine', async () => {
    const p = serve(['--listen', '0.0.0.0:0']);
    try {
      const out = await p.until(/Ctrl-C stops the board/);
      expect(out).toMatch(/listens on 0\.0\.0\.0:\d+, beyond this machine \(--listen\)/);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('a board killed mid-workshop is taken up with --resume (same code, link, students); without it a new room', async () => {
    const room = 'Room 12';
    const file = savedBoardFile(join(dataHome, 'faafo-tutor'), room);
    const linkOf = (out: string) => /Teacher's board:\s+(http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(out)!;
    const codeOf = (out: string) => /Join code:\s+([2-9A-HJKMNP-Z]{6})/.exec(out)![1]!;
    const lesson = fullLesson(3);
    const first = serve(['--listen', '127.0.0.1:0', '--room', room]);
    let ada: JoinReply;
    let code: string;
    let teacher: string;
    try {
      const out = await first.until(/Ctrl-C stops the board/);
      expect(out).not.toMatch(/Saved earlier|Resumed/);
      code = codeOf(out);
      const [, base, token] = linkOf(out);
      teacher = token!;
      ada = await joinBoard(base!, code, 'Ada');
      expect(await postEvents(base!, ada.token, lesson.slice(0, 6))).toBe(202);
      await expect
        .poll(() => (existsSync(file) ? readFileSync(file, 'utf8') : ''), { timeout: 5_000 })
        .toContain('"checks":[{');
    } finally {
      // A crash, not a stop: nothing is written on the way out.
      first.child.kill('SIGKILL');
      await first.exited;
    }

    const resumed = serve(['--listen', '127.0.0.1:0', '--room', room, '--resume']);
    try {
      const out = await resumed.until(/Ctrl-C stops the board/);
      expect(codeOf(out)).toBe(code);
      const [, base, token] = linkOf(out);
      expect(token).toBe(teacher);
      expect(out).toMatch(
        /Resumed: +the board saved at \S+Z with 1 student: the same code, link and tokens\./,
      );
      const before = await classOf(base!, { teacherToken: teacher });
      expect(before.students.map((s) => s.name)).toEqual(['Ada']);
      const checksBefore = before.students[0]!.checks.length;
      expect(checksBefore).toBeGreaterThan(0);
      // Ada's tutor goes on with the token it holds.
      expect(await postEvents(base!, ada.token, lesson.slice(6, 12))).toBe(202);
      const after = await classOf(base!, { teacherToken: teacher });
      expect(after.students[0]!.checks.length).toBeGreaterThan(checksBefore);
      resumed.child.kill('SIGTERM');
      expect(await resumed.exited).toBe(0);
    } finally {
      resumed.child.kill('SIGKILL');
    }

    const fresh = serve(['--listen', '127.0.0.1:0', '--room', room]);
    try {
      const out = await fresh.until(/Ctrl-C stops the board/);
      expect(codeOf(out)).not.toBe(code);
      expect(out).toContain(`Saved earlier:    a board of room "${room}" (1 student,`);
      expect(out).toContain(`start with --resume (it is in ${file})`);
      const [, base] = linkOf(out);
      expect(await postEvents(base!, ada.token, lesson.slice(0, 1))).toBe(401);
      fresh.child.kill('SIGTERM');
      expect(await fresh.exited).toBe(0);
    } finally {
      fresh.child.kill('SIGKILL');
    }

    writeFileSync(file, '{"version": 1, "room"');
    const damaged = serve(['--listen', '127.0.0.1:0', '--room', room, '--resume']);
    expect(await damaged.exited).toBe(1);
    expect(damaged.output()).toBe(
      `faafo-tutor classroom: The saved board ${file} is not one this version wrote (damaged or from another version): start a new room without --resume.\n`,
    );
  });

  it('refuses a taken port with one line saying what to do', async () => {
    const first = serve(['--listen', '127.0.0.1:0']);
    try {
      const port = /127\.0\.0\.1:(\d+)\//.exec(await first.until(/Ctrl-C stops the board/))![1];
      const second = serve(['--listen', `127.0.0.1:${port}`]);
      expect(await second.exited).toBe(1);
      expect(second.output().trim()).toBe(
        `faafo-tutor classroom: Port ${port} on 127.0.0.1 is taken: choose another with --listen 127.0.0.1:PORT.`,
      );
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
  });
});
