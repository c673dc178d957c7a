// The storage layout every driver shares: the `fractal` table (the original's columns plus
// `failure` and `created_at`) and `fractal_image_chunk`, which holds each PNG split in chunks.
// Keeping the dialects side by side makes a column change visible in one diff.
import { type Fractal, type FractalResult, stateOf } from '../model.ts';

/**
 * Bytes per image chunk. One row per chunk keeps every packet under MariaDB's default
 * max_allowed_packet (16 MiB) and every value under MEDIUMBLOB's 16 MiB, so a 9999 × 9999 PNG
 * (tens of MB) can be stored; 4 MiB leaves room for protocol overhead.
 */
export const IMAGE_CHUNK_BYTES = 4 * 1024 * 1024;

/** Columns a worker may set (FractalResult); the only names ever spliced into an UPDATE. */
export const RESULT_COLUMNS = [
  'checksum',
  'duration',
  'size',
  'generated_by',
  'failure',
  'url',
] as const satisfies readonly (keyof FractalResult)[];

/** What SELECTs read; `created_at` stays internal. */
export const FRACTAL_COLUMNS =
  'uuid, checksum, url, duration, size, width, height, iterations, xa, xb, ya, yb, generated_by, failure';

// checksum is indexed, not UNIQUE: the original's UNIQUE silently lost a second fractal whose
// image happened to be identical. Floats are 8-byte doubles in both engines (SQLite REAL is one),
// so parameters round-trip exactly, unlike the original's single-precision MySQL FLOAT.
export const SQLITE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS fractal (
    uuid VARCHAR(36) NOT NULL PRIMARY KEY,
    checksum VARCHAR(256) NULL,
    url VARCHAR(256) NULL,
    duration REAL NULL,
    size INTEGER NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    iterations INTEGER NOT NULL,
    xa REAL NOT NULL,
    xb REAL NOT NULL,
    ya REAL NOT NULL,
    yb REAL NOT NULL,
    generated_by VARCHAR(256) NULL,
    failure TEXT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`,
  'CREATE INDEX IF NOT EXISTS fractal_checksum ON fractal (checksum)',
  `CREATE TABLE IF NOT EXISTS fractal_image_chunk (
    uuid VARCHAR(36) NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (uuid, seq)
  )`,
];

// utf8mb4_bin makes ORDER BY uuid compare code points, as SQLite's BINARY collation does, so both
// engines list in the same order. No foreign key on the chunks: an image store, like the disk
// store, does not require the row to exist; delete() removes the chunks in its own transaction.
export const MYSQL_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS fractal (
    uuid VARCHAR(36) NOT NULL PRIMARY KEY,
    checksum VARCHAR(256) NULL,
    url VARCHAR(256) NULL,
    duration DOUBLE NULL,
    size INTEGER NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    iterations INTEGER NOT NULL,
    xa DOUBLE NOT NULL,
    xb DOUBLE NOT NULL,
    ya DOUBLE NOT NULL,
    yb DOUBLE NOT NULL,
    generated_by VARCHAR(256) NULL,
    failure TEXT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    INDEX fractal_checksum (checksum)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  `CREATE TABLE IF NOT EXISTS fractal_image_chunk (
    uuid VARCHAR(36) NOT NULL,
    seq INTEGER NOT NULL,
    data MEDIUMBLOB NOT NULL,
    PRIMARY KEY (uuid, seq)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
];

// PostgreSQL (a real server, or PGlite standing in for one). COLLATE "C" makes ORDER BY uuid compare
// bytes, as the other two engines do. created_at is a timestamp with time zone, in milliseconds.
export const POSTGRES_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS fractal (
    uuid VARCHAR(36) COLLATE "C" NOT NULL PRIMARY KEY,
    checksum VARCHAR(256) NULL,
    url VARCHAR(256) NULL,
    duration DOUBLE PRECISION NULL,
    size INTEGER NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    iterations INTEGER NOT NULL,
    xa DOUBLE PRECISION NOT NULL,
    xb DOUBLE PRECISION NOT NULL,
    ya DOUBLE PRECISION NOT NULL,
    yb DOUBLE PRECISION NOT NULL,
    generated_by VARCHAR(256) NULL,
    failure TEXT NULL,
    created_at TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
  )`,
  'CREATE INDEX IF NOT EXISTS fractal_checksum ON fractal (checksum)',
  `CREATE TABLE IF NOT EXISTS fractal_image_chunk (
    uuid VARCHAR(36) COLLATE "C" NOT NULL,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (uuid, seq)
  )`,
];

/** A row as any driver reads it with FRACTAL_COLUMNS. */
export type FractalRow = Omit<Fractal, 'state'>;

export function rowToFractal(row: FractalRow): Fractal {
  return {
    uuid: row.uuid,
    checksum: row.checksum,
    url: row.url,
    duration: row.duration,
    size: row.size,
    width: row.width,
    height: row.height,
    iterations: row.iterations,
    xa: row.xa,
    xb: row.xb,
    ya: row.ya,
    yb: row.yb,
    generated_by: row.generated_by,
    state: stateOf(row),
    failure: row.failure,
  };
}

/** The columns of a partial update that are actually present, in a fixed order. */
export function resultAssignments(
  result: FractalResult,
): { column: string; value: string | number | null }[] {
  const out: { column: string; value: string | number | null }[] = [];
  for (const column of RESULT_COLUMNS) {
    const value = result[column];
    if (value !== undefined) out.push({ column, value });
  }
  return out;
}

/** Views (no copies) of the PNG, at least one so that an empty image is still "stored". */
export function chunksOf(png: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < png.length; offset += IMAGE_CHUNK_BYTES) {
    chunks.push(png.subarray(offset, offset + IMAGE_CHUNK_BYTES));
  }
  return chunks.length > 0 ? chunks : [png];
}

/** Rejects page numbers that would make a nonsensical or unsafe OFFSET. */
export function pageWindow(page: number, perPage: number): { limit: number; offset: number } {
  if (!Number.isSafeInteger(page) || page < 1)
    throw new RangeError(`page must be an integer ≥ 1, got ${page}`);
  if (!Number.isSafeInteger(perPage) || perPage < 1) {
    throw new RangeError(`perPage must be an integer ≥ 1, got ${perPage}`);
  }
  const offset = (page - 1) * perPage;
  if (!Number.isSafeInteger(offset)) throw new RangeError(`page ${page} × perPage ${perPage} is too large`);
  return { limit: perPage, offset };
}
