// Images in a local directory, one `<uuid>.png` per fractal: the guide's "local file system"
// story. With two API nodes each sees only its own files, which reproduces the seed's IOError.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageStore } from './store.ts';

// A uuid (or any short plain name) is one path component: no separators, dots or NULs, so it
// can never name a file outside the directory.
const SAFE_KEY = /^[A-Za-z0-9_-]{1,36}$/;

/** `<dir>/<uuid>.png`; throws RangeError for a uuid that is not a plain name. */
export function imagePath(dir: string, uuid: string): string {
  if (!SAFE_KEY.test(uuid))
    throw new RangeError(`Not a valid fractal uuid for an image file: ${JSON.stringify(uuid)}`);
  return join(dir, `${uuid}.png`);
}

export function diskImageStore(dir: string): ImageStore {
  return {
    kind: 'disk',

    async put(uuid, png) {
      const path = imagePath(dir, uuid);
      await mkdir(dir, { recursive: true });
      // Write aside, then rename: a reader sees the old image or the new one, never half of one.
      const tmp = join(dir, `.${uuid}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        const file = await open(tmp, 'wx');
        try {
          await file.writeFile(png);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    },

    async get(uuid) {
      const path = imagePath(dir, uuid);
      try {
        return await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },

    async delete(uuid) {
      await rm(imagePath(dir, uuid), { force: true });
    },
  };
}
