// `--database-url` → a repository. The URL forms are SQLAlchemy's, so the original faafo's
// config files and installer flags (`sqlite:////tmp/sqlite.db`, `mysql+pymysql://…`) keep working;
// `postgresql://…` reaches a PostgreSQL (or the local cloud's PGlite database node).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { redactUrl } from '../../shared/redact.ts';
import { openMysqlRepository } from './mysql.ts';
import { openPostgresRepository, POSTGRES_URL } from './postgres.ts';
import { DatabaseUnavailableError, type FractalRepository } from './repository.ts';
import { openSqliteRepository } from './sqlite.ts';

const ACCEPTED_FORMS = [
  'sqlite:///relative/path.db',
  'sqlite:////absolute/path.db',
  'sqlite:///:memory:',
  'mysql://user:password@host:port/database (also mysql+pymysql://…)',
  'postgresql://user:password@host:port/database (also postgres://…)',
].join(', ');

/**
 * The SQLite file path a `sqlite:` URL names, ':memory:' for an in-memory database, or undefined
 * when the URL is not a SQLite one. As in SQLAlchemy, three slashes start a relative path and
 * four an absolute one; a bare `sqlite://` is in-memory.
 */
export function sqlitePathOf(databaseUrl: string): string | undefined {
  if (databaseUrl === 'sqlite://' || databaseUrl === 'sqlite:///:memory:') return ':memory:';
  if (!databaseUrl.startsWith('sqlite:///')) return undefined;
  const path = databaseUrl.slice('sqlite:///'.length);
  return path === '' ? undefined : path;
}

export async function openRepository(databaseUrl: string): Promise<FractalRepository> {
  const sqlitePath = sqlitePathOf(databaseUrl);
  if (sqlitePath === ':memory:') return openSqliteRepository(':memory:');
  if (sqlitePath !== undefined) {
    const file = resolve(sqlitePath);
    // The default lives under ~/.local/share/faafo-tutor, which may not exist yet.
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DatabaseUnavailableError(`Cannot create the directory for ${file}: ${reason}`, {
        cause: error,
      });
    }
    return openSqliteRepository(file);
  }
  if (/^(mysql|mariadb)(\+[a-z0-9_]+)?:\/\//i.test(databaseUrl)) return openMysqlRepository(databaseUrl);
  if (POSTGRES_URL.test(databaseUrl)) return openPostgresRepository(databaseUrl);
  throw new Error(`Unsupported database URL ${redactUrl(databaseUrl)}; use one of: ${ACCEPTED_FORMS}`);
}
