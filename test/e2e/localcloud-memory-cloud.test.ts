// Memory per flavor on a started local cloud with real processes, once per mechanism (the watcher
// forced as FAAFO_CLOUD_MEMORY_LIMIT=watch would): a worker on m1.tiny renders the guide's largest
// task (9999 × 9999) within its 512 MB, while a worker on a flavor too small for that task is
// killed as an out-of-memory VM's would be, says so on its console the kernel's and systemd's way,
// is restarted with its node still ACTIVE, and the task it held is redelivered and finished by the
// m1.tiny worker; killed more often than systemd's start limit allows, its node is shut off with a
// fault; one too big for its flavor even to start puts its node in ERROR. Deleting a node and
// closing the cloud leave no memory cgroup and no process; a cloud process killed outright leaves
// groups that the next start on its data dir reaps.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fractal } from '../../src/faafo/model.ts';
import { memoryGroupDirs, readMemoryCgroupHost } from '../../src/localcloud/nodes/limits/memory-cgroup.ts';
import type { MemoryLimitChoice } from '../../src/localcloud/nodes/limits/memory-limits.ts';
import { cgroupProcs, readProcStat } from '../../src/localcloud/nodes/limits/proc.ts';
import { createNodeRuntime, type LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import { createMemoryStore, seedState } from '../../src/localcloud/store.ts';
import { addServer, bootNode, guide, startDoomedCloud, startSlottedCloud } from '../helpers/cloud-nodes.ts';
import { imageOf, sha256 } from '../helpers/fractals.ts';

/**
 * A flavor for this test only, sized to the worker it holds: its idle memory (as the mechanism
 * counts it, measured on a roomy flavor first) plus less than a task adds. Rendering in bands keeps
 * a worker's task within about 50 MB of its idle memory (mostly the result's upload), so the room
 * is small; how much an idle worker holds differs between mechanisms (the watcher counts shared
 * pages too) and between builds, hence measured rather than fixed.
 */
const SMALL_FLAVOR = { id: 'test-small', name: 'test.small', vcpus: 1, ram: 1024, disk: 1 };
const ROOM_MIB = 20;
/** Far too small for a worker to start in. */
const CRAMMED_FLAVOR = { id: 'test-crammed', name: 'test.crammed', vcpus: 1, ram: 16, disk: 1 };
// The watcher samples often here: the task's extra memory comes in its last few hundred ms.
const WATCH_INTERVAL_MS = 50;
const TINY_RAM_MIB = 512;
const SIZE = 9999;
// Memory barely depends on the iteration budget, time does: enough that the task runs for seconds.
const ITERATIONS = 128;
/**
 * The tasks' uuids: a task's uuid picks its Julia constant, so its image, so the size of the PNG
 * the worker uploads — and the upload is where a task's memory peaks. These two give PNGs of about
 * 10 MB (a random one may give 2 MB, and a peak within the room above).
 */
const TASK_UUIDS = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000003'] as const;

const memoryCgroupsWritable = (() => {
  const host = readMemoryCgroupHost();
  return Boolean(host.v1 || host.v2) && process.getuid?.() === 0;
})();

const dirs: string[] = [];
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Gone, or a zombie waiting for init. */
const ended = (pid: number) => {
  const state = readProcStat(pid)?.state;
  return state === undefined || state === 'Z';
};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

const cases = [
  { mechanism: 'cgroup', expected: /^cgroup-v[12]$/, enabled: memoryCgroupsWritable },
  { mechanism: 'watch', expected: /^watch$/, enabled: true },
] as const satisfies ReadonlyArray<{ mechanism: MemoryLimitChoice; expected: RegExp; enabled: boolean }>;

describe.each(cases)(
  'a cloud whose nodes are held to their RAM by $mechanism',
  ({ mechanism, expected, enabled }) => {
    it.runIf(enabled)(
      'a worker past its RAM is killed and restarted, its task finished by an m1.tiny worker within 512 MB; killed too often, its node is shut off',
      async () => {
        const dataDir = mkdtempSync(join(tmpdir(), `memory-cloud-${mechanism}-`));
        dirs.push(dataDir);
        // No CPU limit: the point is memory, and a full core keeps the 9999 × 9999 render to seconds.
        const { cloud, release } = await startSlottedCloud(dataDir, undefined, {
          cpu: { limit: 'none' },
          memory: { limit: mechanism, watch: { intervalMs: WATCH_INTERVAL_MS } },
        });
        let closed = false;
        cleanups.push(async () => {
          if (!closed) await cloud.close();
          release();
        });
        const runtime = cloud.runtime as LocalNodeRuntime;
        expect(runtime.memoryLimits.kind).toMatch(expected);
        expect(cloud.memory?.mechanism).toMatch(expected);
        cloud.store.update((state) => {
          state.flavors.push({ ...SMALL_FLAVOR });
        });
        const pids = new Set<number>();

        const services = addServer(cloud, 'app-services', guide('-i database -i messaging'));
        await bootNode(cloud, services, pids);
        const ip = services.fixedIp;
        const api = addServer(
          cloud,
          'app-api-1',
          guide(
            `-i faafo -r api -m 'amqp://guest:guest@${ip}:5672/' -d 'mysql://faafo:password@${ip}:3306/faafo'`,
          ),
        );
        await bootNode(cloud, api, pids);
        const workerData = guide(
          `-i faafo -r worker -e 'http://${api.fixedIp}' -m 'amqp://guest:guest@${ip}:5672/'`,
        );

        // A flavor too small for a worker even to start: killed at boot, the node is in ERROR.
        const crammed = addServer(cloud, 'app-worker-crammed', workerData);
        cloud.store.update((state) => {
          state.flavors.push({ ...CRAMMED_FLAVOR });
          state.servers.find((s) => s.id === crammed.id)!.flavorId = CRAMMED_FLAVOR.id;
        });
        runtime.boot({ ...crammed, flavorId: CRAMMED_FLAVOR.id });
        await runtime.settled(crammed.id);
        expect(cloud.store.read().servers.find((s) => s.id === crammed.id)).toMatchObject({
          status: 'ERROR',
          fault: {
            message: `faafo worker failed to start (killed for lack of memory: the node has ${CRAMMED_FLAVOR.ram} MB)`,
          },
        });
        expect(runtime.consoleOutput(crammed.id)).toMatch(
          /kernel: Out of memory: Killed process \d+ \(node\)/,
        );

        const small = addServer(cloud, 'app-worker-small', workerData);
        cloud.store.update((state) => {
          state.servers.find((s) => s.id === small.id)!.flavorId = SMALL_FLAVOR.id;
        });
        await bootNode(cloud, { ...small, flavorId: SMALL_FLAVOR.id }, pids);
        await sleep(1500);
        const idleMib = Math.ceil((runtime.diagnostics?.(small.id)?.rssKib ?? 0) / 1024);
        expect(idleMib).toBeGreaterThan(20);
        // The flavor shrunk to the worker, and the node rebooted onto it (as a resize would).
        const ram = idleMib + ROOM_MIB;
        cloud.store.update((state) => {
          state.flavors.find((f) => f.id === SMALL_FLAVOR.id)!.ram = ram;
        });
        await runtime.reboot(small.id);
        expect(cloud.store.read().servers.find((s) => s.id === small.id)?.status).toBe('ACTIVE');
        const [firstWorkerPid] = runtime.pids(small.id);
        pids.add(firstWorkerPid!);
        expect(runtime.consoleOutput(small.id)).toContain(`Memory: ${ram} MB, held by `);

        // The guide's largest task, taken by the small worker: the only one consuming so far.
        const ports = await runtime.servicePorts();
        const apiUrl = `http://${api.loopbackIp}:${ports.api}`;
        const uuid = TASK_UUIDS[0];
        const created = await fetch(`${apiUrl}/v1/fractal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            uuid,
            width: SIZE,
            height: SIZE,
            iterations: ITERATIONS,
            xa: -2,
            xb: 2,
            ya: -1.5,
            yb: 1.5,
          }),
        });
        expect(created.status).toBe(201);
        const smallIdleKib = runtime.diagnostics?.(small.id)?.rssKib ?? 0;

        let smallPeakKib = 0;
        const smallSampler = setInterval(() => {
          smallPeakKib = Math.max(smallPeakKib, runtime.diagnostics?.(small.id)?.rssKib ?? 0);
        }, 50);
        cleanups.push(() => clearInterval(smallSampler));
        await sleep(1000); // the broker hands it to its one consumer at once

        // The m1.tiny worker joins while it renders; its memory is watched through the diagnostics.
        const tiny = addServer(cloud, 'app-worker-tiny', workerData);
        await bootNode(cloud, tiny, pids);
        let tinyPeakKib = 0;
        const sampler = setInterval(() => {
          tinyPeakKib = Math.max(tinyPeakKib, runtime.diagnostics?.(tiny.id)?.rssKib ?? 0);
        }, 100);
        let fractal: Fractal;
        try {
          fractal = await waitFor(
            'the task to be finished',
            async () => {
              const found = (await (await fetch(`${apiUrl}/v1/fractal/${uuid}`)).json()) as Fractal;
              return found.checksum ? found : undefined;
            },
            150_000,
          );
        } finally {
          clearInterval(sampler);
        }

        // The small worker's node: killed like an out-of-memory VM's service, restarted, still ACTIVE.
        const smallConsole = runtime.consoleOutput(small.id);
        clearInterval(smallSampler);
        process.stdout.write(
          `${mechanism}: small worker idle ${(smallIdleKib / 1024).toFixed(0)} MB, peak seen ${(smallPeakKib / 1024).toFixed(0)} MB; ` +
            `m1.tiny worker peak ${(tinyPeakKib / 1024).toFixed(0)} MB; small worker's console:\n` +
            `${smallConsole
              .split('\n')
              .filter((l) => /kernel:|systemd:/.test(l))
              .join('\n')}\n`,
        );
        expect(smallConsole).toMatch(
          /kernel: Out of memory: Killed process \d+ \(node\) total-vm:\d+kB, anon-rss:\d+kB, file-rss:\d+kB, shmem-rss:\d+kB, UID:\d+ pgtables:\d+kB oom_score_adj:0\n/,
        );
        expect(smallConsole).toContain(`Out of memory: Killed process ${firstWorkerPid} (node)`);
        expect(smallConsole).toContain("systemd: faafo-worker.service: Failed with result 'oom-kill'.");
        expect(smallConsole).toContain(
          'systemd: faafo-worker.service: Scheduled restart job, restart counter is at 1.',
        );
        expect(smallConsole).toContain('systemd: Started faafo-worker.service.');
        const smallNow = cloud.store.read().servers.find((s) => s.id === small.id)!;
        expect(smallNow).toMatchObject({ status: 'ACTIVE', fault: null });
        const [restartedPid] = runtime.pids(small.id);
        expect(restartedPid).not.toBe(firstWorkerPid);
        expect(ended(firstWorkerPid!)).toBe(true);
        expect(ended(restartedPid!)).toBe(false);
        pids.add(restartedPid!);

        // Redelivered and finished by the m1.tiny worker, within its 512 MB and without a kill.
        expect(fractal.generated_by).toBe('app-worker-tiny');
        expect(fractal.checksum).toBe(sha256(await imageOf(apiUrl, uuid)));
        expect(runtime.consoleOutput(tiny.id)).not.toContain('Out of memory');
        expect(tinyPeakKib).toBeGreaterThan(50 * 1024);
        expect(tinyPeakKib).toBeLessThan(TINY_RAM_MIB * 1024);
        expect(runtime.diagnostics?.(tiny.id)?.memoryLimit).toMatch(expected);

        // A deleted node leaves no memory group and no process.
        const groups = memoryGroupDirs(dataDir).filter((dir) => existsSync(dir));
        expect(groups.length > 0).toBe(mechanism === 'cgroup' && readMemoryCgroupHost().v1 !== undefined);
        for (const g of groups) expect(cgroupProcs(join(g, small.id))).toContain(restartedPid);
        const tinyPids = runtime.pids(tiny.id);
        for (const g of groups) expect(cgroupProcs(join(g, tiny.id))).toEqual(tinyPids);
        await runtime.destroy(tiny.id);
        for (const pid of tinyPids) expect(ended(pid), `pid ${pid}`).toBe(true);
        for (const g of groups) expect(existsSync(join(g, tiny.id)), join(g, tiny.id)).toBe(false);

        // Alone with such a task, killed each time it comes back: systemd's start limit gives up,
        // and the node is SHUTOFF with a fault saying why (its group and processes gone with it).
        const again = await fetch(`${apiUrl}/v1/fractal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            uuid: TASK_UUIDS[1],
            width: SIZE,
            height: SIZE,
            iterations: ITERATIONS,
            xa: -2,
            xb: 2,
            ya: -1.5,
            yb: 1.5,
          }),
        });
        expect(again.status).toBe(201);
        const shutOff = await waitFor(
          'the small node to be shut off',
          () => {
            const server = cloud.store.read().servers.find((s) => s.id === small.id)!;
            return server.status === 'SHUTOFF' ? server : undefined;
          },
          120_000,
        );
        expect(shutOff.fault?.message).toMatch(
          new RegExp(
            `^faafo worker was killed for lack of memory more than 5 times within 60 s, so systemd stopped restarting it \\(the node has ${ram} MB; restart counter \\d+\\)$`,
          ),
        );
        const finalConsole = runtime.consoleOutput(small.id);
        expect(finalConsole).toContain('systemd: faafo-worker.service: Start request repeated too quickly.');
        expect(finalConsole).toContain('systemd: Failed to start faafo-worker.service.');
        expect(finalConsole).toMatch(/restart counter is at [6-9]\./);
        expect(runtime.pids(small.id)).toEqual([]);
        expect(ended(restartedPid!)).toBe(true);
        for (const g of groups) expect(existsSync(join(g, small.id)), join(g, small.id)).toBe(false);

        // Nor does closing the cloud.
        await cloud.close();
        closed = true;
        for (const pid of pids) expect(ended(pid), `pid ${pid}`).toBe(true);
        for (const g of groups) expect(existsSync(g), g).toBe(false);
      },
      300_000,
    );
  },
);

describe('a cloud process killed outright', () => {
  it.runIf(memoryCgroupsWritable && readMemoryCgroupHost().v1 !== undefined)(
    'leaves memory groups that the next start on its data dir reaps, with what they held',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'memory-cloud-abandoned-'));
      dirs.push(dir);
      const slot = 70 + Math.floor(Math.random() * 20);
      const doomed = await startDoomedCloud(dir, slot);
      cleanups.push(() => doomed.kill());
      const { report } = doomed;
      expect(report.status).toBe('ACTIVE');
      const [group] = memoryGroupDirs(dir);
      const nodeGroup = join(group!, 'abandoned');
      for (const pid of report.pids) expect(cgroupProcs(nodeGroup)).toContain(pid);
      await doomed.kill();
      expect(existsSync(nodeGroup)).toBe(true);

      const next = createNodeRuntime({ store: createMemoryStore(seedState({ slot })), dataDir: dir });
      await waitFor('the orphans to be ended', () => (report.pids.every(ended) ? true : undefined), 5000);
      expect(existsSync(nodeGroup)).toBe(false);
      await next.close();
      expect(existsSync(group!)).toBe(false);
    },
    60_000,
  );
});
