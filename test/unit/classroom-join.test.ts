// A student joining a board: the reply checked, and each way it fails said as one line the student
// can act on (a closed port, a wrong code, a name taken, the board's own refusal, an address that is
// not a board, a bad name before anything is sent), against a real HTTP server on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchStudentCloud, joinBoard } from '../../src/classroom/client/join.ts';
import { cloudOutOfReach } from '../../src/classroom/client/student-cloud.ts';
import { UserError } from '../../src/shared/user-error.ts';
import { closedPort, type FakeBoard, json, startFakeBoard } from '../helpers/fake-board.ts';

let board: FakeBoard;
const reply = { studentId: 's1', token: 'tok-1', room: 'Cloud 101', sharedCloud: false };

beforeEach(async () => {
  board = await startFakeBoard();
});
afterEach(async () => {
  await board.close();
});

/** The UserError's message, as the tutor prints it. */
async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('joinBoard', () => {
  it('posts the code (upper-cased) and the trimmed name, and returns the checked reply', async () => {
    board.routes.set('POST /api/join', () => json(201, reply));
    await expect(joinBoard(`${board.url}/`, ' abc234 ', ' Ada ')).resolves.toEqual(reply);
    expect(board.received).toEqual([
      { method: 'POST', path: '/api/join', authorization: undefined, body: { code: 'ABC234', name: 'Ada' } },
    ]);
  });

  it('keeps a path under a proxy and drops the teacher’s ?token= pasted along', async () => {
    board.routes.set('POST /room/api/join', () => json(201, reply));
    await expect(joinBoard(`${board.url}/room?token=secret`, 'ABC234', 'Ada')).resolves.toEqual(reply);
  });

  it('says a closed port does not answer, naming the address and the reason', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    expect(await failure(joinBoard(url, 'ABC234', 'Ada'))).toBe(
      `The board at ${url} does not answer (ECONNREFUSED). Check the address the teacher showed.`,
    );
  });

  it('says a wrong code, a name taken, and the board’s own 400/503 sentence', async () => {
    board.routes.set('POST /api/join', () => json(403, { error: 'Wrong code.' }));
    expect(await failure(joinBoard(board.url, 'ZZZ999', 'Ada'))).toBe(
      `The board at ${board.url} does not know the code ZZZ999; check the code the teacher showed.`,
    );
    board.routes.set('POST /api/join', () => json(409, { error: 'Taken.' }));
    expect(await failure(joinBoard(board.url, 'ABC234', 'Ada'))).toMatch(
      /already called 'Ada'; join with another --name/,
    );
    board.routes.set('POST /api/join', () =>
      json(503, { error: 'The room is full: no host can fit another student.' }),
    );
    expect(await failure(joinBoard(board.url, 'ABC234', 'Ada'))).toBe(
      `The board at ${board.url} refused to let you join: The room is full: no host can fit another student.`,
    );
    board.routes.set('POST /api/join', () => json(400, { error: 'A name has at most 40 characters.' }));
    expect(await failure(joinBoard(board.url, 'ABC234', 'Ada'))).toMatch(
      /refused to let you join: A name has at most 40/,
    );
  });

  it('says an address that answers but is not a board (a web page, a wrong JSON, a 404)', async () => {
    board.routes.set('POST /api/join', () => ({
      status: 200,
      body: '<html>hi</html>',
      contentType: 'text/html',
    }));
    expect(await failure(joinBoard(board.url, 'ABC234', 'Ada'))).toBe(
      `${board.url} answered, but not as a classroom board (HTTP 200, text/html). Check the address the teacher showed.`,
    );
    board.routes.set('POST /api/join', () => json(201, { hello: 'world' }));
    expect(await failure(joinBoard(board.url, 'ABC234', 'Ada'))).toMatch(
      /not as a classroom board \(HTTP 201/,
    );
    board.routes.delete('POST /api/join');
    expect(await failure(joinBoard(board.url, 'ABC234', 'Ada'))).toMatch(/HTTP 404: No such route\./);
  });

  it('refuses a bad code, name or address before sending anything', async () => {
    expect(await failure(joinBoard(board.url, 'ABC', 'Ada'))).toBe(
      'A join code is six letters and digits, as the board shows it.',
    );
    expect(await failure(joinBoard(board.url, 'ABC234', '  '))).toBe('A name is needed: --name "Ada L."');
    expect(await failure(joinBoard('board.example', 'ABC234', 'Ada'))).toMatch(/is not a board address/);
    expect(await failure(joinBoard('ftp://127.0.0.1', 'ABC234', 'Ada'))).toMatch(/starts with http:\/\//);
    expect(board.received).toEqual([]);
  });

  it('gives up on a board that accepts the connection but never answers, within the timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    const port = await new Promise<number>((r) =>
      silent.listen(0, '127.0.0.1', () => r((silent.address() as { port: number }).port)),
    );
    const started = Date.now();
    try {
      expect(
        await failure(joinBoard(`http://127.0.0.1:${port}`, 'ABC234', 'Ada', { timeoutMs: 300 })),
      ).toMatch(/does not answer \(no answer in 0.3 s\)/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });
});

describe('fetchStudentCloud', () => {
  it('downloads clouds.yaml and openrc with the student’s token', async () => {
    board.routes.set('GET /api/cloud/clouds.yaml', () => ({
      status: 200,
      body: 'clouds:\n  room-ada: {}\n',
    }));
    board.routes.set('GET /api/cloud/openrc', () => ({ status: 200, body: 'export OS_USERNAME=ada\n' }));
    await expect(fetchStudentCloud(board.url, 'tok-1')).resolves.toEqual({
      cloudsYaml: 'clouds:\n  room-ada: {}\n',
      openrc: 'export OS_USERNAME=ada\n',
    });
    expect(board.received.map((r) => r.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
  });

  it('says a room without a shared cloud and a stale token as one line', async () => {
    expect(await failure(fetchStudentCloud(board.url, 'tok-1'))).toMatch(/has no shared cloud for this room/);
    board.routes.set('GET /api/cloud/clouds.yaml', () => json(401, { error: 'Stale.' }));
    expect(await failure(fetchStudentCloud(board.url, 'tok-1'))).toMatch(
      /no longer knows this student's token; join again/,
    );
  });
});

describe('cloudOutOfReach', () => {
  const cloudsYaml = (authUrl: string) =>
    `clouds:\n  faafo-classroom:\n    auth:\n      auth_url: ${authUrl}\n      username: ada\n`;

  it('says a loopback cloud is out of reach of a student who reached the board over the network', () => {
    expect(cloudOutOfReach('http://192.168.1.20:8790', cloudsYaml('http://127.0.0.1:5000/v3'))).toBe(
      "This room's cloud runs on the teacher's machine and answers there only (http://127.0.0.1:5000/v3): run the tutor in a terminal on that machine (ssh to 192.168.1.20), or ask the teacher for a room on a real OpenStack (classroom serve --cloud NAME).",
    );
    expect(cloudOutOfReach('http://board.example:8790', cloudsYaml('http://localhost:5000/v3'))).toMatch(
      /^This room's cloud runs on the teacher's machine/,
    );
  });

  it('lets it be when the board is on this machine too, or the cloud is a reachable one', () => {
    expect(cloudOutOfReach('http://127.0.0.1:8790', cloudsYaml('http://127.0.0.1:5000/v3'))).toBeUndefined();
    expect(cloudOutOfReach('http://[::1]:8790', cloudsYaml('http://127.0.0.1:5000/v3'))).toBeUndefined();
    expect(
      cloudOutOfReach('http://192.168.1.20:8790', cloudsYaml('https://keystone.dept.example:5000/v3')),
    ).toBeUndefined();
    expect(cloudOutOfReach('http://192.168.1.20:8790', 'not: [yaml')).toBeUndefined();
  });
});
