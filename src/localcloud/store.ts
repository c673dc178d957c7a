// The cloud's state and where it lives. A store holds one CloudState; update() runs a change on a
// draft copy and swaps it in only if the change returns, so a provider that throws half-way (quota
// exceeded after a port was allocated, say) leaves nothing behind. The file store keeps the state in
// `<dataDir>/state.json`, written atomically (tmp file + rename) once per burst of updates.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudStore } from './contracts.ts';
import { ensureAdmin, findRole, keystoneId, upgradeIdentity } from './model/identity.ts';
import { DEFAULT_QUOTA } from './model/quotas.ts';
import { ensureDefaultGroup } from './model/security-groups.ts';
import { floatingCidr, MAX_SLOT, MIN_SLOT, privateCidr } from './nodes/addresses.ts';
import type { CloudState } from './state.ts';

/** The quota a new project starts with (the model owns it; readers of the seed find it here too). */
export { DEFAULT_QUOTA };

export const STATE_FILE = 'state.json';

/** A store that lives in memory only (tests, and the base of the file store). */
export function createMemoryStore(initial: CloudState): CloudStore {
  return createStore(initial, () => {});
}

function createStore(initial: CloudState, changed: () => void): CloudStore {
  let state = initial;
  let draft: CloudState | undefined;
  return {
    read: () => draft ?? state,
    update<T>(fn: (state: CloudState) => T): T {
      // A nested update (a helper that updates, called inside an update) joins the outer draft.
      if (draft) return fn(draft);
      draft = structuredClone(state);
      try {
        const result = fn(draft);
        state = draft;
        changed();
        return result;
      } finally {
        draft = undefined;
      }
    },
    flush: async () => {},
  };
}

/**
 * Opens the state in `dataDir` (created if missing), or seeds a new one and writes it at once.
 * Updates are written on the next turn of the event loop, so a burst of them costs one write.
 */
export async function openFileStore(dataDir: string, seed: () => CloudState): Promise<CloudStore> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, STATE_FILE);
  const existing = await readState(file);
  const writer = createWriter(file);
  // A state from before clouds had several projects is brought up to date (and written) once.
  const upgraded = existing ? upgradeIdentity(existing) : false;
  const base = createStore(existing ?? seed(), () => writer.schedule(() => base.read()));
  if (!existing || upgraded) writer.schedule(() => base.read());
  await writer.flush();
  return { read: base.read, update: base.update, flush: writer.flush };
}

async function readState(file: string): Promise<CloudState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `${file} is not valid JSON, so the local cloud cannot read its state. Run 'faafo-tutor cloud reset' to start afresh.`,
    );
  }
  const version = (parsed as { version?: unknown } | null)?.version;
  if (version !== 1) {
    throw new Error(
      `${file} holds state of version ${String(version)}, which this faafo-tutor does not know. Run 'faafo-tutor cloud reset' to start afresh.`,
    );
  }
  return parsed as CloudState;
}

/** One write in flight at a time; changes made meanwhile are written by the next one. */
function createWriter(file: string) {
  let pending: (() => CloudState) | undefined;
  let scheduled = false;
  let running: Promise<void> | undefined;
  let failure: unknown;
  let sequence = 0;

  const writeNow = async (state: CloudState) => {
    const tmp = `${file}.${process.pid}.${sequence++}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 1)}\n`);
      // Without the sync a crash right after rename can leave an empty state.json behind.
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, file);
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw error;
    }
  };

  const drain = async () => {
    while (pending) {
      const snapshot = pending();
      pending = undefined;
      try {
        await writeNow(snapshot);
        failure = undefined;
      } catch (error) {
        failure = error;
      }
    }
    running = undefined;
  };

  const start = () => {
    scheduled = false;
    if (!running && pending) running = drain();
  };

  return {
    schedule(snapshot: () => CloudState) {
      pending = snapshot;
      if (running || scheduled) return;
      scheduled = true;
      setImmediate(start);
    },
    async flush(): Promise<void> {
      if (scheduled) start();
      while (running) await running;
      if (failure) {
        const error = failure;
        failure = undefined;
        throw error;
      }
    },
  };
}

export interface SeedOptions {
  /** Which slot of the host's address space this cloud owns (see nodes/addresses.ts). */
  slot: number;
  username?: string;
  password?: string;
  projectName?: string;
}

export const DEFAULT_CREDENTIALS = { username: 'demo', password: 'password', projectName: 'demo' } as const;

/** Stable, so that ids written into lesson steps and notebooks keep working after `cloud reset`. */
export const UBUNTU_IMAGE_ID = '3f0c5a52-7d8e-4b2a-9c41-6e0d2b1a7c11';

/**
 * The cloud a fresh data dir starts with, as devstack leaves it: the demo user a member of the demo
 * project, the `admin` user (random password) with the admin role on the `admin` project, flavors,
 * one image, the shared `private` network and the external `public` one.
 */
export function seedState(options: SeedOptions): CloudState {
  const { slot } = options;
  if (!Number.isInteger(slot) || slot < MIN_SLOT || slot > MAX_SLOT) {
    throw new RangeError(
      `The cloud's slot must be a whole number from ${MIN_SLOT} to ${MAX_SLOT}, not ${slot}.`,
    );
  }
  const username = options.username ?? DEFAULT_CREDENTIALS.username;
  const password = options.password ?? DEFAULT_CREDENTIALS.password;
  const projectName = options.projectName ?? DEFAULT_CREDENTIALS.projectName;
  const projectId = keystoneId();
  const userId = keystoneId();
  const state: CloudState = {
    version: 1,
    slot,
    region: 'RegionOne',
    projects: [{ id: projectId, name: projectName, domainId: 'default', membersSetQuota: true }],
    users: [{ id: userId, name: username, password, domainId: 'default', defaultProjectId: projectId }],
    roleAssignments: [{ userId, projectId, roleId: findRole('member')!.id }],
    tokens: [],
    // devstack's ids and sizes.
    flavors: [
      { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
      { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
      { id: '3', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
      { id: '4', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 },
    ],
    images: [
      {
        id: UBUNTU_IMAGE_ID,
        name: 'ubuntu-22.04',
        createdAt: '2024-01-01T00:00:00Z',
        minDisk: 0,
        minRam: 0,
        size: 668_991_488,
      },
    ],
    keypairs: [],
    networks: [
      {
        id: randomUUID(),
        name: 'private',
        projectId,
        external: false,
        // Every project's servers get their fixed address here, as on clouds with a provider network.
        shared: true,
        subnetId: randomUUID(),
        cidr: privateCidr(slot),
      },
      {
        id: randomUUID(),
        name: 'public',
        projectId,
        external: true,
        subnetId: randomUUID(),
        // The floating pool; nodes' own public addresses (127.S.1.x) are outside it.
        cidr: floatingCidr(slot),
      },
    ],
    ports: [],
    securityGroups: [],
    securityGroupRules: [],
    floatingIps: [],
    servers: [],
    quotas: { [projectId]: { ...DEFAULT_QUOTA } },
  };
  // Neutron's default group, made as any API's first look at the project makes it.
  ensureDefaultGroup(state, projectId, new Date());
  ensureAdmin(state);
  return state;
}
