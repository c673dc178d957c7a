// `faafo-tutor cloud` helpers: where the data dir is, what clients are given (OS_* lines, clouds.yaml
// merged without losing the user's other clouds), address-slot claims between clouds on one host,
// and serve: cloud.json, the slot released and the ports reused on the next run.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { busySlots } from '../../src/localcloud/control/busy-slots.ts';
import {
  ADMIN_CLOUD_NAME,
  adminCredentialsOf,
  CLOUD_NAME,
  credentialsOf,
  envScript,
  mergeUserCloudsYaml,
  writeClientFiles,
} from '../../src/localcloud/control/client-files.ts';
import { cloudPaths, defaultDataDir } from '../../src/localcloud/control/paths.ts';
import { readRunInfo } from '../../src/localcloud/control/run-info.ts';
import { serveCloud } from '../../src/localcloud/control/serve.ts';
import {
  claimFreeSlot,
  claimSlot,
  pickSlot as pickSlotAmong,
  withRegistryLock,
} from '../../src/localcloud/control/slots.ts';
import { cloudStatus } from '../../src/localcloud/control/status.ts';
import { seedState } from '../../src/localcloud/store.ts';

const credentials = {
  authUrl: 'http://127.0.0.1:5000',
  username: 'demo',
  password: 'pa ss$word\'"',
  projectName: 'demo',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'localcloud-control-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that is certainly not running. */
const DEAD_PID = 2 ** 22 + 12345;

describe('defaultDataDir', () => {
  it('is $FAAFO_CLOUD_DIR, else under $XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultDataDir({ FAAFO_CLOUD_DIR: '/x/cloud', XDG_DATA_HOME: '/y' })).toBe('/x/cloud');
    expect(defaultDataDir({ XDG_DATA_HOME: '/y' })).toBe('/y/faafo-tutor/cloud');
    expect(defaultDataDir({})).toMatch(/\/\.local\/share\/faafo-tutor\/cloud$/);
  });
});

