// With no cloud configured (no --cloud, no OS_CLOUD, no OS_*), a step uses the local cloud and
// starts it in the background when it is not running; the next step, in a new process, finds the
// same cloud running. `cloud down` then leaves nothing behind. A step that finds the cloud stopped
// after the lesson's servers were made starts it and waits until those servers have booted again,
// so `step 6 --check` and step 7 pass (they once saw BUILD servers as broken or missing).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/cloud/connect.ts';
import { localCloudFallback } from '../../src/localcloud/connect-fallback.ts';
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

const tutor = (args: string[], timeoutMs = 90_000) => runTutor(args, env(), timeoutMs);

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
    // The cloud writes state.json a moment after each change (and syncs it): read it until it has caught up.
    const groups = () =>
      readState(cloudPaths(dataDir))
        ?.securityGroups.map((g) => g.name)
        .sort();
    await expect
      .poll(groups, { timeout: 15_000, interval: 100 })
      .toEqual(['api', 'control', 'default', 'services', 'worker']);

    const second = await tutor(['step', '2', '--check']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('starting the local cloud');
    expect(runningCloud(cloudPaths(dataDir))?.pid).toBe(running!.pid);

    const down = await tutor(['cloud', 'down', '--data-dir', dataDir]);
    expect(down.code, down.stderr).toBe(0);
    expect(isAlive(running!.pid)).toBe(false);
  });

  it('after `cloud down`, a step starts it again and waits for its servers to boot: step 6 --check and step 7 pass', {
    timeout: 600_000,
  }, async () => {
    expect(runningCloud(cloudPaths(dataDir))).toBeUndefined();
    // The key pair the prelude would have imported, through the same fallback the CLI uses (it
    // starts the cloud again, as a step would).
    const conn = await connect({ env: env(), fallback: localCloudFallback });
    expect(conn.label).toBe('the local cloud');
    await conn.importKeyPair('demokey');
    for (const id of ['4', '5', '6']) {
      const r = await tutor(['step', id], 150_000);
      expect(r.code, `step ${id}: ${r.stderr}`).toBe(0);
    }
    const down = await tutor(['cloud', 'down', '--data-dir', dataDir]);
    expect(down.code, down.stderr).toBe(0);

    const check = await tutor(['step', '6', '--check'], 200_000);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`starting the local cloud (data in ${dataDir})`);
    // The nodes boot again as the cloud starts. When the step first looks, some are usually still
    // booting and it says it waits; on a quick host all may be ACTIVE already, with nothing to wait for.
    const waited = / {2}… waiting for (app-[a-z0-9-]+ (BUILD|REBOOT)(, )?)+ \(\d+ s\)\n/.test(check.stdout);
    if (!waited) expect(check.stdout).not.toMatch(/BUILD|REBOOT|waiting/);
    expect(check.stdout).not.toContain('✗');
    expect(check.stdout).toContain('✓ server app-api-1 has a floating IP');
    expect(check.stdout).toContain('step-6 done.');

    const seven = await tutor(['step', '7'], 300_000);
    expect(seven.code, seven.stdout + seven.stderr).toBe(0);
    expect(seven.stdout).not.toContain('starting the local cloud');
    expect(seven.stdout).toContain('✓ fractals drawn by more than one worker');
  });
});
