// The local cloud's state: the seed a fresh cloud starts with, transactional updates, and the file
// store (persist and reload, one atomic write per burst, a torn or foreign file refused clearly).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CloudState } from '../../src/localcloud/state.ts';
import {
  createMemoryStore,
  openFileStore,
  STATE_FILE,
  seedState,
  UBUNTU_IMAGE_ID,
} from '../../src/localcloud/store.ts';

vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return { ...original, rename: vi.fn(original.rename) };
});

describe('seedState', () => {
  const state = seedState({ slot: 4 });

  it("has the demo project and user in the default domain, and devstack's admin after them", () => {
    expect(state.projects).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'demo',
        domainId: 'default',
        membersSetQuota: true,
      },
      { id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'admin', domainId: 'default' },
    ]);
    expect(state.users).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'demo',
        password: 'password',
        domainId: 'default',
        defaultProjectId: state.projects[0]!.id,
      },
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'admin',
        password: expect.stringMatching(/^[\w-]{16}$/),
        domainId: 'default',
        defaultProjectId: state.projects[1]!.id,
      },
    ]);
    // A random admin password per cloud: nobody's cloud shares another's.
    expect(seedState({ slot: 4 }).users[1]!.password).not.toBe(state.users[1]!.password);
    expect(state.roleAssignments).toEqual([
      { userId: state.users[0]!.id, projectId: state.projects[0]!.id, roleId: expect.any(String) },
      { userId: state.users[1]!.id, projectId: state.projects[1]!.id, roleId: expect.any(String) },
    ]);
  });

  it('takes other credentials', () => {
    const other = seedState({ slot: 1, username: 'alice', password: 'pw', projectName: 'lesson' });
    expect(other.users[0]).toMatchObject({ name: 'alice', password: 'pw' });
    expect(other.projects[0]!.name).toBe('lesson');
  });

  it("has devstack's flavors with their ids, names unique", () => {
    expect(state.flavors.slice(0, 3)).toEqual([
      { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
      { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
      { id: '3', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
    ]);
    expect(new Set(state.flavors.map((f) => f.name)).size).toBe(state.flavors.length);
  });

  it('has one Ubuntu image whose id is the same in every cloud', () => {
    expect(state.images).toHaveLength(1);
    expect(state.images[0]).toMatchObject({ id: UBUNTU_IMAGE_ID, name: 'ubuntu-22.04' });
    expect(seedState({ slot: 9 }).images[0]!.id).toBe(UBUNTU_IMAGE_ID);
  });

  it('has networks private (10.S.0.0/24) and public (external, the floating pool)', () => {
    const [priv, pub] = state.networks;
    expect(priv).toMatchObject({ name: 'private', external: false, cidr: '10.4.0.0/24' });
    expect(pub).toMatchObject({ name: 'public', external: true, cidr: '127.4.2.0/24' });
    expect(priv!.subnetId).not.toBe(pub!.subnetId);
  });

  it("has the project's default security group with Neutron's default rules", () => {
    const projectId = state.projects[0]!.id;
    expect(state.securityGroups).toEqual([expect.objectContaining({ name: 'default', projectId })]);
    const groupId = state.securityGroups[0]!.id;
    const rules = state.securityGroupRules.map((r) => [r.direction, r.ethertype, r.remoteGroupId]);
    expect(rules).toEqual([
      ['egress', 'IPv4', null],
      ['egress', 'IPv6', null],
      ['ingress', 'IPv4', groupId],
      ['ingress', 'IPv6', groupId],
    ]);
  });

  it('has the quotas, room for the six instances of the lesson', () => {
    expect(state.quotas[state.projects[0]!.id]).toEqual({
      instances: 10,
      cores: 20,
      ram: 51200,
      floatingIps: 10,
      securityGroups: 10,
      securityGroupRules: 100,
      keyPairs: 100,
    });
  });

  it('starts empty otherwise, and refuses a slot outside the range', () => {
    expect([state.servers, state.ports, state.floatingIps, state.keypairs, state.tokens]).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
    expect(state).toMatchObject({ version: 1, slot: 4, region: 'RegionOne' });
    expect(() => seedState({ slot: -1 })).toThrow(/slot/);
    expect(() => seedState({ slot: 1.5 })).toThrow(/slot/);
    expect(() => seedState({ slot: 300 })).toThrow(/slot/);
  });
});

describe('createMemoryStore', () => {
  it('applies an update and returns what it returns', () => {
    const store = createMemoryStore(seedState({ slot: 0 }));
    const n = store.update((s) => {
      s.keypairs.push({ name: 'demokey', userId: 'u', publicKey: 'k', fingerprint: 'f', createdAt: 'now' });
      return s.keypairs.length;
    });
    expect(n).toBe(1);
    expect(store.read().keypairs.map((k) => k.name)).toEqual(['demokey']);
  });

  it('leaves nothing behind when an update throws half-way', () => {
    const store = createMemoryStore(seedState({ slot: 0 }));
    const before = structuredClone(store.read());
    expect(() =>
      store.update((s) => {
        s.flavors.pop();
        s.quotas = {};
        throw new Error('quota exceeded');
      }),
    ).toThrow('quota exceeded');
    expect(store.read()).toEqual(before);
  });

  it('lets an update call a helper that updates too (one change)', () => {
    const store = createMemoryStore(seedState({ slot: 0 }));
    store.update((s) => {
      s.flavors = [];
      store.update((inner) => inner.images.pop());
      // Reads inside an update see the update's own changes.
      expect(store.read().flavors).toEqual([]);
    });
    expect(store.read().flavors).toEqual([]);
    expect(store.read().images).toEqual([]);
  });

  it('flushes at once', async () => {
    await expect(createMemoryStore(seedState({ slot: 0 })).flush()).resolves.toBeUndefined();
  });
});

describe('openFileStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'localcloud-store-'));
    vi.mocked(fsPromises.rename).mockClear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fileState = (): CloudState => JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'));

  it('seeds a new data dir and writes the seed at once, readable by its owner only', async () => {
    const dataDir = join(dir, 'nested', 'cloud');
    const store = await openFileStore(dataDir, () => seedState({ slot: 2 }));
    expect(JSON.parse(readFileSync(join(dataDir, STATE_FILE), 'utf8'))).toEqual(store.read());
    // It holds the password and live tokens.
    expect(statSync(join(dataDir, STATE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('persists updates and reloads them, without calling the seed again', async () => {
    const store = await openFileStore(dir, () => seedState({ slot: 2 }));
    store.update((s) => {
      s.keypairs.push({ name: 'demokey', userId: 'u', publicKey: 'k', fingerprint: 'f', createdAt: 'now' });
    });
    await store.flush();
    const seed = vi.fn(() => seedState({ slot: 5 }));
    const reopened = await openFileStore(dir, seed);
    expect(seed).not.toHaveBeenCalled();
    expect(reopened.read()).toEqual(store.read());
    expect(reopened.read().keypairs[0]!.name).toBe('demokey');
    expect(reopened.read().slot).toBe(2);
  });

  it('writes a burst of updates once, on the next turn, via a temporary file and rename', async () => {
    const store = await openFileStore(dir, () => seedState({ slot: 2 }));
    const rename = vi.mocked(fsPromises.rename);
    rename.mockClear();
    for (let i = 0; i < 50; i++)
      store.update((s) => {
        s.flavors[0]!.ram = i;
      });
    // Nothing written yet within the same turn.
    expect(fileState().flavors[0]!.ram).toBe(512);
    await store.flush();
    expect(rename).toHaveBeenCalledTimes(1);
    const [from, to] = rename.mock.calls[0]!;
    expect(String(from)).toMatch(/state\.json\.\d+\.\d+\.tmp$/);
    expect(to).toBe(join(dir, STATE_FILE));
    expect(fileState().flavors[0]!.ram).toBe(49);
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
  });

  it('writes again for changes made while a write is in flight, and flush waits for them', async () => {
    const store = await openFileStore(dir, () => seedState({ slot: 2 }));
    store.update((s) => {
      s.flavors[0]!.ram = 1;
    });
    await new Promise((resolve) => setImmediate(resolve)); // the first write has started
    store.update((s) => {
      s.flavors[0]!.ram = 2;
    });
    await store.flush();
    expect(fileState().flavors[0]!.ram).toBe(2);
  });

  it('never leaves a torn state.json while writing over and over', async () => {
    const store = await openFileStore(dir, () => seedState({ slot: 2 }));
    let reads = 0;
    for (let round = 0; round < 30; round++) {
      store.update((s) => {
        s.images.push({
          id: `i${round}`,
          name: 'x'.repeat(10_000),
          createdAt: '',
          minDisk: 0,
          minRam: 0,
          size: 0,
        });
      });
      await new Promise((resolve) => setImmediate(resolve));
      // Every read of the file while writes are under way parses.
      for (let i = 0; i < 5; i++, reads++) expect(() => fileState()).not.toThrow();
    }
    await store.flush();
    expect(fileState().images).toHaveLength(31);
    expect(reads).toBe(150);
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
  });

  it('ignores a temporary file left by a crash mid-write', async () => {
    const store = await openFileStore(dir, () => seedState({ slot: 2 }));
    writeFileSync(join(dir, `${STATE_FILE}.999.0.tmp`), '{"version": 1, "slot": 9');
    const reopened = await openFileStore(dir, () => seedState({ slot: 3 }));
    expect(reopened.read()).toEqual(store.read());
  });

  it('refuses a state.json that is not JSON, or of another version, saying how to start afresh', async () => {
    writeFileSync(join(dir, STATE_FILE), '{"version": 1, "sl');
    await expect(openFileStore(dir, () => seedState({ slot: 0 }))).rejects.toThrow(
      /not valid JSON.*cloud reset/,
    );
    writeFileSync(join(dir, STATE_FILE), '{"version": 7}');
    await expect(openFileStore(dir, () => seedState({ slot: 0 }))).rejects.toThrow(/version 7.*cloud reset/);
  });

  it('reports a failed write at the next flush', async () => {
    const store = await openFileStore(dir, () => seedState({ slot: 2 }));
    vi.mocked(fsPromises.rename).mockRejectedValueOnce(
      Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }),
    );
    store.update((s) => {
      s.flavors[0]!.ram = 7;
    });
    await expect(store.flush()).rejects.toThrow(/ENOSPC/);
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
    // The next change writes everything.
    store.update((s) => {
      s.flavors[1]!.ram = 8;
    });
    await store.flush();
    expect(
      fileState()
        .flavors.slice(0, 2)
        .map((f) => f.ram),
    ).toEqual([7, 8]);
  });
});
