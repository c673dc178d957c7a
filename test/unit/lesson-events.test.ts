// The step runner's events (src/lesson/events.ts), as the tutor and the notebooks will consume them:
// real step runs in this process (runStepEvents) against a local cloud started for this file,
// reached through its OS_* variables. Each test asserts the sequence a run emits — connected to
// which cloud, found/created, waiting with the servers' statuses, each check with what it saw, done —
// and for failures (an earlier step missing, a bad image, the quota, a refusal midway, failed
// checks) the one-line reason and what the run had already made. The tests build on each other.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { connect, NO_CLOUD_CONFIGURED } from '../../src/cloud/connect.ts';
import type { StepEnd, StepEvent } from '../../src/lesson/events.ts';
import { type RunStepOptions, runStepEvents } from '../../src/lesson/run-step.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud('lesson-events-');
}, 60_000);

afterAll(async () => {
  await cloud?.close();
}, 60_000);

// The steps' own lines (console.log) are not events; keep them out of the test's output.
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

const state = () => cloud.serving.cloud.store.read();
const projectId = () => state().projects[0]!.id;
const setQuota = (change: Record<string, number>) =>
  cloud.serving.cloud.store.update((s) => {
    s.quotas[projectId()] = { ...s.quotas[projectId()]!, ...change };
  });

/** The cloud's OS_* and nothing of the developer's own. */
const envFor = () => cleanEnv({ ...cloud.osEnv, FAAFO_CLOUD_DIR: join(cloud.dir, 'not-this-one') });

/** Runs a step and collects every event it emits; the promise's value must be the last event. */
async function events(name: string, options: RunStepOptions = {}): Promise<StepEvent[]> {
  const seen: StepEvent[] = [];
  const env = envFor();
  const last: StepEnd = await runStepEvents(name, { env, pollMs: 100, ...options }, (e) => seen.push(e));
  expect(seen.at(-1)).toBe(last);
  return seen;
}

/** The types in order, runs of one type squeezed to "type×n". */
function shape(seen: StepEvent[]): string[] {
  const out: Array<[string, number]> = [];
  for (const e of seen) {
    const prev = out.at(-1);
    if (prev && prev[0] === e.type) prev[1]++;
    else out.push([e.type, 1]);
  }
  return out.map(([type, n]) => (n > 1 ? `${type}×${n}` : type));
}

const STEP_2 = { id: 'step-2', title: 'Security groups for the new topology', file: 'steps/step-2.ts' };
const STEP_4 = {
  id: 'step-4',
  title: 'app-services: the shared database and message queue',
  file: 'steps/step-4.ts',
};

/** Step 2's creates, in the guide's order: each group, then its rules. */
const STEP_2_CREATES = [
  'security group api',
  'security group rule TCP 80-80 to api',
  'security group rule TCP 22-22 to api',
  'security group worker',
  'security group rule TCP 22-22 to worker',
  'security group control',
  'security group rule TCP 22-22 to control',
  'security group rule TCP 80-80 to control',
  'security group rule TCP 5672-5672 to control from worker',
  'security group services',
  'security group rule TCP 22-22 to services',
  'security group rule TCP 3306-3306 to services from api',
  'security group rule TCP 5672-5672 to services from worker',
  'security group rule TCP 5672-5672 to services from api',
];

