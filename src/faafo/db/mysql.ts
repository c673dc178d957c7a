// The MySQL/MariaDB driver (mysql2/promise, one pool per process). Statements go through
// `execute` (the binary protocol), so DOUBLE columns come back as the exact 8-byte values
// instead of being re-parsed from text. Connection-level failures become DatabaseUnavailableError
// with the URL's password masked; data errors (other than a duplicate uuid) propagate as they are.
import { setTimeout } from 'node:timers/promises';
import mysql, {
  type Pool,
  type PoolConnection,
  type ResultSetHeader,
  type RowDataPacket,
} from 'mysql2/promise';
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
  MYSQL_SCHEMA,
  pageWindow,
  resultAssignments,
  rowToFractal,
} from './schema.ts';

export interface MysqlConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** From `?unix_socket=` (the SQLAlchemy/PyMySQL spelling); replaces host and port. */
  socketPath?: string;
}

export interface MysqlOptions {
  /** Bound on each connection attempt, so a dead or firewalled server fails fast. */
  connectTimeoutMs?: number;
  connectionLimit?: number;
}

/**
 * Parses `mysql://user:pass@host:port/db` (also `mysql+pymysql://…`, the original installer's
 * SQLAlchemy form, and `mariadb://…`). Query parameters other than `unix_socket` (e.g. the
 * SQLAlchemy `charset=utf8`) are ignored: the connection is always utf8mb4.
 */
export function parseMysqlUrl(url: string): MysqlConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`Not a valid MySQL URL: ${redactUrl(url)}`);
  }
  if (!/^(mysql|mariadb)(\+[a-z0-9_]+)?:$/i.test(u.protocol)) {
    throw new Error(`Not a MySQL URL (expected mysql://user:password@host:port/database): ${redactUrl(url)}`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new Error(
      `The MySQL URL must name one database (mysql://user:password@host:port/database): ${redactUrl(url)}`,
    );
  }
  const socketPath = u.searchParams.get('unix_socket') ?? undefined;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database,
    ...(socketPath ? { socketPath } : {}),
  };
}

// Server and network conditions (mysql2 `code`s), as opposed to problems with the data sent.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT', // a unix socket that is not there
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_HOST_IS_BLOCKED',
  'ER_HOST_NOT_PRIVILEGED',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_OPTION_PREVENTS_STATEMENT',
  'ER_READ_ONLY_MODE',
  'ER_NET_PACKET_TOO_LARGE',
  'ER_DISK_FULL',
  'ER_RECORD_FILE_FULL',
  'ER_OUT_OF_RESOURCES',
  'ER_CANT_CREATE_THREAD',
]);
const ER_BAD_DB_ERROR = 1049;
const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;
const TRANSACTION_ATTEMPTS = 6;

function isUnavailable(error: unknown): boolean {
  const e = asDriverError(error);
  return e.fatal === true || UNAVAILABLE_CODES.has(String(e.code));
}

/** Opens a pool, creating the database (when missing and permitted) and the tables. */
export async function openMysqlRepository(
  url: string,
  options: MysqlOptions = {},
): Promise<FractalRepository> {
  const target = parseMysqlUrl(url);
  const connection = {
    ...(target.socketPath ? { socketPath: target.socketPath } : { host: target.host, port: target.port }),
    user: target.user,
    password: target.password,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    charset: 'UTF8MB4_UNICODE_CI',
    enableKeepAlive: true,
  };
  const repo = new MysqlRepository(
    mysql.createPool({
      ...connection,
      database: target.database,
      connectionLimit: options.connectionLimit ?? 10,
    }),
    redactUrl(url),
    target.password,
  );
  try {
    await repo.guard(async () => {
      try {
        await repo.pool.query('SELECT 1');
      } catch (error) {
        if (asDriverError(error).errno !== ER_BAD_DB_ERROR) throw error;
        // The database is missing: create it with a connection that names none.
        const admin = await mysql.createConnection(connection);
        try {
          await admin.query(
            `CREATE DATABASE IF NOT EXISTS ${admin.escapeId(target.database)} CHARACTER SET utf8mb4`,
          );
        } finally {
          await admin.end();
        }
      }
      for (const statement of MYSQL_SCHEMA) await repo.pool.query(statement);
    });
  } catch (error) {
    await repo.close();
    throw error;
  }
  return repo;
}

class MysqlRepository implements FractalRepository {
  private closed = false;

  constructor(
    readonly pool: Pool,
    private readonly shownUrl: string,
    private readonly password: string,
  ) {}

