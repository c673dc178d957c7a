// The PostgreSQL driver (node-postgres, one pool per process), for a real PostgreSQL and for the
// local cloud's database node (PGlite served over TCP, which speaks the same protocol). The pool
// drops connections that broke and opens new ones on demand, so an API whose database went away
// answers "unavailable" meanwhile and recovers by itself when the server is back. The same holds at
// start: an API whose database server is not up yet (a cloud whose nodes boot together) starts, and
// creates the database and tables on the first request that reaches the server.
// Connection-level failures become DatabaseUnavailableError with the URL's password masked; data
// errors (other than a duplicate uuid) propagate as they are.
import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { redactUrl } from '../../shared/redact.ts';
import type { Fractal, FractalResult, NewFractal } from '../model.ts';
import { asDriverError, redactedDetail } from './driver-errors.ts';
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
  POSTGRES_SCHEMA,
  pageWindow,
  resultAssignments,
  rowToFractal,
} from './schema.ts';

export interface PostgresConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface PostgresOptions {
  /** Bound on each connection attempt, so a dead or firewalled server fails fast. */
  connectTimeoutMs?: number;
  max?: number;
}

export const POSTGRES_URL = /^(postgres|postgresql)(\+[a-z0-9_]+)?:\/\//i;

/** Parses `postgresql://user:pass@host:port/db` (also `postgres://…` and SQLAlchemy's `postgresql+psycopg2://…`). */
export function parsePostgresUrl(url: string): PostgresConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`Not a valid PostgreSQL URL: ${redactUrl(url)}`);
  }
  if (!/^(postgres|postgresql)(\+[a-z0-9_]+)?:$/i.test(u.protocol)) {
    throw new Error(
      `Not a PostgreSQL URL (expected postgresql://user:password@host:port/database): ${redactUrl(url)}`,
    );
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new Error(
      `The PostgreSQL URL must name one database (postgresql://user:password@host:port/database): ${redactUrl(url)}`,
    );
  }
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database,
  };
}

// SQLSTATE classes that mean "the server cannot serve now": connection exceptions (08), insufficient
// resources (53), operator intervention such as a shutdown (57), bad credentials (28) and a database
// that does not exist (3D).
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '28', '3D']);
// Node's socket errors, when no server answered at all.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
// node-postgres's own errors for a connection that broke or never opened carry no code.
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection error|Connection closed/i;
const UNIQUE_VIOLATION = '23505';
const INVALID_CATALOG_NAME = '3D000';
const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure
const TRANSACTION_ATTEMPTS = 6;
// One lock key for schema creation: two API nodes starting at once must not race on CREATE TABLE.
const SCHEMA_LOCK = 4_242_001;

function isUnavailable(error: unknown): boolean {
  const e = asDriverError(error);
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.severity !== undefined) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  if (NETWORK_CODES.has(code)) return true;
  if (Array.isArray(e.errors)) return e.errors.some(isUnavailable);
  return typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** One transaction on one connection; a deadlock or serialization failure is retried. */
async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError;
      });
      const code = asDriverError(error).code;
      if (attempt >= TRANSACTION_ATTEMPTS || !RETRYABLE.has(String(code))) throw error;
    } finally {
      // A connection that could not even roll back is dropped, not reused.
      client.release(broken instanceof Error ? broken : undefined);
    }
    await setTimeout(Math.random() * 20 * attempt);
  }
}

/**
 * Opens a pool and, when the server answers, creates the database (when missing and permitted) and
 * the tables. A server that cannot be reached yet is not an error here: every operation answers
 * DatabaseUnavailableError until it can, and the first that reaches it prepares the database.
 */
