// What the API's plugins are built from; each plugin receives these as its options.
import type { Config } from '../config.ts';
import type { FractalRepository } from '../db/repository.ts';
import type { ImageStore } from '../images/store.ts';
import type { TaskPublisher } from '../queue/publisher.ts';

export interface ApiDeps {
  config: Config;
  repo: FractalRepository;
  images: ImageStore;
  publisher: TaskPublisher;
}