  /** Runs `work`, turning connection-level failures into DatabaseUnavailableError. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new DatabaseUnavailableError(`The MySQL pool for ${this.shownUrl} is closed.`);
    try {
      return await work();
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      const detail = redactedDetail(error, this.password);
      throw new DatabaseUnavailableError(`MySQL at ${this.shownUrl} is unavailable: ${detail}`, {
        cause: error,
      });
    }
  }

  /**
   * One transaction on one connection. A deadlock (InnoDB rolled this one back; the work is
   * idempotent) is retried after a short random pause, so racing writers stop colliding.
   */
  private async transaction<T>(work: (conn: PoolConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.pool.getConnection();
      try {
        await conn.beginTransaction();
        const result = await work(conn);
        await conn.commit();
        return result;
      } catch (error) {
        await conn.rollback().catch(() => {});
        if (attempt >= TRANSACTION_ATTEMPTS || asDriverError(error).errno !== ER_LOCK_DEADLOCK) throw error;
      } finally {
        conn.release();
      }
      await setTimeout(Math.random() * 20 * attempt);
    }
  }

  private async selectOne(uuid: string): Promise<Fractal | undefined> {
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      `SELECT ${FRACTAL_COLUMNS} FROM fractal WHERE uuid = ?`,
      [uuid],
    );
    const row = rows[0] as FractalRow | undefined;
    return row && rowToFractal(row);
  }

  create(fractal: NewFractal): Promise<Fractal> {
    return this.guard(async () => {
      try {
        await this.pool.execute(
          'INSERT INTO fractal (uuid, width, height, iterations, xa, xb, ya, yb) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
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
      } catch (error) {
        if (asDriverError(error).errno === ER_DUP_ENTRY) throw new DuplicateFractalError(fractal.uuid);
        throw error;
      }
      // Read back what was stored, as SQLite's RETURNING does (MySQL has no RETURNING).
      const stored = await this.selectOne(fractal.uuid);
      if (!stored) throw new Error(`Fractal ${fractal.uuid} vanished right after its INSERT`);
      return stored;
    });
  }

  get(uuid: string): Promise<Fractal | undefined> {
    return this.guard(() => this.selectOne(uuid));
  }

  async list(options: ListOptions): Promise<Page<Fractal>> {
    const { limit, offset } = pageWindow(options.page, options.perPage);
    const where = options.doneOnly ? 'WHERE checksum IS NOT NULL AND size IS NOT NULL' : '';
    // LIMIT/OFFSET are validated integers spliced in: mysql2 binds numbers as DOUBLE, which
    // MySQL 8 rejects there. One transaction so total and items come from one snapshot.
    return this.guard(() =>
      this.transaction(async (conn) => {
        const [counted] = await conn.execute<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM fractal ${where}`);
        const [rows] = await conn.execute<RowDataPacket[]>(
          `SELECT ${FRACTAL_COLUMNS} FROM fractal ${where} ORDER BY uuid LIMIT ${limit} OFFSET ${offset}`,
        );
        return { total: Number(counted[0]?.n ?? 0), items: (rows as FractalRow[]).map(rowToFractal) };
      }),
    );
  }

  update(uuid: string, result: FractalResult): Promise<Fractal | undefined> {
    const assignments = resultAssignments(result);
    return this.guard(async () => {
      if (assignments.length > 0) {
        // Column names come from RESULT_COLUMNS only; values are bound.
        await this.pool.execute(
          `UPDATE fractal SET ${assignments.map((a) => `${a.column} = ?`).join(', ')} WHERE uuid = ?`,
          [...assignments.map((a) => a.value), uuid],
        );
      }
      return this.selectOne(uuid);
    });
  }

  delete(uuid: string): Promise<boolean> {
    return this.guard(() =>
      this.transaction(async (conn) => {
        await conn.execute('SELECT uuid FROM fractal WHERE uuid = ? FOR UPDATE', [uuid]);
        await conn.execute('DELETE FROM fractal_image_chunk WHERE uuid = ?', [uuid]);
        const [result] = await conn.execute<ResultSetHeader>('DELETE FROM fractal WHERE uuid = ?', [uuid]);
        return result.affectedRows > 0;
      }),
    );
  }

  putImage(uuid: string, png: Buffer): Promise<void> {
    return this.guard(() =>
      this.transaction(async (conn) => {
        // Lock the fractal's row first: puts and deletes of one fractal then queue up instead
        // of deadlocking on the chunk table's gap locks.
        await conn.execute('SELECT uuid FROM fractal WHERE uuid = ? FOR UPDATE', [uuid]);
        await conn.execute('DELETE FROM fractal_image_chunk WHERE uuid = ?', [uuid]);
        // One chunk per statement: each packet stays under max_allowed_packet.
        let seq = 0;
        for (const chunk of chunksOf(png)) {
          await conn.execute('INSERT INTO fractal_image_chunk (uuid, seq, data) VALUES (?, ?, ?)', [
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
      const [rows] = await this.pool.execute<RowDataPacket[]>(
        'SELECT data FROM fractal_image_chunk WHERE uuid = ? ORDER BY seq',
        [uuid],
      );
      if (rows.length === 0) return undefined;
      const chunks = rows.map((row) => row.data as Buffer);
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    });
  }

  deleteImage(uuid: string): Promise<void> {
    return this.guard(async () => {
      await this.pool.execute('DELETE FROM fractal_image_chunk WHERE uuid = ?', [uuid]);
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
