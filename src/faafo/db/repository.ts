// The one way faafo talks to its database. Three drivers implement it (sqlite.ts, mysql.ts, postgres.ts);
// the URL picks which (see open.ts). All must pass the same suite in test/behaviour/.
import type { Fractal, FractalResult, NewFractal } from '../model.ts';

export interface Page<T> {
  total: number;
  items: T[];
}

export interface ListOptions {
  /** 1-based page number. */
  page: number;
  perPage: number;
  /** Only fractals whose checksum and size are set (the gallery's filter). */
  doneOnly?: boolean;
}

export interface FractalRepository {
  /** Inserts a new pending fractal. Throws DuplicateFractalError if the uuid exists. */
  create(fractal: NewFractal): Promise<Fractal>;
  get(uuid: string): Promise<Fractal | undefined>;
  /** Ordered by uuid, so pages are stable and look like the guide's listing. */
  list(options: ListOptions): Promise<Page<Fractal>>;
  /** Partial update; undefined when there is no such fractal. */
  update(uuid: string, result: FractalResult): Promise<Fractal | undefined>;
  /** True when a row was deleted. Also deletes its stored image. */
  delete(uuid: string): Promise<boolean>;
  /** Image bytes kept in the database (the default image store). Stored in chunks so a
   * 9999 × 9999 PNG fits under MariaDB's max_allowed_packet as well as in SQLite. */
  putImage(uuid: string, png: Buffer): Promise<void>;
  getImage(uuid: string): Promise<Buffer | undefined>;
  deleteImage(uuid: string): Promise<void>;
  /** Cheap round trip, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateFractalError extends Error {
  constructor(uuid: string) {
    super(`A fractal with uuid ${uuid} already exists.`);
    this.name = 'DuplicateFractalError';
  }
}

/** The database could not be reached or refused the operation for reasons other than the data. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}
