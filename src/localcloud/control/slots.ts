// Address slots: each cloud on a host claims a slot S (its 10.S / 127.S address ranges), so clouds
// of several users, tests and benches never collide. A claim is one small file in a directory every
// user can write to (sticky, 1777); a claim whose owner process is gone is free again.
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../shared/process-alive.ts';
import { freeSlot } from '../nodes/addresses.ts';
import { busySlots } from './busy-slots.ts';
import { CloudCliError } from './io.ts';
import { readJsonFile } from './paths.ts';
import { type DirRole, ensureUserDir, userDirExists } from './user-dir.ts';

export function slotRegistry(env: NodeJS.ProcessEnv = process.env): string {
  return env.FAAFO_CLOUD_SLOTS_DIR || join(tmpdir(), 'faafo-tutor-cloud-slots');
}

const REGISTRY: DirRole = {
  what: "this host's registry of local-cloud address slots",
  fix: 'Remove what is in the way, or set $FAAFO_CLOUD_SLOTS_DIR to a directory every user may write to.',
};

interface SlotClaim {
  pid: number;
  dataDir: string;
  user: string;
}

/** Fails as the user's mistake when the registry's path cannot be a directory (absent is fine). */
export function checkSlotRegistry(registry = slotRegistry()): void {
  userDirExists(registry, REGISTRY);
}

function ensureRegistry(registry: string): void {
  if (userDirExists(registry, REGISTRY)) return;
  ensureUserDir(registry, REGISTRY);
  // mkdir's mode passes through the umask; every user's clouds must be able to claim here.
  chmodSync(registry, 0o1777);
}

function liveClaims(registry: string): Map<number, SlotClaim> {
  const claims = new Map<number, SlotClaim>();
  if (!userDirExists(registry, REGISTRY)) return claims;
  for (const name of readdirSync(registry)) {
    const match = /^(\d+)\.json$/.exec(name);
    if (!match) continue;
    const claim = readJsonFile<SlotClaim>(join(registry, name));
    if (claim && isAlive(claim.pid)) claims.set(Number(match[1]), claim);
  }
  return claims;
}

/**
 * Claims the lowest free slot, looking and claiming under the registry's lock, so clouds starting
 * at the same moment (tests, a bench, a user) each get their own.
 */
export function claimFreeSlot(
  dataDir: string,
  registry = slotRegistry(),
  busy: ReadonlySet<number> = busySlots(),
): { slot: number; release: () => void } {
  ensureRegistry(registry);
  return withRegistryLock(registry, () => {
    const slot = pickSlot(registry, busy);
    return { slot, release: claimLocked(slot, dataDir, registry) };
  });
}

/**
 * The lowest slot no live cloud on this host holds and nothing listens in (processes a killed cloud
 * left behind: ./busy-slots.ts).
 */
export function pickSlot(registry = slotRegistry(), busy: ReadonlySet<number> = busySlots()): number {
  const slot = freeSlot([...liveClaims(registry).keys(), ...busy]);
  if (slot === undefined)
    throw new CloudCliError('every address slot of this host is in use by another local cloud.');
  return slot;
}

/**
 * Runs `claim` with the registry to itself: a lock directory (mkdir is atomic), so two clouds that
 * start at the same moment cannot both read a slot as free and both take it. A lock older than
 * LOCK_STALE_MS was left by a process killed mid-claim (a claim takes a millisecond) and is broken.
 */
export function withRegistryLock<T>(registry: string, claim: () => T, waitMs = 5000): T {
  ensureRegistry(registry);
  const lock = join(registry, 'claiming.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CloudCliError(
          `cannot lock ${registry} to claim an address slot: ${(error as Error).message}`,
        );
      }
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS && removed(lock)) continue;
      if (Date.now() > deadline) {
        throw new CloudCliError(
          `another local cloud has held ${lock} for ${Math.round(age / 1000)} s while claiming an address slot; if none is starting, remove it.`,
        );
      }
      // A claim takes a millisecond: wait a few (synchronously, as the claim's callers are).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
    }
  }
  try {
    return claim();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const LOCK_STALE_MS = 10_000;

/** Removes a stale lock; false when it cannot (another user's, in the sticky registry). */
function removed(lock: string): boolean {
  try {
    rmSync(lock, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

/** Claims `slot` for this process; fails if another live cloud holds it. Returns the release. */
export function claimSlot(slot: number, dataDir: string, registry = slotRegistry()): () => void {
  return withRegistryLock(registry, () => claimLocked(slot, dataDir, registry));
}

/** claimSlot's work, for a caller that holds the registry's lock. */
function claimLocked(slot: number, dataDir: string, registry: string): () => void {
  const file = join(registry, `${slot}.json`);
  const claim: SlotClaim = { pid: process.pid, dataDir, user: userInfo().username };
  const existing = readJsonFile<SlotClaim>(file);
  if (existing && existing.pid !== process.pid && isAlive(existing.pid)) {
    throw new CloudCliError(
      `address slot ${slot} (127.${slot}.x.x, 10.${slot}.0.x) is in use by the local cloud in ${existing.dataDir} (pid ${existing.pid}, user ${existing.user}). Stop that one, or use another --data-dir.`,
    );
  }
  // A stale claim of another user's cannot be replaced in a sticky directory; removing it fails too.
  try {
    rmSync(file, { force: true });
    writeFileSync(file, JSON.stringify(claim), { flag: 'wx', mode: 0o644 });
  } catch (error) {
    throw new CloudCliError(`cannot claim address slot ${slot} in ${registry}: ${(error as Error).message}`);
  }
  return () => {
    const current = readJsonFile<SlotClaim>(file);
    if (current?.pid === process.pid) rmSync(file, { force: true });
  };
}
