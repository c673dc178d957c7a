// `--image-store` → an ImageStore. `imageDir` is used by the disk store only.
import type { FractalRepository } from '../db/repository.ts';
import { databaseImageStore } from './database.ts';
import { diskImageStore } from './disk.ts';
import type { ImageStore } from './store.ts';

export type ImageStoreKind = 'database' | 'disk';

export function openImageStore(kind: ImageStoreKind, repo: FractalRepository, imageDir: string): ImageStore {
  switch (kind) {
    case 'database':
      return databaseImageStore(repo);
    case 'disk':
      return diskImageStore(imageDir);
    default:
      throw new Error(
        `Unknown image store ${JSON.stringify(kind satisfies never)}; use "database" or "disk".`,
      );
  }
}