export async function openPostgresRepository(
  url: string,
  options: PostgresOptions = {},
): Promise<FractalRepository> {
  const target = parsePostgresUrl(url);
  const connection = {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
  };
  const pool = new pg.Pool({ ...connection, database: target.database, max: options.max ?? 10 });
  const prepare = async () => {
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      if (asDriverError(error).code !== INVALID_CATALOG_NAME) throw error;
      // The database is missing: create it from the maintenance database every server has.
      const admin = new pg.Client({ ...connection, database: 'postgres' });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(target.database)}`);
      } catch (createError) {
        // Another process created it meanwhile.
        if (asDriverError(createError).code !== '42P04') throw createError;
      } finally {
        await admin.end();
      }
    }
    await transaction(pool, async (client) => {
      // Two API nodes starting at once must not race on CREATE TABLE.
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      for (const statement of POSTGRES_SCHEMA) await client.query(statement);
    });
  };
  const repo = new PostgresRepository(pool, redactUrl(url), target.password, prepare);
  try {
    await repo.ping();
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) return repo;
    await repo.close();
    throw error;
  }
  return repo;
}

class PostgresRepository implements FractalRepository {
  private closed = false;
  /** Set once the database and tables are known to exist; cleared when preparing failed. */
  private prepared: Promise<void> | undefined;

  constructor(
    readonly pool: pg.Pool,
    private readonly shownUrl: string,
    private readonly password: string,
    private readonly prepare: () => Promise<void>,
  ) {
    // An idle connection whose server went away reports here; the pool has already dropped it,
    // and the next query opens a new one. Without a listener the error would end the process.
    pool.on('error', () => {});
  }

  /** Prepares the database once, then runs `work`; connection-level failures become DatabaseUnavailableError. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed)
      throw new DatabaseUnavailableError(`The PostgreSQL pool for ${this.shownUrl} is closed.`);
    try {
      this.prepared ??= this.prepare().catch((error: unknown) => {
        this.prepared = undefined;
        throw error;
      });
      await this.prepared;
      return await work();
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      const detail = redactedDetail(error, this.password);
      throw new DatabaseUnavailableError(`PostgreSQL at ${this.shownUrl} is unavailable: ${detail}`, {
        cause: error,
      });
    }
  }

  private async selectOne(uuid: string): Promise<Fractal | undefined> {
    const { rows } = await this.pool.query<FractalRow>(
      `SELECT ${FRACTAL_COLUMNS} FROM fractal WHERE uuid = $1`,
      [uuid],
    );
    return rows[0] && rowToFractal(rows[0]);
  }

  create(fractal: NewFractal): Promise<Fractal> {
    return this.guard(async () => {
      try {
        const { rows } = await this.pool.query<FractalRow>(
          `INSERT INTO fractal (uuid, width, height, iterations, xa, xb, ya, yb)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${FRACTAL_COLUMNS}`,
          [
            fractal.uuid,
            fractal.width,
            fractal.height,
            fractal.iterations,
            fractal.xa,
            fractal.xb,
            fractal.ya,
            fractal.yb,
          ],
        );
        return rowToFractal(rows[0]!);
      } catch (error) {
        if (asDriverError(error).code === UNIQUE_VIOLATION) throw new DuplicateFractalError(fractal.uuid);
        throw error;
      }
    });
  }

  get(uuid: string): Promise<Fractal | undefined> {
    return this.guard(() => this.selectOne(uuid));
  }

  async list(options: ListOptions): Promise<Page<Fractal>> {
    const { limit, offset } = pageWindow(options.page, options.perPage);
    const where = options.doneOnly ? 'WHERE checksum IS NOT NULL AND size IS NOT NULL' : '';
    // One statement, so the total and the items come from one snapshot; the count is a subquery run
    // once (a window COUNT(*) OVER () would sort every row to return ten).
    return this.guard(async () => {
      const { rows } = await this.pool.query<FractalRow & { total: string }>(
        `SELECT ${FRACTAL_COLUMNS}, (SELECT COUNT(*) FROM fractal ${where}) AS total FROM fractal ${where}
         ORDER BY uuid LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
      if (rows.length > 0) return { total: Number(rows[0]!.total), items: rows.map(rowToFractal) };
      // Past the last page the window is empty: count separately.
      const counted = await this.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM fractal ${where}`);
      return { total: Number(counted.rows[0]?.n ?? 0), items: [] };
    });
  }

  update(uuid: string, result: FractalResult): Promise<Fractal | undefined> {
    const assignments = resultAssignments(result);
    if (assignments.length === 0) return this.get(uuid);
    return this.guard(async () => {
      // Column names come from RESULT_COLUMNS only; values are bound.
      const sets = assignments.map((a, i) => `${a.column} = $${i + 1}`).join(', ');
      const { rows } = await this.pool.query<FractalRow>(
        `UPDATE fractal SET ${sets} WHERE uuid = $${assignments.length + 1} RETURNING ${FRACTAL_COLUMNS}`,
        [...assignments.map((a) => a.value), uuid],
      );
      return rows[0] && rowToFractal(rows[0]);
    });
  }

  /** Serialises writers of one fractal's image, whether or not its row exists. */
  private lockImage(client: pg.PoolClient, uuid: string): Promise<unknown> {
    return client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [uuid]);
  }

  delete(uuid: string): Promise<boolean> {
    return this.guard(() =>
      transaction(this.pool, async (client) => {
        await this.lockImage(client, uuid);
        await client.query('DELETE FROM fractal_image_chunk WHERE uuid = $1', [uuid]);
        const result = await client.query('DELETE FROM fractal WHERE uuid = $1', [uuid]);
        return (result.rowCount ?? 0) > 0;
      }),
    );
  }

  putImage(uuid: string, png: Buffer): Promise<void> {
    return this.guard(() =>
      transaction(this.pool, async (client) => {
        await this.lockImage(client, uuid);
        await client.query('DELETE FROM fractal_image_chunk WHERE uuid = $1', [uuid]);
        // One chunk per statement keeps each message a few MB.
        let seq = 0;
        for (const chunk of chunksOf(png)) {
          await client.query('INSERT INTO fractal_image_chunk (uuid, seq, data) VALUES ($1, $2, $3)', [
            uuid,
            seq++,
            chunk,
          ]);
        }
      }),
    );
  }

  getImage(uuid: string): Promise<Buffer | undefined> {
    return this.guard(async () => {
      const { rows } = await this.pool.query<{ data: Buffer }>(
        'SELECT data FROM fractal_image_chunk WHERE uuid = $1 ORDER BY seq',
        [uuid],
      );
      if (rows.length === 0) return undefined;
      return rows.length === 1 ? rows[0]!.data : Buffer.concat(rows.map((row) => row.data));
    });
  }

  deleteImage(uuid: string): Promise<void> {
    return this.guard(async () => {
      await this.pool.query('DELETE FROM fractal_image_chunk WHERE uuid = $1', [uuid]);
    });
  }

  ping(): Promise<void> {
    return this.guard(async () => {
      await this.pool.query('SELECT 1');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
