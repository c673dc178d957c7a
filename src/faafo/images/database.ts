// The default image store: PNG bytes in the fractal database (chunked by the repository), so
// every API node serves every image, as the final original faafo did.
import type { FractalRepository } from '../db/repository.ts';
import type { ImageStore } from './store.ts';

export function databaseImageStore(repo: FractalRepository): ImageStore {
  return {
    kind: 'database',
    put: (uuid, png) => repo.putImage(uuid, png),
    get: (uuid) => repo.getImage(uuid),
    delete: (uuid) => repo.deleteImage(uuid),
  };
}
