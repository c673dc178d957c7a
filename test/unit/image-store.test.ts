// The disk image store: one file per fractal, written atomically, never outside its directory.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRepository } from '../../src/faafo/db/open.ts';
import { diskImageStore, imagePath } from '../../src/faafo/images/disk.ts';
import { openImageStore } from '../../src/faafo/images/open.ts';

describe('disk image store', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'faafo-images-'));
    // Not created yet: the first put must create it.
    dir = join(root, 'images');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('round-trips an image as <dir>/<uuid>.png and replaces it', async () => {
    const store = diskImageStore(dir);
    expect(store.kind).toBe('disk');
    const uuid = randomUUID();
    const png = randomBytes(100_000);
    await store.put(uuid, png);
    expect(existsSync(join(dir, `${uuid}.png`))).toBe(true);
    expect(await store.get(uuid)).toEqual(png);

    const replacement = randomBytes(10);
    await store.put(uuid, replacement);
    expect(await store.get(uuid)).toEqual(replacement);
    // No temporary files left behind.
    expect(readdirSync(dir)).toEqual([`${uuid}.png`]);
  });

  it('returns undefined for a missing image and deletes idempotently', async () => {
    const store = diskImageStore(dir);
    const uuid = randomUUID();
    expect(await store.get(uuid)).toBeUndefined();
    await store.put(uuid, Buffer.from('png'));
    await store.delete(uuid);
    expect(await store.get(uuid)).toBeUndefined();
    await expect(store.delete(uuid)).resolves.toBeUndefined();
  });

  it.each([
    '../escape',
    '../../etc/passwd',
    '..',
    'a/b',
    'a\\b',
    '/etc/passwd',
    '.hidden',
    'nul\0byte',
    '',
    'x'.repeat(37),
  ])('rejects the uuid %j in put, get and delete', async (uuid) => {
    const store = diskImageStore(dir);
    expect(() => imagePath(dir, uuid)).toThrow(RangeError);
    await expect(store.put(uuid, Buffer.from('x'))).rejects.toBeInstanceOf(RangeError);
    await expect(store.get(uuid)).rejects.toBeInstanceOf(RangeError);
    await expect(store.delete(uuid)).rejects.toBeInstanceOf(RangeError);
    expect(existsSync(join(root, 'escape.png'))).toBe(false);
  });

  it('is what openImageStore gives for "disk"; "database" goes through the repository', async () => {
    const repo = await openRepository('sqlite:///:memory:');
    try {
      expect(openImageStore('disk', repo, dir).kind).toBe('disk');
      const store = openImageStore('database', repo, dir);
      expect(store.kind).toBe('database');
      const uuid = randomUUID();
      await store.put(uuid, Buffer.from('png bytes'));
      expect(await repo.getImage(uuid)).toEqual(Buffer.from('png bytes'));
      expect(await store.get(uuid)).toEqual(Buffer.from('png bytes'));
      await store.delete(uuid);
      expect(await store.get(uuid)).toBeUndefined();
      expect(existsSync(dir)).toBe(false);
    } finally {
      await repo.close();
    }
  });
});
