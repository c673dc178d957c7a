// The tutor's side of joining (tutor/classroom.ts) against a real HTTP server standing in for a board:
// a shared-cloud room's clouds.yaml and openrc saved 0600 in the data dir and the lesson pointed at
// that cloud (src/cloud resolves it from OS_CLIENT_CONFIG_FILE and the name, even with other OS_*
// set); the greeting; each engine event mapped and reported; a board that went away said through
// whichever sink the screen gave, once.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/classroom/protocol.ts';
import { resolveCloud } from '../../src/cloud/config.ts';
import { joinClassroom } from '../../tutor/classroom.ts';
import { type FakeBoard, json, startFakeBoard } from '../helpers/fake-board.ts';

const CLOUDS_YAML = `clouds:
  room-ada:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: ada
      password: s3cret
      project_name: ada
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
`;

let board: FakeBoard;
let home: string;
beforeEach(async () => {
  board = await startFakeBoard();
  home = mkdtempSync(join(tmpdir(), 'tutor-classroom-'));
});
afterEach(async () => {
  await board.close();
  rmSync(home, { recursive: true, force: true });
});

describe('joinClassroom', () => {
  it('saves a shared-cloud room’s files 0600 and runs the lesson on that cloud', async () => {
    board.routes.set('POST /api/join', () =>
      json(201, { studentId: 's1', token: 'tok-1', room: 'Cloud 101', sharedCloud: true }),
    );
    board.routes.set('GET /api/cloud/clouds.yaml', () => ({ status: 200, body: CLOUDS_YAML }));
    board.routes.set('GET /api/cloud/openrc', () => ({ status: 200, body: 'export OS_USERNAME=ada\n' }));
    // The student's own OS_* (another cloud) must not win over the room's.
    const env = { HOME: home, XDG_DATA_HOME: join(home, 'data'), OS_AUTH_URL: 'http://127.0.0.1:9/v3' };
    const session = await joinClassroom({ url: board.url, code: 'abc234', name: 'Ada' }, env);
    const dir = join(home, 'data', 'faafo-tutor', 'classroom');
    expect(session.greeting).toEqual([
      `Joined "Cloud 101" at ${board.url} as Ada.`,
      'The board sees your chapter, checks and figures only: no code, no credentials.',
      `This room gives you a cloud of your own: the lesson runs on 'room-ada'. Its clouds.yaml and openrc are in ${dir}; for the openstack CLI: source ${join(dir, 'openrc')}.`,
    ]);
    expect(readFileSync(join(dir, 'clouds.yaml'), 'utf8')).toBe(CLOUDS_YAML);
    expect(readFileSync(join(dir, 'openrc'), 'utf8')).toBe('export OS_USERNAME=ada\n');
    for (const file of ['clouds.yaml', 'openrc']) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(session.roomLine).toBe('Room "Cloud 101" · you are Ada · the board sees chapter, checks, figures');
    expect(session.cloud?.name).toBe('room-ada');
    const resolved = resolveCloud({ cloud: session.cloud!.name, env: session.cloud!.env, cwd: home });
    expect(resolved.source).toEqual({
      kind: 'clouds.yaml',
      name: 'room-ada',
      file: join(dir, 'clouds.yaml'),
    });
    await session.close();
  });

  it('reports the mapped events and says a board that went away once, through the sink it was given', async () => {
    board.routes.set('POST /api/join', () =>
      json(201, { studentId: 's1', token: 'tok-1', room: 'Cloud 101', sharedCloud: false }),
    );
    board.routes.set('POST /api/events', () => json(202, { accepted: 1 }));
    const session = await joinClassroom({ url: board.url, code: 'ABC234', name: 'Ada' }, { HOME: home });
    expect(session.cloud).toBeUndefined();
    const said: string[] = [];
    session.showTroubleWith((line) => said.push(line));
    session.observe({ type: 'chapter-started', chapter: 1, title: 'Preflight' });
    session.observe({ type: 'sample', meter: 'backlog', at: 1, value: 2 });
    await new Promise((r) => setTimeout(r, 200));
    await board.goAway();
    session.observe({ type: 'chapter-done', chapter: 1, skipped: false });
    session.observe({ type: 'finished', outcome: 'completed', nextChapter: 2 });
    const started = Date.now();
    await session.close();
    expect(Date.now() - started).toBeLessThan(3_500);
    const sent = board.received
      .filter((r) => r.path === '/api/events')
      .flatMap((r) => (r.body as { events: ProgressEvent[] }).events);
    expect(sent).toEqual([{ type: 'chapter', chapter: 1, title: 'Preflight' }]);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/stopped answering .*; the lesson goes on and reports again when it is back\.$/);
  });
});