describe('the events of real step runs', () => {
  it('no such step: one failed event, before any cloud is touched', async () => {
    const seen = await events('9');
    expect(seen).toEqual([
      {
        type: 'failed',
        kind: 'no-such-step',
        reason:
          "there is no step '9'; the steps are: prelude, step-1, step-2, step-3, step-4, step-5, step-6, step-7.",
        made: [],
      },
    ]);
  });

  it('no cloud configured and no fallback given: failed with the line that says how to configure one', async () => {
    const seen: StepEvent[] = [];
    const env = cleanEnv({ HOME: cloud.dir, XDG_CONFIG_HOME: join(cloud.dir, 'config') });
    await runStepEvents('2', { env }, (e) => seen.push(e));
    expect(shape(seen)).toEqual(['started', 'failed']);
    expect(seen[1]).toEqual({
      type: 'failed',
      step: STEP_2,
      kind: 'error',
      reason: NO_CLOUD_CONFIGURED,
      made: [],
    });
  });

  it('a step before the one it needs (step 5 first): connected, then failed saying to run step 2', async () => {
    const seen = await events('5');
    expect(shape(seen)).toEqual(['started', 'connected', 'failed']);
    expect(seen[1]).toMatchObject({
      type: 'connected',
      cloud: expect.stringContaining('the OS_* variables'),
    });
    expect(seen[2]).toEqual({
      type: 'failed',
      step: { id: 'step-5', title: 'Two API servers with floating IPs', file: 'steps/step-5.ts' },
      kind: 'error',
      reason: "There is no security group 'api' yet: run step 2 first.",
      made: [],
    });
  });

  it('step 2: a created event per group and rule, in the guide’s order, then four checks, then done', async () => {
    const seen = await events('2');
    expect(shape(seen)).toEqual(['started', 'connected', 'created×14', 'checking', 'check×4', 'done']);
    expect(seen[0]).toEqual({ type: 'started', step: STEP_2, checkOnly: false });
    const created = seen.flatMap((e) => (e.type === 'created' ? [`${e.kind} ${e.name}`] : []));
    expect(created).toEqual(STEP_2_CREATES);
    const checks = seen.filter((e) => e.type === 'check');
    expect(checks.every((c) => c.ok && c.detail === undefined)).toBe(true);
    expect(checks.map((c) => c.label)).toContain(
      'security group services: TCP 22 from 0.0.0.0/0, TCP 3306 from api, TCP 5672 from api, TCP 5672 from worker',
    );
    expect(seen.at(-1)).toEqual({ type: 'done', step: STEP_2 });
  }, 30_000);

  it('step 2 again: every group and rule found and kept, nothing created', async () => {
    const seen = await events('2');
    expect(shape(seen)).toEqual(['started', 'connected', 'found×14', 'checking', 'check×4', 'done']);
    expect(seen).toContainEqual({
      type: 'found',
      kind: 'security group',
      name: 'services',
      status: '4 rules',
      outcome: 'kept',
    });
    expect(seen).toContainEqual({
      type: 'found',
      kind: 'security group rule',
      name: 'TCP 5672-5672 to services from api',
      outcome: 'kept',
    });
  }, 30_000);

  it('a bad image: failed with the images there are, nothing made', async () => {
    const seen = await events('4', { image: 'centos-7' });
    expect(shape(seen)).toEqual(['started', 'connected', 'failed']);
    const failed = seen.at(-1) as Extract<StepEvent, { type: 'failed' }>;
    expect(failed.kind).toBe('error');
    expect(failed.reason).toMatch(/^There is no image named 'centos-7' in the OS_\* variables/);
    expect(failed.reason).toContain('ubuntu-22.04');
    expect(failed.reason).toContain('--image NAME');
    expect(failed.made).toEqual([]);
    expect(state().servers).toEqual([]);
  });

  it('the quota: failed before anything is created, saying what lacks', async () => {
    setQuota({ instances: 0 });
    try {
      const seen = await events('4');
      expect(shape(seen)).toEqual(['started', 'connected', 'failed']);
      const failed = seen.at(-1) as Extract<StepEvent, { type: 'failed' }>;
      expect(failed.reason).toMatch(
        /^Step 4 needs 1 more server\(s\) of flavor m1\.small \(app-services\).*1 instances but only 0 are left.*Nothing was created/,
      );
      expect(failed.made).toEqual([]);
      expect(state().servers).toEqual([]);
    } finally {
      setQuota({ instances: 10 });
    }
  });

  it('refused midway: the failed event lists what the run made, the same as its created events', async () => {
    expect((await events('1')).at(-1)?.type).toBe('done');
    const used = state().securityGroupRules.length;
    // Room for the api group (Neutron gives it two egress rules) and its first rule only.
    setQuota({ securityGroupRules: used + 3 });
    try {
      const seen = await events('2');
      expect(shape(seen)).toEqual(['started', 'connected', 'created×2', 'failed']);
      const failed = seen.at(-1) as Extract<StepEvent, { type: 'failed' }>;
      expect(failed.reason).toMatch(/^Could not add the rule TCP 22-22 to api: Quota exceeded/);
      expect(failed.made.map((m) => `${m.kind} ${m.name}`)).toEqual(STEP_2_CREATES.slice(0, 2));
      const created = seen.flatMap((e) =>
        e.type === 'created' ? [{ kind: e.kind, name: e.name, id: e.id }] : [],
      );
      expect(created).toEqual(failed.made);
    } finally {
      setQuota({ securityGroupRules: 100 });
    }
    expect((await events('2')).at(-1)?.type).toBe('done');
  }, 30_000);

  it('failed checks (step 5 --check with no API server): each check with what it saw, then failed', async () => {
    const seen = await events('5', { checkOnly: true });
    expect(seen[0]).toMatchObject({ type: 'started', checkOnly: true });
    expect(shape(seen)).toEqual(['started', 'connected', 'checking', 'check×3', 'failed']);
    expect(seen.filter((e) => e.type === 'check')).toEqual([
      { type: 'check', ok: false, label: 'server app-services is running', detail: 'it is missing' },
      { type: 'check', ok: false, label: 'server app-api-1 is running', detail: 'it is missing' },
      { type: 'check', ok: false, label: 'server app-api-2 is running', detail: 'it is missing' },
    ]);
    expect(seen.at(-1)).toMatchObject({
      type: 'failed',
      kind: 'checks',
      reason: expect.stringMatching(
        /^Step 5 did not leave the cloud as the lesson expects\. Run step 5 again/,
      ),
      made: [],
    });
  });

  it('step 4: the server created, waiting while it boots (BUILD), then its checks and done', async () => {
    // The key pair the prelude would have imported.
    await (await connect({ env: envFor() })).importKeyPair('demokey');
    const seen = await events('4');
    expect(seen.at(-1), JSON.stringify(seen.at(-1))).toEqual({ type: 'done', step: STEP_4 });
    expect(shape(seen).slice(0, 3)).toEqual(['started', 'connected', 'created']);
    expect(seen[2]).toMatchObject({ type: 'created', kind: 'server', name: 'app-services' });
    const waits = seen.filter((e) => e.type === 'waiting');
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]!.servers).toEqual([{ name: 'app-services', status: 'BUILD' }]);
    expect(waits.every((w) => Number.isInteger(w.elapsedS) && w.elapsedS >= 0)).toBe(true);
    expect(shape(seen).slice(-3)).toEqual(['checking', 'check×2', 'done']);
  }, 120_000);

  it('a server booting when the step starts (a restarted cloud): waiting until it is up, then checks that pass', async () => {
    // A server of the project that is not the lesson's, booting all along: not the step's to wait for.
    const conn = await connect({ env: envFor() });
    const image = (await conn.listImages())[0]!;
    const size = (await conn.listSizes())[0]!;
    const other = await conn.createNode({ name: 'not-the-lessons', image, size, exUserdata: '#!/bin/sh\n' });
    await conn.waitUntilRunning([other], { timeoutMs: 20_000, pollMs: 100 });
    const services = state().servers.find((s) => s.name === 'app-services')!;
    // As `cloud up` leaves a server it boots again; the cloud finishes the boot a moment later.
    cloud.serving.cloud.store.update((s) => {
      s.servers.find((x) => x.id === services.id)!.status = 'BUILD';
      s.servers.find((x) => x.id === other.id)!.status = 'BUILD';
    });
    const up = setTimeout(() => {
      cloud.serving.cloud.store.update((s) => {
        s.servers.find((x) => x.id === services.id)!.status = 'ACTIVE';
      });
    }, 1500);
    try {
      const seen = await events('4', { checkOnly: true });
      expect(shape(seen)).toEqual(['started', 'connected', 'waiting', 'checking', 'check×2', 'done']);
      expect(seen[2]).toEqual({
        type: 'waiting',
        servers: [{ name: 'app-services', status: 'BUILD' }],
        elapsedS: 0,
      });
    } finally {
      clearTimeout(up);
    }
  }, 30_000);
});
