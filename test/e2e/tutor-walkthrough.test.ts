// The walkthrough end to end, as CI and a teacher's dry run use it: `faafo-tutor --yes --quick
// --plain` against a fresh local cloud (its OS_* only, a fresh HOME). In order, on one cloud:
// - the quota set to one instance: the preflight stops at its quota check with the hint, exit 1;
// - the lesson quit after chapter 3 (the process ended), started again: it resumes at chapter 4 and
//   runs to the end, every check ✓, the before/after table printed, exit 0 (and how long it took);
// - a worker node stopped after chapter 5's steps ran: the run stops at the workers check, exit 1;
// - `--reset` forgets the progress and removes the scaled-out servers before starting over.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/cloud/connect.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

let cloud: TestCloud;
let env: NodeJS.ProcessEnv;
let progressPath: string;

interface Run {
  code: number | null;
  out: string;
}

/** `faafo-tutor ARGS` in a new process; `stopAt`: end it (SIGTERM) when a line matches, as a learner quitting. */
function tutor(args: string[], stopAt?: RegExp, timeoutMs = 900_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TUTOR_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`faafo-tutor ${args.join(' ')} did not end in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const take = (chunk: Buffer) => {
      out += chunk.toString();
      if (stopAt?.test(out)) child.kill('SIGTERM');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const progress = () => JSON.parse(readFileSync(progressPath, 'utf8'));
const failedLines = (out: string) => out.split('\n').filter((l) => l.includes('✗'));
const project = () => cloud.serving.cloud.store.read().projects[0]!.id;
const servers = () =>
  cloud.serving.cloud.store
    .read()
    .servers.filter((s) => s.status !== 'DELETED')
    .map((s) => s.name)
    .sort();

beforeAll(async () => {
  cloud = await startTestCloud('tutor-walkthrough-');
  progressPath = join(cloud.dir, 'data', 'faafo-tutor', 'tutor-progress.json');
  env = cleanEnv({
    ...cloud.osEnv,
    HOME: cloud.dir,
    XDG_DATA_HOME: join(cloud.dir, 'data'),
    XDG_CONFIG_HOME: join(cloud.dir, 'config'),
    FAAFO_TUTOR_METER_MS: '1000',
  });
}, 120_000);

afterAll(async () => {
  await cloud?.close();
}, 120_000);

describe('faafo-tutor --yes --quick --plain', () => {
  it('stops at the preflight when the quota holds one instance, with the hint', {
    timeout: 120_000,
  }, async () => {
    const quota = cloud.serving.cloud.store.read().quotas[project()]!;
    cloud.serving.cloud.store.update((s) => {
      s.quotas[project()] = { ...quota, instances: 1 };
    });
    try {
      const run = await tutor(['--yes', '--quick', '--plain']);
      expect(run.code, run.out).toBe(1);
      expect(run.out).toContain(
        '✗ the quota has room for the six servers of the scaled-out app — instances 0/1',
      );
      expect(run.out).toContain('hint: Delete servers you no longer need');
      expect(run.out).not.toContain('== Chapter 2');
      expect(servers()).toEqual([]);
    } finally {
      cloud.serving.cloud.store.update((s) => {
        s.quotas[project()] = quota;
      });
    }
  });

  it('runs every chapter with every check passed, resuming at chapter 4 after a quit after chapter 3', {
    timeout: 1_800_000,
  }, async () => {
    const started = Date.now();
    const first = await tutor(['--yes', '--quick', '--plain'], /== Chapter 3 done ==/);
    expect(first.out).toContain('== Chapter 3 done ==');
    expect(failedLines(first.out)).toEqual([]);
    expect(first.out).toMatch(
      /✓ app-worker-1's load average climbed toward 1 \(busy\) — its 1-minute load peaked at/,
    );
    expect(progress()).toMatchObject({ nextChapter: 4, done: [1, 2, 3] });

    const second = await tutor(['--yes', '--quick', '--plain']);
    const seconds = (Date.now() - started) / 1000;
    console.log(`faafo-tutor --yes --quick: ${seconds.toFixed(0)} s in all (two sessions)`);
    expect(second.code, second.code === 0 ? '' : `${second.out}\n${cloud.diagnostics()}`).toBe(0);
    expect(failedLines(second.out)).toEqual([]);
    // Resumed: the preflight, then chapter 4; chapters 2 and 3 are not run again.
    expect(second.out).not.toContain('== Chapter 2');
    expect(second.out).not.toContain('== Chapter 3');
    for (const n of [1, 4, 5, 6, 7, 8]) expect(second.out).toContain(`== Chapter ${n} done ==`);
    expect(second.out).toContain('The lesson is complete.');
    expect(second.out).toMatch(
      /before and after:\n\s+figure\s+before\s+after\s+ratio\n\s+batch p50Ms|before and after:\n\s+figure/,
    );
    expect(second.out).toMatch(/batch drain ms\s+[\d.]+\s+[\d.]+\s+[\d.]+×/);
    expect(second.out).toMatch(
      /fault drill: asked (\d+), accepted \1, finished \1; crashed: app-worker-1, app-api-2/,
    );
    expect(progress()).toMatchObject({ nextChapter: 9, done: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(Object.keys(progress().records).sort()).toEqual([
      'batch-after',
      'batch-before',
      'flood-after',
      'flood-before',
      'loop-after',
      'loop-before',
    ]);
  });

  it('stops at chapter 5’s workers check when a worker was stopped after the steps ran', {
    timeout: 300_000,
  }, async () => {
    // As after a quit right after step 6: the steps are not run again, only checked.
    writeFileSync(
      progressPath,
      JSON.stringify({
        ...progress(),
        nextChapter: 5,
        done: [1, 2, 3, 4],
        stepsDone: ['1', '2', '3', '4', '5', '6'],
      }),
    );
    const conn = await connect({ env });
    const worker = (await conn.listNodes()).find((n) => n.name === 'app-worker-2')!;
    await conn.exStopNode(worker);
    await expect
      .poll(() => cloud.serving.cloud.store.read().servers.find((s) => s.id === worker.id)?.status, {
        timeout: 60_000,
      })
      .toBe('SHUTOFF');
    const run = await tutor(['--yes', '--quick', '--plain']);
    expect(run.code, run.out).toBe(1);
    expect(run.out).toContain('step 6 already ran in this chapter');
    expect(run.out).toMatch(/✗ app-worker-1, 2 and 3 are ACTIVE and consume tasks — .*app-worker-2/);
    expect(run.out).toContain('hint: Start a stopped worker (`openstack server start app-worker-2`)');
    expect(run.out).not.toContain('== Chapter 6');
    expect(progress()).toMatchObject({ nextChapter: 5 });
  });

  it('--reset forgets the progress and removes the scaled-out servers', { timeout: 300_000 }, async () => {
    const run = await tutor(['--reset', '--yes', '--quick', '--plain'], /== Chapter 2:/);
    expect(run.out).toContain('cleaning the cloud: step 1 removes what the lesson made');
    expect(run.out).toContain('== Chapter 1 done ==');
    expect(progress()).toMatchObject({ nextChapter: 2, done: [1], records: {} });
    for (const name of ['app-services', 'app-api-1', 'app-api-2', 'app-worker-2', 'app-worker-3'])
      expect(servers()).not.toContain(name);
  });
});