describe('what clients are given', () => {
  it('prints export lines a shell evaluates back to the same values', async () => {
    const script = envScript(credentials);
    expect(script).toContain('export OS_AUTH_URL=http://127.0.0.1:5000\n');
    expect(script).toContain('export OS_USER_DOMAIN_NAME=Default\n');
    expect(script).toContain('export OS_PROJECT_DOMAIN_NAME=Default\n');
    expect(script).toContain('export OS_REGION_NAME=RegionOne\n');
    expect(script).toContain('export OS_IDENTITY_API_VERSION=3\n');
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('sh', ['-c', `${script}\nprintf '%s' "$OS_PASSWORD"`], {
      env: { OS_CLOUD: 'other' },
    });
    expect(out.toString()).toBe(credentials.password);
  });

  it("adds the faafo-local entry to the user's clouds.yaml, keeping their other clouds and comments", () => {
    const file = join(dir, 'openstack', 'clouds.yaml');
    mkdirSync(join(dir, 'openstack'));
    writeFileSync(
      file,
      '# my clouds\nclouds:\n  work:\n    auth: {auth_url: https://keystone.example}\n  faafo-local: {old: true}\n',
    );
    expect(mergeUserCloudsYaml(credentials, { XDG_CONFIG_HOME: dir })).toBe(file);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# my clouds/);
    const clouds = parse(text).clouds;
    expect(clouds.work.auth.auth_url).toBe('https://keystone.example');
    expect(clouds[CLOUD_NAME]).toEqual({
      auth: {
        auth_url: 'http://127.0.0.1:5000',
        username: 'demo',
        password: credentials.password,
        project_name: 'demo',
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      region_name: 'RegionOne',
      interface: 'public',
      identity_api_version: 3,
      // openstacksdk's NAT destination for floating IPs, and `public` not taken as public addresses.
      networks: [
        { name: 'private', nat_destination: true, default_interface: true, routes_externally: false },
        { name: 'public', routes_externally: false },
      ],
    });
  });

  it('creates the clouds.yaml when there is none, and refuses to rewrite one that is not YAML', () => {
    mergeUserCloudsYaml(credentials, { XDG_CONFIG_HOME: dir });
    expect(
      parse(readFileSync(join(dir, 'openstack', 'clouds.yaml'), 'utf8')).clouds[CLOUD_NAME],
    ).toBeDefined();
    writeFileSync(join(dir, 'openstack', 'clouds.yaml'), 'clouds: [unclosed\n');
    expect(() => mergeUserCloudsYaml(credentials, { XDG_CONFIG_HOME: dir })).toThrow(/not valid YAML/);
  });
});

describe("the administrator's client files", () => {
  it('adds faafo-local-admin and openrc-admin, leaving the demo entry and openrc byte for byte as before', () => {
    const state = seedState({ slot: 3 });
    const run = { endpoints: { identity: 'http://127.0.0.1:5000' } } as Parameters<typeof credentialsOf>[1];
    const demo = credentialsOf(state, run);
    const admin = adminCredentialsOf(state, run);
    expect(demo).toMatchObject({ username: 'demo', password: 'password', projectName: 'demo' });
    expect(admin).toMatchObject({ username: 'admin', projectName: 'admin' });
    expect(admin.password).toBe(state.users.find((u) => u.name === 'admin')!.password);

    const before = cloudPaths(join(dir, 'before'));
    const after = cloudPaths(join(dir, 'after'));
    mkdirSync(before.dataDir);
    mkdirSync(after.dataDir);
    writeClientFiles(before, demo);
    writeClientFiles(after, demo, admin);
    expect(readFileSync(after.openrc, 'utf8')).toBe(readFileSync(before.openrc, 'utf8'));
    // The demo entry's text, up to its closing brace, is the same; the admin's follows it.
    const demoEntry = readFileSync(before.cloudsYaml, 'utf8').split('\n').slice(0, -2).join('\n');
    expect(demoEntry).toMatch(/identity_api_version: 3,\n {8}networks:[\s\S]*\n {6}}$/);
    expect(readFileSync(after.cloudsYaml, 'utf8').startsWith(demoEntry)).toBe(true);
    const yaml = parse(readFileSync(after.cloudsYaml, 'utf8'));
    expect(Object.keys(yaml.clouds)).toEqual([CLOUD_NAME, ADMIN_CLOUD_NAME]);
    expect(yaml.clouds[ADMIN_CLOUD_NAME].auth).toMatchObject({
      username: 'admin',
      password: admin.password,
      project_name: 'admin',
    });
    expect(readFileSync(after.openrcAdmin, 'utf8')).toContain(`export OS_USERNAME=admin\n`);
    expect(existsSync(before.openrcAdmin)).toBe(false);
  });
});

/** The `count` lowest slots nothing on this host listens in now. */
function unheldSlots(count: number): number[] {
  const busy = busySlots();
  const slots: number[] = [];
  for (let slot = 0; slots.length < count; slot++) if (!busy.has(slot)) slots.push(slot);
  return slots;
}

