// Two students of a room on one shared local cloud run the lesson at the same time: each runs the
// prelude and steps 1–6 (`faafo-tutor step N --cloud faafo-classroom`, the clouds.yaml the board
// hands out) in a process of its own, both in parallel. Both finish; each student's project holds
// the scaled-out topology under the same server names as the other's, and the openstack CLI shows
// each only their own six; closing the room removes all twelve.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_ADMIN_CLOUD,
  type SharedLocalRoom,
  sharedLocalRoom,
} from '../../src/classroom/room/shared-local.ts';
import { cloudDown } from '../../src/localcloud/control/index.ts';
import { cleanEnv, runTutor } from '../helpers/localcloud.ts';
import { OPENSTACK_CLI as OPENSTACK, openstackCliAvailable } from '../helpers/services.ts';

const run = promisify(execFile);
const available = await openstackCliAvailable();
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
const STEPS = ['prelude', '1', '2', '3', '4', '5', '6'];
const SCALED_OUT = ['app-api-1', 'app-api-2', 'app-services', 'app-worker-1', 'app-worker-2', 'app-worker-3'];

describe.runIf(available)("two students' lessons at once on a room's shared local cloud", () => {
  let dir: string;
  let dataDir: string;
  let room: SharedLocalRoom;
  const homes: Record<string, string> = {};

  /** A student's own environment: their home, their clouds.yaml, no OS_* of the caller. */
  const envOf = (name: string) =>
    cleanEnv({
      HOME: homes[name]!,
      XDG_DATA_HOME: join(homes[name]!, 'data'),
      XDG_CONFIG_HOME: join(homes[name]!, 'config'),
      OS_CLIENT_CONFIG_FILE: join(homes[name]!, 'clouds.yaml'),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classroom-lesson-'));
    dataDir = join(dir, 'cloud');
    room = await sharedLocalRoom({ room: 'pair', dataDir, env: cleanEnv({}), studentsMax: 2, io: quiet });
    for (const [id, name] of [
      ['s-1', 'ada'],
      ['s-2', 'bob'],
    ] as const) {
      const files = await room.admit({ id, name });
      homes[name] = join(dir, name);
      mkdirSync(homes[name]!);
      writeFileSync(join(homes[name]!, 'clouds.yaml'), files.cloudsYaml);
    }
  }, 90_000);

  afterAll(async () => {
    if (dataDir) await cloudDown({ dataDir }, quiet);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('both run the prelude and steps 1–6 in parallel, and each sees only their own servers', async () => {
    const lesson = async (name: string) => {
      for (const step of STEPS) {
        const result = await runTutor(['step', step, '--cloud', 'faafo-classroom'], envOf(name), 300_000);
        expect(result.code, `${name}'s step ${step}: ${result.stdout}\n${result.stderr}`).toBe(0);
      }
    };
    await Promise.all([lesson('ada'), lesson('bob')]);

    const ids: Record<string, string[]> = {};
    for (const name of ['ada', 'bob']) {
      const { stdout } = await run(
        OPENSTACK,
        ['--os-cloud', 'faafo-classroom', 'server', 'list', '-f', 'json'],
        {
          env: envOf(name),
          timeout: 60_000,
        },
      );
      const servers = JSON.parse(stdout) as Array<{ ID: string; Name: string; Status: string }>;
      expect(servers.map((s) => s.Name).sort()).toEqual(SCALED_OUT);
      expect(servers.every((s) => s.Status === 'ACTIVE')).toBe(true);
      ids[name] = servers.map((s) => s.ID);
    }
    expect(ids.ada!.filter((id) => ids.bob!.includes(id))).toEqual([]);
  }, 900_000);

  it('closing the room removes both students’ servers', async () => {
    await room.close();
    const { stdout } = await run(
      OPENSTACK,
      ['--os-cloud', LOCAL_ADMIN_CLOUD, 'server', 'list', '--all-projects', '-f', 'json'],
      { env: cleanEnv({ HOME: dir, OS_CLIENT_CONFIG_FILE: join(dataDir, 'clouds.yaml') }), timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual([]);
  }, 300_000);
});
