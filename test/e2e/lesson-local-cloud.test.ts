// With no cloud configured (no --cloud, no OS_CLOUD, no OS_*), a step uses the local cloud and
// starts it in the background when it is not running; the next step, in a new process, finds the
// same cloud running. `cloud down` then leaves nothing behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudPaths } from '../../src/localcloud/control/paths.ts';
import { readState, runningCloud } from '../../src/localcloud/control/run-info.ts';
import { cleanEnv, isAlive, runTutor } from '../helpers/localcloud.ts';

let home: string;
let dataDir: string;
const env = () =>
  cleanEnv({
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    FAAFO_CLOUD_DIR: dataDir,
  });

const tutor = (args: string[]) => runTutor(args, env(), 90_000);

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'lesson-local-cloud-'));
  dataDir = join(home, 'cloud');
});

afterAll(async () => {
  // Whatever happened, no cloud of this test may stay up.
  await tutor(['cloud', 'down', '--data-dir', dataDir]);
  rmSync(home, { recursive: true, force: true });
}, 60_000);

describe('no cloud configured: the local cloud', () => {
  it('is started by the first step, found by the next, and stopped by cloud down', {
    timeout: 120_000,
  }, async () => {
    expect(runningCloud(cloudPaths(dataDir))).toBeUndefined();
    const first = await tutor(['step', '2']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`starting the local cloud (data in ${dataDir})`);
    expect(first.stdout).toContain('using the local cloud');
    const running = runningCloud(cloudPaths(dataDir));
    expect(running?.pid).toBeGreaterThan(0);
    const groups = readState(cloudPaths(dataDir))
      ?.securityGroups.map((g) => g.name)
      .sort();
    expect(groups).toEqual(['api', 'control', 'default', 'services', 'worker']);

    const second = await tutor(['step', '2', '--check']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('starting the local cloud');
    expect(runningCloud(cloudPaths(dataDir))?.pid).toBe(running!.pid);

    const down = await tutor(['cloud', 'down', '--data-dir', dataDir]);
    expect(down.code, down.stderr).toBe(0);
    expect(isAlive(running!.pid)).toBe(false);
  });
});