describe('address slots', () => {
  it('hands out the lowest slot no live cloud holds, reclaiming the claims of dead ones', () => {
    const registry = join(dir, 'slots');
    // Nothing listening in any slot here: only the claims decide (busy-slots has its own tests).
    const pickSlot = (registry: string) => pickSlotAmong(registry, new Set());
    expect(pickSlot(registry)).toBe(0);
    mkdirSync(registry);
    writeFileSync(
      join(registry, '0.json'),
      JSON.stringify({ pid: process.ppid, dataDir: '/other', user: 'x' }),
    );
    writeFileSync(join(registry, '1.json'), JSON.stringify({ pid: DEAD_PID, dataDir: '/gone', user: 'x' }));
    expect(pickSlot(registry)).toBe(1);
    const release = claimSlot(1, '/mine', registry);
    expect(JSON.parse(readFileSync(join(registry, '1.json'), 'utf8'))).toMatchObject({
      pid: process.pid,
      dataDir: '/mine',
    });
    expect(pickSlot(registry)).toBe(2);
    release();
    expect(existsSync(join(registry, '1.json'))).toBe(false);
  });

  it('gives clouds that start at the same moment a slot each', async () => {
    const registry = join(dir, 'slots');
    // Six processes claim in the same millisecond (each waits for the same moment once loaded) and
    // hold their claim while the others try.
    const at = Date.now() + 4000;
    const claimer = `
      import { claimFreeSlot } from ${JSON.stringify(join(process.cwd(), 'src/localcloud/control/slots.ts'))};
      while (Date.now() < ${at});
      const { slot } = claimFreeSlot('/cloud-' + process.pid, ${JSON.stringify(registry)});
      console.log(slot);
      setTimeout(() => {}, 1500);
    `;
    const run = promisify(execFile);
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', claimer]),
      ),
    );
    const slots = outputs.map((o) => Number(o.stdout.trim()));
    expect(new Set(slots).size, slots.join(' ')).toBe(6);
    // The six lowest slots nothing on this host listens in (a developer's own cloud may hold one).
    expect([...slots].sort((a, b) => a - b)).toEqual(unheldSlots(6));
    // Their claims ended with them: in this process the lowest slot is free again.
    const { slot, release } = claimFreeSlot('/mine', registry);
    expect(slot).toBe(unheldSlots(1)[0]);
    release();
  }, 30_000);

  it('claims under a lock: waits while another process claims, breaks a stale lock, says when one is stuck', async () => {
    const registry = join(dir, 'slots');
    const lock = join(registry, 'claiming.lock');
    // Another process holds the lock for 300 ms: the claim waits for it, then proceeds.
    mkdirSync(lock, { recursive: true });
    const holder = execFile(process.execPath, [
      '-e',
      `setTimeout(() => require('node:fs').rmSync(${JSON.stringify(lock)}, { recursive: true }), 300)`,
    ]);
    const started = Date.now();
    const { slot, release } = claimFreeSlot('/mine', registry);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(slot).toBe(unheldSlots(1)[0]);
    release();
    await new Promise((r) => holder.on('exit', r));
    // A lock left by a process killed mid-claim (older than 10 s) is broken.
    mkdirSync(lock);
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    claimSlot(2, '/mine', registry)();
    expect(existsSync(lock)).toBe(false);
    // A fresh lock nobody removes: after the wait, one sentence that names it.
    mkdirSync(lock);
    expect(() => withRegistryLock(registry, () => 0, 100)).toThrow(
      /another local cloud has held .*claiming\.lock for 0 s while claiming an address slot; if none is starting, remove it\./,
    );
  });

  it('refuses a slot another live cloud holds, naming it', () => {
    const registry = join(dir, 'slots');
    mkdirSync(registry);
    writeFileSync(
      join(registry, '3.json'),
      JSON.stringify({ pid: process.ppid, dataDir: '/other/cloud', user: 'bob' }),
    );
    expect(() => claimSlot(3, '/mine', registry)).toThrow(
      /slot 3 .* in use by the local cloud in \/other\/cloud .*bob/,
    );
  });
});

describe('serveCloud', () => {
  it('writes cloud.json while it serves; on stop marks it stopped, frees the slot; the next run reuses the ports', async () => {
    const registry = join(dir, 'slots');
    process.env.FAAFO_CLOUD_SLOTS_DIR = registry;
    try {
      const dataDir = join(dir, 'cloud');
      const lines: string[] = [];
      const first = await serveCloud({ dataDir, slot: 5, log: (line) => lines.push(line) });
      const paths = cloudPaths(dataDir);
      expect(readRunInfo(paths)).toEqual(first.run);
      expect(first.run).toMatchObject({ pid: process.pid, slot: 5, host: '127.0.0.1', dataDir });
      expect(existsSync(join(registry, '5.json'))).toBe(true);
      const res = await fetch(first.run.endpoints.identity);
      expect(res.status).toBe(300);
      expect(lines.some((l) => l.startsWith('identity GET / 300'))).toBe(true);
      await first.stop();
      expect(readRunInfo(paths)?.pid).toBeNull();
      expect(existsSync(join(registry, '5.json'))).toBe(false);

      // A second cloud in the same data dir keeps its slot and its URLs.
      await expect(serveCloud({ dataDir, slot: 6 })).rejects.toThrow(/uses slot 5/);
      const second = await serveCloud({ dataDir });
      expect(second.run.slot).toBe(5);
      expect(second.run.endpoints).toEqual(first.run.endpoints);
      const out: string[] = [];
      cloudStatus(
        { dataDir, json: true },
        { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => {} } },
      );
      expect(JSON.parse(out.join('')).nodes).toEqual([]);
      await second.stop();
    } finally {
      delete process.env.FAAFO_CLOUD_SLOTS_DIR;
    }
  });
});
