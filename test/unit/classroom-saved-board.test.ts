// A board's roster kept on disk for `classroom serve --resume`: the file round-trips, is its owner's
// only, and a damaged one is one line; a board saves a moment after its students change (and on
// close), and a board made from a saved one accepts the same code, teacher token and student tokens.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readSavedBoard,
  removeSavedBoard,
  type SavedBoard,
  savedBoardFile,
  writeSavedBoard,
} from '../../src/classroom/board/saved-board.ts';
import { createBoard } from '../../src/classroom/board/server.ts';
import type { BoardView } from '../../src/classroom/board/state.ts';
import type { JoinReply } from '../../src/classroom/protocol.ts';
import type { RoomCloud } from '../../src/classroom/room-cloud.ts';
import { UserError } from '../../src/shared/user-error.ts';
import { fullLesson } from '../helpers/classroom-lesson.ts';

const dir = mkdtempSync(join(tmpdir(), 'saved-board-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type App = ReturnType<typeof createBoard>['app'];
async function joinAs(app: App, code: string, name: string) {
  const reply = await app.inject({ method: 'POST', url: '/api/join', payload: { code, name } });
  return { status: reply.statusCode, body: reply.json() as JoinReply & { error?: string } };
}
async function post(app: App, token: string, events: unknown[]) {
  const reply = await app.inject({
    method: 'POST',
    url: '/api/events',
    headers: { authorization: `Bearer ${token}` },
    payload: { events },
  });
  return reply.statusCode;
}
async function classOf(app: App, token: string) {
  const reply = await app.inject({ url: '/api/class', headers: { authorization: `Bearer ${token}` } });
  expect(reply.statusCode).toBe(200);
  return reply.json() as BoardView;
}

describe('the saved board file', () => {
  it('is one per room name, readable and unique', () => {
    const a = savedBoardFile('/d', 'Room 7');
    expect(a).toMatch(/^\/d\/classroom\/boards\/Room_7-[0-9a-f]{8}\.json$/);
    expect(savedBoardFile('/d', 'Room_7')).not.toBe(a);
    expect(savedBoardFile('/d', 'Room 7')).toBe(a);
    expect(savedBoardFile('/d', '../../etc/x')).toMatch(/^\/d\/classroom\/boards\/\.\._\.\._etc_x-/);
  });

  it('round-trips, readable by its owner only; none there is undefined', () => {
    const file = savedBoardFile(dir, 'round trip');
    expect(readSavedBoard(file)).toBeUndefined();
    const board: SavedBoard = {
      version: 1,
      room: 'round trip',
      joinCode: 'K7M2QX',
      teacherToken: 't'.repeat(20),
      savedAt: 1_700_000_000_000,
      students: [],
    };
    writeSavedBoard(file, board);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSavedBoard(file)).toEqual(board);
    expect(removeSavedBoard(file)).toBe(true);
    expect(removeSavedBoard(file)).toBe(false);
  });

  it('says in one line when the file is damaged or not this version’s', () => {
    const file = savedBoardFile(dir, 'damaged');
    writeSavedBoard(file, {
      version: 1,
      room: 'x',
      joinCode: 'x',
      teacherToken: 'x',
      savedAt: 0,
      students: [],
    });
    writeFileSync(file, '{"version": 1, "room": ');
    expect(() => readSavedBoard(file)).toThrow(UserError);
    expect(() => readSavedBoard(file)).toThrow(`The saved board ${file} is not one this version wrote`);
    writeFileSync(file, JSON.stringify({ version: 2 }));
    expect(() => readSavedBoard(file)).toThrow(/start a new room without --resume\.$/);
  });
});

describe('a board that saves, and one taken up again', () => {
  it('saves its students a moment after they change and on close; the next board takes them up', async () => {
    const saves: SavedBoard[] = [];
    const first = createBoard({ room: 'Room 9', save: (b) => saves.push(structuredClone(b)) });
    const ada = await joinAs(first.app, first.joinCode, 'Ada');
    expect(ada.status).toBe(201);
    const lesson = fullLesson(0);
    expect(await post(first.app, ada.body.token, lesson.slice(0, 6))).toBe(202);
    // A burst is saved once, after it.
    await expect.poll(() => saves.length, { timeout: 2_000 }).toBe(1);
    expect(saves[0]!.students.map((s) => s.view.name)).toEqual(['Ada']);
    // A change just before close is not lost.
    const lin = await joinAs(first.app, first.joinCode, 'Lin');
    await first.app.close();
    expect(saves.length).toBe(2);
    const saved = saves.at(-1)!;
    expect(saved).toMatchObject({
      version: 1,
      room: 'Room 9',
      joinCode: first.joinCode,
      teacherToken: first.teacherToken,
    });
    expect(saved.students.map((s) => s.view.name)).toEqual(['Ada', 'Lin']);
    const peek = createBoard({ room: 'Room 9', saved });
    const before = await classOf(peek.app, first.teacherToken);
    await peek.app.close();

    const again = createBoard({ room: 'Room 9', saved });
    try {
      expect(again.joinCode).toBe(first.joinCode);
      expect(again.teacherToken).toBe(first.teacherToken);
      // The students' tutors go on with the tokens they hold.
      expect(await post(again.app, ada.body.token, lesson.slice(6, 9))).toBe(202);
      expect(await post(again.app, lin.body.token, lesson.slice(0, 1))).toBe(202);
      expect(await post(again.app, `${ada.body.token.slice(0, -2)}xx`, lesson.slice(0, 1))).toBe(401);
      // Names stay taken; a new student joins beside them.
      expect((await joinAs(again.app, again.joinCode, 'ada')).status).toBe(409);
      expect((await joinAs(again.app, again.joinCode, 'Grace')).status).toBe(201);
      const view = await classOf(again.app, again.teacherToken);
      expect(view.students.map((s) => s.name)).toEqual(['Ada', 'Lin', 'Grace']);
      const adaNow = view.students.find((s) => s.name === 'Ada')!;
      const adaBefore = before.students.find((s) => s.name === 'Ada')!;
      expect(adaNow.checks.length).toBeGreaterThan(adaBefore.checks.length);
    } finally {
      await again.app.close();
    }
  });
});

describe('what is not a change of the class', () => {
  it('a new room nobody joined never saves, however its headroom changes', async () => {
    const saves: SavedBoard[] = [];
    let free = 3;
    const roomCloud: RoomCloud = {
      headroom: async () => free--,
      admit: async () => ({ cloudsYaml: '', openrc: '', cloudName: 'x' }),
      close: async () => {},
    };
    const board = createBoard({ room: 'Room 10', roomCloud, save: (b) => saves.push(b) });
    await board.app.ready();
    // The headroom was asked (and changed the class view) on ready.
    const view = await classOf(board.app, board.teacherToken);
    expect(view.headroom).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await board.app.close();
    expect(saves).toEqual([]);
  });
});

describe('writing the file', () => {
  it('keeps what the board wrote last', () => {
    const file = savedBoardFile(dir, 'last');
    for (const savedAt of [1, 2, 3]) {
      writeSavedBoard(file, {
        version: 1,
        room: 'last',
        joinCode: 'A',
        teacherToken: 'B',
        savedAt,
        students: [],
      });
    }
    expect(JSON.parse(readFileSync(file, 'utf8')).savedAt).toBe(3);
  });
});
