// The CPU limits of a real started cloud, once per mechanism (the duty cycle forced through
// FAAFO_CLOUD_CPU_LIMIT): `cloud up --vcpu-fraction` says the choice in `cloud status`, a node's
// diagnostics come through Nova's API, its load is in nodes/<id>/loadavg; and `cloud down` — after
// a clean run and after the cloud process was killed with a node's process left stopped — leaves
// no process (stopped or not) and no cgroup behind, CPU or memory. The duty-cycle case is the
// laptop without root: its memory limit is the watched RSS, forced through FAAFO_CLOUD_MEMORY_LIMIT.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudGroupDirs, readCgroupHost } from '../../src/localcloud/nodes/limits/cgroup.ts';
import { memoryGroupDirs } from '../../src/localcloud/nodes/limits/memory-cgroup.ts';
import { cgroupProcs, readProcStat } from '../../src/localcloud/nodes/limits/proc.ts';
import { TUTOR_BIN as BIN } from '../../src/shared/bins.ts';
import { cleanEnv, isAlive, issueV3Token, nodePids } from '../helpers/localcloud.ts';

const run = promisify(execFile);
const cgroupsWritable = Boolean(readCgroupHost().v1 || readCgroupHost().v2) && process.getuid?.() === 0;
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) {
    await run(process.execPath, [BIN, 'cloud', 'down'], {
      env: cleanEnv({ FAAFO_CLOUD_DIR: join(dir, 'cloud') }),
    }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Gone, or a zombie waiting for init: in neither case running, stopped or throttled. */
const ended = (pid: number) =>
  !isAlive(pid) || readProcStat(pid)?.state === 'Z' || readProcStat(pid) === undefined;

const cases = [
  { mechanism: 'cgroup', expected: /^cgroup-v[12]$/, memory: 'cgroup', run: cgroupsWritable },
  { mechanism: 'duty-cycle', expected: /^duty-cycle$/, memory: 'watch', run: true },
] as const;

describe.each(cases)(
  'a cloud whose nodes are held by $mechanism',
  ({ mechanism, expected, memory, run: enabled }) => {
    it.runIf(enabled)(
      'says so, measures its nodes, and leaves nothing behind',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), `cpu-cloud-${mechanism}-`));
        dirs.push(dir);
        const dataDir = join(dir, 'cloud');
        const env = cleanEnv({
          FAAFO_CLOUD_DIR: dataDir,
          XDG_CONFIG_HOME: join(dir, 'config'),
          FAAFO_CLOUD_CPU_LIMIT: mechanism,
          FAAFO_CLOUD_MEMORY_LIMIT: memory,
        });
        const cloud = (...args: string[]) =>
          run(process.execPath, [BIN, 'cloud', ...args], { env, timeout: 60_000 });

        await cloud('up', '--vcpu-fraction', '0.25');
        const info = JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8'));
        expect(info.cpu).toMatchObject({ vcpuFraction: 0.25, reason: 'set by --vcpu-fraction' });
        expect(info.cpu.mechanism).toMatch(expected);
        const os = Object.fromEntries(
          [...(await cloud('env')).stdout.matchAll(/^export (OS_\w+)=(.*)$/gm)].map((m) => [
            m[1]!,
            m[2]!.replace(/^'(.*)'$/, '$1'),
          ]),
        );
        const token = await issueV3Token(os.OS_AUTH_URL!, os);
        const compute = info.endpoints.compute as string;
        const api = (path: string, init: RequestInit = {}) =>
          fetch(`${compute}${path}`, {
            ...init,
            headers: { 'content-type': 'application/json', 'X-Auth-Token': token, ...init.headers },
          });

        // One node (the guide's services node, as far as the broker goes) on m1.small: one vCPU.
        const userData = Buffer.from('#!/usr/bin/env bash\ninstall.sh -i messaging\n').toString('base64');
        const imageRef = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')).images[0].id;
        const created = await api('/servers', {
          method: 'POST',
          body: JSON.stringify({
            server: { name: 'app-services', imageRef, flavorRef: '2', user_data: userData },
          }),
        });
        expect(created.status).toBe(202);
        const id = ((await created.json()) as { server: { id: string } }).server.id;
        for (let i = 0; i < 300; i++) {
          const res = await api(`/servers/${id}`);
          if (((await res.json()) as { server: { status: string } }).server.status === 'ACTIVE') break;
          await sleep(200);
        }

        // Diagnostics through Nova's API: its own CPU time and memory, its load, the mechanism.
        const diagnostics = await api(`/servers/${id}/diagnostics`);
        expect(diagnostics.status).toBe(200);
        const body = (await diagnostics.json()) as Record<string, unknown>;
        expect(body['local-cloud:cpu-limit']).toMatch(expected);
        expect(body['local-cloud:host-cores']).toBe(0.25);
        expect(body.cpu0_time).toBeGreaterThan(0);
        expect(body['memory-rss']).toBeGreaterThan(10_000);
        expect(body.memory).toBe(2048 * 1024);
        expect(body['local-cloud:memory-limit']).toBe(info.memory.mechanism);
        expect(info.memory.mechanism).toMatch(memory === 'cgroup' ? /^cgroup-v[12]$/ : /^watch$/);
        const loadavg = body['local-cloud:loadavg'];
        expect(
          Array.isArray(loadavg) && loadavg.length === 3 && loadavg.every((v) => typeof v === 'number'),
        ).toBe(true);
        expect(readFileSync(join(dataDir, 'nodes', id, 'loadavg'), 'utf8')).toMatch(
          /^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+\/\d+ \d+\n$/,
        );
        expect((await api('/servers/no-such-server/diagnostics')).status).toBe(404);
        // The real openstack CLI reads them too.
        const osc = await run('/usr/bin/openstack', ['server', 'show', '--diagnostics', id, '-f', 'json'], {
          env: cleanEnv(os),
          timeout: 60_000,
        });
        expect(JSON.parse(osc.stdout)).toMatchObject({
          'local-cloud:cpu-limit': expect.stringMatching(expected),
          'local-cloud:loadavg': [expect.any(Number), expect.any(Number), expect.any(Number)],
        });

        // Status says the vCPU size, the mechanism, and the node's load.
        const status = (await cloud('status')).stdout;
        expect(status).toContain(
          'CPU: one vCPU is 0.25 of a host core (set by --vcpu-fraction); nodes are held to their vCPUs by ',
        );
        expect(status).toContain(
          `Memory: nodes are held to their flavor's RAM by ${info.memory.description}; `,
        );
        expect(status).toMatch(/LOAD AVERAGE\n.*app-services\s+ACTIVE.*\s\d+\.\d\d \d+\.\d\d \d+\.\d\d\n/s);

        const pids = nodePids(dataDir);
        expect(pids.length).toBeGreaterThanOrEqual(1);
        // The cloud's parent groups that exist (the duty cycle makes none).
        const groups = cloudGroupDirs(dataDir).filter((g) => existsSync(g));
        expect(groups.length > 0).toBe(mechanism === 'cgroup');
        // The memory limit's own groups (v1), the node's processes in them.
        const memoryGroups = memoryGroupDirs(dataDir).filter((g) => existsSync(g));
        expect(memoryGroups).toHaveLength(info.memory.mechanism === 'cgroup-v1' ? 1 : 0);
        for (const g of memoryGroups) for (const pid of pids) expect(cgroupProcs(join(g, id))).toContain(pid);
        if (mechanism === 'cgroup') {
          // The node's processes are in its group.
          const inGroups = groups.flatMap((g) => cgroupProcs(join(g, id)));
          for (const pid of pids) expect(inGroups).toContain(pid);
        }

        // A clean down: nothing left.
        await cloud('down');
        for (const pid of pids) expect(ended(pid), `pid ${pid}`).toBe(true);
        for (const g of [...groups, ...memoryGroups]) expect(existsSync(g), g).toBe(false);

        // Up again (the node comes back), then the cloud dies with a node process held stopped, as the
        // duty cycle may leave it: the next down ends it (not left stopped) and removes the groups.
        await cloud('up');
        const compute2 = JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8')).endpoints.compute;
        for (let i = 0; i < 300; i++) {
          const res = await fetch(`${compute2}/servers/${id}`, { headers: { 'X-Auth-Token': token } });
          if (((await res.json()) as { server: { status: string } }).server.status === 'ACTIVE') break;
          await sleep(200);
        }
        const again = nodePids(dataDir).filter((pid) => isAlive(pid));
        expect(again.length).toBeGreaterThanOrEqual(1);
        const serve = JSON.parse(readFileSync(join(dataDir, 'cloud.json'), 'utf8')).pid as number;
        process.kill(serve, 'SIGKILL');
        while (isAlive(serve)) await sleep(20);
        for (const pid of again) process.kill(-pid, 'SIGSTOP');
        await sleep(100);
        for (const pid of again) expect(readProcStat(pid)?.state).toBe('T');
        if (mechanism === 'cgroup') for (const g of groups) expect(existsSync(join(g, id)), g).toBe(true);
        for (const g of memoryGroups) expect(existsSync(join(g, id)), g).toBe(true);
        const down = (await cloud('down')).stdout;
        expect(down).toMatch(/The local cloud is not running\. Ended \d+ leftover node process/);
        await sleep(200);
        for (const pid of again) expect(ended(pid), `pid ${pid}`).toBe(true);
        for (const g of [...groups, ...memoryGroups]) expect(existsSync(g), g).toBe(false);
        expect(readdirSync(join(dataDir, 'nodes', id, 'run')).filter((f) => f.endsWith('.pid'))).toEqual([]);
      },
      120_000,
    );
  },
);
