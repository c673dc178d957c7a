// The lesson's steps, timed the way a student runs them: our TypeScript steps 1–6 (each
// `faafo-tutor step N` a new process, pkgcloud underneath) against the guide's own Python code for
// the same steps, run unchanged by Apache libcloud — each on a fresh local cloud, in this one run.
// Both end with the same six servers ACTIVE; the figure is how long the student waits.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UBUNTU_IMAGE_ID } from '../src/localcloud/store.ts';
import { PACKAGE_ROOT, TUTOR_BIN } from '../src/shared/bins.ts';
import { cleanEnv, startTestCloud } from '../test/helpers/localcloud.ts';
import { opensshPublicKey } from '../test/helpers/ssh-key.ts';

const run = promisify(execFile);
const GUIDE = join(PACKAGE_ROOT, 'test', 'fixtures', 'guide', 'scaling_out.py');
const PYTHON = '/usr/bin/python3';
const SIX = ['app-api-1', 'app-api-2', 'app-services', 'app-worker-1', 'app-worker-2', 'app-worker-3'];

export interface LessonRows {
  /** ms per step of ours, in a new process each. */
  steps: Array<{ id: string; ms: number }>;
  oursMs: number;
  /** The guide's libcloud code for the same steps; undefined when libcloud is not installed. */
  libcloudMs?: number;
  libcloudNote?: string;
}

/** A fresh cloud (the tests' own: its slot, free ports, no node left after stop). */
async function freshCloud(name: string) {
  const test = await startTestCloud(`bench-lesson-${name}-`);
  const cloud = test.serving.cloud;
  const env = cleanEnv({ ...test.osEnv, HOME: test.dir, XDG_DATA_HOME: join(test.dir, 'data') });
  const activeSix = () => {
    const live = cloud.store
      .read()
      .servers.filter((s) => s.status === 'ACTIVE')
      .map((s) => s.name);
    return SIX.every((n) => live.includes(n));
  };
  return { cloud, env, activeSix, stop: () => test.close() };
}

export async function benchLesson(): Promise<LessonRows> {
  const key = opensshPublicKey('bench');
  const flavor = 'm1.tiny';

  const ours = await freshCloud('ours');
  const steps: LessonRows['steps'] = [];
  let oursMs = 0;
  try {
    // The key pair the earlier section imported (the prelude would); not part of the timing.
    const user = ours.cloud.store.read().users[0]!.id;
    ours.cloud.store.update((s) => {
      s.keypairs.push({
        name: 'demokey',
        userId: user,
        publicKey: key,
        fingerprint: 'bench',
        createdAt: new Date().toISOString(),
      });
    });
    const t0 = performance.now();
    for (const id of ['1', '2', '3', '4', '5', '6']) {
      const started = performance.now();
      await run(process.execPath, [TUTOR_BIN, 'step', id, '--flavor', flavor], {
        env: ours.env,
        timeout: 120_000,
      });
      steps.push({ id: `step-${id}`, ms: performance.now() - started });
    }
    oursMs = performance.now() - t0;
    if (!ours.activeSix()) throw new Error('our steps did not leave six ACTIVE servers');
  } finally {
    await ours.stop();
  }

  const hasLibcloud = await run(PYTHON, ['-c', 'import libcloud']).then(
    () => true,
    () => false,
  );
  if (!hasLibcloud)
    return { steps, oursMs, libcloudNote: 'libcloud is not installed (apt-get install python3-libcloud)' };
  const guide = await freshCloud('libcloud');
  try {
    const flavorId = guide.cloud.store.read().flavors.find((f) => f.name === flavor)!.id;
    const t0 = performance.now();
    await run(PYTHON, [GUIDE], {
      env: {
        ...guide.env,
        FAAFO_IMAGE_ID: UBUNTU_IMAGE_ID,
        FAAFO_FLAVOR_ID: flavorId,
        FAAFO_PUBLIC_KEY: key,
      },
      timeout: 180_000,
    });
    // The guide does not wait for the workers (step 6); the student does, to use them.
    while (!guide.activeSix()) await new Promise((r) => setTimeout(r, 50));
    return { steps, oursMs, libcloudMs: performance.now() - t0 };
  } finally {
    await guide.stop();
  }
}

export function printLesson(rows: LessonRows): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log('\nThe lesson, steps 1–6 on a fresh local cloud, until six servers are ACTIVE');
  for (const step of rows.steps)
    console.log(`  ours ${step.id.padEnd(7)} ${s(step.ms).padStart(7)}  (a new process)`);
  console.log(`  ours, steps 1–6           ${s(rows.oursMs).padStart(7)}`);
  if (rows.libcloudMs === undefined) {
    console.log(`  the guide's libcloud code  skipped: ${rows.libcloudNote}`);
    return;
  }
  console.log(`  the guide's libcloud code ${s(rows.libcloudMs).padStart(7)}  (one process, 5 s polls)`);
  console.log(
    `  ours / libcloud           ${(rows.oursMs / rows.libcloudMs).toFixed(2)}×  (lower is faster)`,
  );
}
