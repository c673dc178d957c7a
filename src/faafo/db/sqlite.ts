// The SQLite driver (better-sqlite3). The library is synchronous; the async methods only adapt it
// to the interface, and each call runs to completion before the next, so there are no races
// inside one process. WAL plus a busy timeout lets a second process (another API) share the file.
import Database from 'better-sqlite3';
import { redactText } from '../../shared/redact.ts';
import type { Fractal, FractalResult, NewFractal } from '../model.ts';
import {
  DatabaseUnavailableError,
  DuplicateFractalError,
  type FractalRepository,
  type ListOptions,
  type Page,
} from './repository.ts';
import {
  chunksOf,
  FRACTAL_COLUMNS,
  type FractalRow,
  pageWindow,
  resultAssignments,
  rowToFractal,
  SQLITE_SCHEMA,
} from './schema.ts';

export interface SqliteOptions {
  /** How long a write waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

// Errors that say "the database cannot serve now", not "your data is wrong".
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|READONLY|FULL|IOERR|CORRUPT|NOTADB|PERM|AUTH|NOMEM)/;

/** Opens (creating if needed) the database file at `path`, or an in-memory one for ':memory:'. */
export function openSqliteRepository(path: string, options: SqliteOptions = {}): FractalRepository {
  let db: Database.Database;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    // Safe with WAL: a crash may lose the last commits but never corrupts the file.
    db.pragma('synchronous = NORMAL');
    for (const statement of SQLITE_SCHEMA) db.exec(statement);
  } catch (error) {
    throw new DatabaseUnavailableError(`Cannot open SQLite database ${path}: ${describe(error)}`, {
      cause: error,
    });
  }
  return new SqliteRepository(db);
}

function describe(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

class SqliteRepository implements FractalRepository {
  private readonly insert;
  private readonly selectOne;
  private readonly deleteRow;
  private readonly insertChunk;
  private readonly selectChunks;
  private readonly deleteChunks;
  private readonly replaceImage;
  private readonly deleteFractal;
  private readonly listPage;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare<NewFractal, FractalRow>(
      `INSERT INTO fractal (uuid, width, height, iterations, xa, xb, ya, yb)
       VALUES (@uuid, @width, @height, @iterations, @xa, @xb, @ya, @yb)
       RETURNING ${FRACTAL_COLUMNS}`,
    );
    this.selectOne = db.prepare<[string], FractalRow>(
      `SELECT ${FRACTAL_COLUMNS} FROM fractal WHERE uuid = ?`,
    );
    this.deleteRow = db.prepare<[string]>('DELETE FROM fractal WHERE uuid = ?');
    this.insertChunk = db.prepare<[string, number, Buffer]>(
      'INSERT INTO fractal_image_chunk (uuid, seq, data) VALUES (?, ?, ?)',
    );
    this.selectChunks = db.prepare<[string], { data: Buffer }>(
      'SELECT data FROM fractal_image_chunk WHERE uuid = ? ORDER BY seq',
    );
    this.deleteChunks = db.prepare<[string]>('DELETE FROM fractal_image_chunk WHERE uuid = ?');
    this.replaceImage = db.transaction((uuid: string, png: Buffer) => {
      this.deleteChunks.run(uuid);
      let seq = 0;
      for (const chunk of chunksOf(png)) this.insertChunk.run(uuid, seq++, chunk);
    });
    this.deleteFractal = db.transaction((uuid: string) => {
      this.deleteChunks.run(uuid);
      return this.deleteRow.run(uuid).changes > 0;
    });
    const count = {
      all: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM fractal'),
      done: db.prepare<[], { n: number }>(
        'SELECT COUNT(*) AS n FROM fractal WHERE checksum IS NOT NULL AND size IS NOT NULL',
      ),
    };
    const items = {
      all: db.prepare<[number, number], FractalRow>(
        `SELECT ${FRACTAL_COLUMNS} FROM fractal ORDER BY uuid LIMIT ? OFFSET ?`,
      ),
      done: db.prepare<[number, number], FractalRow>(
        `SELECT ${FRACTAL_COLUMNS} FROM fractal WHERE checksum IS NOT NULL AND size IS NOT NULL
         ORDER BY uuid LIMIT ? OFFSET ?`,
      ),
    };
    // One read transaction, so total and items describe the same snapshot.
    this.listPage = db.transaction((doneOnly: boolean, limit: number, offset: number): Page<Fractal> => {
      const which = doneOnly ? 'done' : 'all';
      const total = count[which].get()?.n ?? 0;
      return { total, items: items[which].all(limit, offset).map(rowToFractal) };
    });
  }

  /** Runs one synchronous operation, translating driver errors into the interface's errors. */
  private run<T>(operation: () => T): T {
    if (!this.db.open) throw new DatabaseUnavailableError('The SQLite database is closed.');
    try {
      return operation();
    } catch (error) {
      if (UNAVAILABLE_CODES.test(codeOf(error))) {
        throw new DatabaseUnavailableError(`SQLite: ${describe(error)}`, { cause: error });
      }
      throw error;
    }
  }

  async create(fractal: NewFractal): Promise<Fractal> {
    return this.run(() => {
      try {
        const row = this.insert.get({
          uuid: fractal.uuid,
          width: fractal.width,
          height: fractal.height,
          iterations: fractal.iterations,
          xa: fractal.xa,
          xb: fractal.xb,
          ya: fractal.ya,
          yb: fractal.yb,
        });
        if (!row) throw new Error(`INSERT … RETURNING gave no row for ${fractal.uuid}`);
        return rowToFractal(row);
      } catch (error) {
        if (codeOf(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateFractalError(fractal.uuid);
        throw error;
      }
    });
  }

  async get(uuid: string): Promise<Fractal | undefined> {
    return this.run(() => {
      const row = this.selectOne.get(uuid);
      return row && rowToFractal(row);
    });
  }

  async list(options: ListOptions): Promise<Page<Fractal>> {
    const { limit, offset } = pageWindow(options.page, options.perPage);
    return this.run(() => this.listPage(options.doneOnly ?? false, limit, offset));
  }

  async update(uuid: string, result: FractalResult): Promise<Fractal | undefined> {
    const assignments = resultAssignments(result);
    if (assignments.length === 0) return this.get(uuid);
    return this.run(() => {
      // Column names come from RESULT_COLUMNS only; values are bound.
      const row = this.db
        .prepare<unknown[], FractalRow>(
          `UPDATE fractal SET ${assignments.map((a) => `${a.column} = ?`).join(', ')}
           WHERE uuid = ? RETURNING ${FRACTAL_COLUMNS}`,
        )
        .get(...assignments.map((a) => a.value), uuid);
      return row && rowToFractal(row);
    });
  }

  async delete(uuid: string): Promise<boolean> {
    return this.run(() => this.deleteFractal(uuid));
  }

  async putImage(uuid: string, png: Buffer): Promise<void> {
    this.run(() => this.replaceImage(uuid, png));
  }

  async getImage(uuid: string): Promise<Buffer | undefined> {
    return this.run(() => {
      const chunks = this.selectChunks.all(uuid);
      if (chunks.length === 0) return undefined;
      return chunks.length === 1 ? chunks[0]!.data : Buffer.concat(chunks.map((c) => c.data));
    });
  }

  async deleteImage(uuid: string): Promise<void> {
    this.run(() => this.deleteChunks.run(uuid));
  }

  async ping(): Promise<void> {
    this.run(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
