// One behaviour suite, run against every driver: whatever the API sees must not depend on the
// database URL. SQLite uses a temp file; MySQL and PostgreSQL a fresh database per test, dropped
// afterwards; PGlite (the local cloud's database node) a fresh server on a free port per test.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRepository, sqlitePathOf } from '../../src/faafo/db/open.ts';
import {
  DatabaseUnavailableError,
  DuplicateFractalError,
  type FractalRepository,
} from '../../src/faafo/db/repository.ts';
import { IMAGE_CHUNK_BYTES } from '../../src/faafo/db/schema.ts';
import type { NewFractal } from '../../src/faafo/model.ts';
import { startPgServer } from '../../src/pgserve/server.ts';
import { mysqlAvailable, postgresAvailable, TEST_MYSQL_URL, TEST_POSTGRES_URL } from '../helpers/services.ts';

interface Engine {
  name: string;
  run: boolean;
  /** Opens a fresh, empty repository; returns it with a cleanup. */
  open(): Promise<{ repo: FractalRepository; cleanup: () => Promise<void> }>;
}

function urlFor(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    run: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'faafo-repo-'));
      // A subdirectory that does not exist yet: openRepository must create it.
      const repo = await openRepository(`sqlite:///${join(dir, 'sub', 'faafo.db')}`);
      return {
        repo,
        cleanup: async () => {
          await repo.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'mysql',
    run: await mysqlAvailable(),
    async open() {
      const database = `faafo_test_${randomBytes(6).toString('hex')}`;
      // The database does not exist yet: openRepository must create it.
      const repo = await openRepository(
        urlFor(TEST_MYSQL_URL, database).replace(/^mysql:/, 'mysql+pymysql:'),
      );
      return {
        repo,
        cleanup: async () => {
          await repo.close();
          const admin = await mysql.createConnection(TEST_MYSQL_URL);
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeId(database)}`);
          } finally {
            await admin.end();
          }
        },
      };
    },
  },
  {
    name: 'PGlite over TCP',
    run: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'faafo-pglite-'));
      const server = await startPgServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'pgdata') });
      const repo = await openRepository(`postgresql://faafo:password@127.0.0.1:${server.port}/faafo`);
      return {
        repo,
        cleanup: async () => {
          await repo.close();
          await server.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgresql',
    run: await postgresAvailable(),
    async open() {
      const database = `faafo_test_${randomBytes(6).toString('hex')}`;
      // The database does not exist yet: openRepository must create it.
      const repo = await openRepository(urlFor(TEST_POSTGRES_URL, database));
      return {
        repo,
        cleanup: async () => {
          await repo.close();
          const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
          await admin.connect();
          try {
            await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
          } finally {
            await admin.end();
          }
        },
      };
    },
  },
];

function newFractal(overrides: Partial<NewFractal> = {}): NewFractal {
  return {
    uuid: randomUUID(),
    width: 640,
    height: 480,
    iterations: 512,
    // Values a single-precision FLOAT would round: they must come back bit for bit.
    xa: -1.7748858838912345,
    xb: 1.0000000000000002,
    ya: -0.1 - 0.2,
    yb: Math.PI,
    ...overrides,
  };
}

for (const engine of engines) {
  describe.skipIf(!engine.run)(`FractalRepository on ${engine.name}`, () => {
    let repo: FractalRepository;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ repo, cleanup } = await engine.open());
    });
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('creates a pending fractal and reads it back with every field, floats exact', async () => {
      const input = newFractal();
      const created = await repo.create(input);
      const expected = {
        ...input,
        checksum: null,
        url: null,
        duration: null,
        size: null,
        generated_by: null,
        failure: null,
        state: 'pending',
      };
      expect(created).toEqual(expected);
      const got = await repo.get(input.uuid);
      expect(got).toEqual(expected);
      expect(Object.is(got?.xa, input.xa) && Object.is(got?.ya, input.ya)).toBe(true);
      expect(await repo.get(randomUUID())).toBeUndefined();
    });

    it('moves pending → done when checksum and size are set', async () => {
      const { uuid } = await repo.create(newFractal());
      const partial = await repo.update(uuid, { duration: 1.2345678901234567, generated_by: 'worker-1' });
      expect(partial).toMatchObject({
        state: 'pending',
        duration: 1.2345678901234567,
        generated_by: 'worker-1',
      });
      const done = await repo.update(uuid, { checksum: 'a'.repeat(64), size: 123_456 });
      expect(done).toMatchObject({
        state: 'done',
        checksum: 'a'.repeat(64),
        size: 123_456,
        duration: 1.2345678901234567,
        generated_by: 'worker-1',
        failure: null,
      });
      expect(await repo.get(uuid)).toEqual(done);
    });

    it('moves pending → failed when a failure is reported', async () => {
      const { uuid } = await repo.create(newFractal());
      const failed = await repo.update(uuid, {
        failure: 'render crashed: out of memory',
        generated_by: 'w2',
      });
      expect(failed).toMatchObject({
        state: 'failed',
        failure: 'render crashed: out of memory',
        checksum: null,
      });
      // An empty update changes nothing and still returns the record.
      expect(await repo.update(uuid, {})).toEqual(failed);
    });

    it('rejects a duplicate uuid with DuplicateFractalError and keeps the first', async () => {
      const first = await repo.create(newFractal());
      await expect(repo.create(newFractal({ uuid: first.uuid, width: 1 }))).rejects.toBeInstanceOf(
        DuplicateFractalError,
      );
      expect(await repo.get(first.uuid)).toEqual(first);
    });

    it('lists by uuid with stable pages, an empty page past the end, and the total', async () => {
      expect(await repo.list({ page: 1, perPage: 10 })).toEqual({ total: 0, items: [] });
      const uuids = Array.from({ length: 7 }, () => randomUUID());
      for (const uuid of uuids) await repo.create(newFractal({ uuid }));
      const sorted = [...uuids].sort();

      const page1 = await repo.list({ page: 1, perPage: 3 });
      const page2 = await repo.list({ page: 2, perPage: 3 });
      const page3 = await repo.list({ page: 3, perPage: 3 });
      const page4 = await repo.list({ page: 4, perPage: 3 });
      expect(page1.total).toBe(7);
      expect([page1, page2, page3].flatMap((p) => p.items.map((f) => f.uuid))).toEqual(sorted);
      expect(page3.items).toHaveLength(1);
      expect(page4).toEqual({ total: 7, items: [] });
      await expect(repo.list({ page: 0, perPage: 3 })).rejects.toBeInstanceOf(RangeError);
    });

    it('filters to finished fractals with doneOnly', async () => {
      const pending = await repo.create(newFractal());
      const failed = await repo.create(newFractal());
      const halfDone = await repo.create(newFractal());
      const done = await repo.create(newFractal());
      await repo.update(failed.uuid, { failure: 'boom' });
      await repo.update(halfDone.uuid, { checksum: 'c'.repeat(64) });
      await repo.update(done.uuid, { checksum: 'd'.repeat(64), size: 10 });

      const page = await repo.list({ page: 1, perPage: 10, doneOnly: true });
      expect(page.total).toBe(1);
      expect(page.items.map((f) => f.uuid)).toEqual([done.uuid]);
      expect((await repo.list({ page: 1, perPage: 10 })).total).toBe(4);
      expect(pending.state).toBe('pending');
    });

    it('returns undefined when updating an unknown uuid', async () => {
      expect(await repo.update(randomUUID(), { checksum: 'x', size: 1 })).toBeUndefined();
      expect(await repo.update(randomUUID(), {})).toBeUndefined();
    });

    it('deletes once: true, then false', async () => {
      const { uuid } = await repo.create(newFractal());
      expect(await repo.delete(uuid)).toBe(true);
      expect(await repo.delete(uuid)).toBe(false);
      expect(await repo.get(uuid)).toBeUndefined();
    });

    it('stores two different fractals whose images have the same checksum', async () => {
      const checksum = 'e'.repeat(64);
      const a = await repo.create(newFractal());
      const b = await repo.create(newFractal());
      await repo.update(a.uuid, { checksum, size: 42 });
      await repo.update(b.uuid, { checksum, size: 42 });
      const page = await repo.list({ page: 1, perPage: 10, doneOnly: true });
      expect(page.total).toBe(2);
      expect(page.items.every((f) => f.checksum === checksum)).toBe(true);
    });

    it('round-trips a small image, an empty one and one of exactly one chunk', async () => {
      const { uuid } = await repo.create(newFractal());
      expect(await repo.getImage(uuid)).toBeUndefined();
      const small = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
      await repo.putImage(uuid, small);
      expect(await repo.getImage(uuid)).toEqual(small);
      await repo.putImage(uuid, Buffer.alloc(0));
      expect(await repo.getImage(uuid)).toEqual(Buffer.alloc(0));
      const oneChunk = randomBytes(IMAGE_CHUNK_BYTES);
      await repo.putImage(uuid, oneChunk);
      expect((await repo.getImage(uuid))?.equals(oneChunk)).toBe(true);
      await repo.deleteImage(uuid);
      expect(await repo.getImage(uuid)).toBeUndefined();
    });

    it('round-trips a ~40 MB image (over max_allowed_packet) and replaces it whole', async () => {
      const { uuid } = await repo.create(newFractal());
      const big = randomBytes(40 * 1024 * 1024 + 12_345);
      await repo.putImage(uuid, big);
      expect((await repo.getImage(uuid))?.equals(big)).toBe(true);
      // A smaller replacement leaves none of the old chunks behind.
      const small = randomBytes(1000);
      await repo.putImage(uuid, small);
      expect(await repo.getImage(uuid)).toEqual(small);
    });

    it('keeps one whole image when several puts race on the same uuid', async () => {
      const { uuid } = await repo.create(newFractal());
      const images = Array.from({ length: 4 }, () => randomBytes(IMAGE_CHUNK_BYTES + 100));
      await Promise.all(images.map((png) => repo.putImage(uuid, png)));
      const stored = await repo.getImage(uuid);
      expect(images.some((png) => stored?.equals(png))).toBe(true);
    });

    it('deleting a fractal deletes its image', async () => {
      const { uuid } = await repo.create(newFractal());
      await repo.putImage(uuid, randomBytes(IMAGE_CHUNK_BYTES + 1));
      expect(await repo.delete(uuid)).toBe(true);
      expect(await repo.getImage(uuid)).toBeUndefined();
    });

    it('lands all of 200 concurrent creates', async () => {
      const inputs = Array.from({ length: 200 }, () => newFractal());
      const created = await Promise.all(inputs.map((f) => repo.create(f)));
      expect(created).toHaveLength(200);
      const page = await repo.list({ page: 1, perPage: 500 });
      expect(page.total).toBe(200);
      expect(page.items.map((f) => f.uuid)).toEqual(inputs.map((f) => f.uuid).sort());
    });

    it('answers ping', async () => {
      await expect(repo.ping()).resolves.toBeUndefined();
    });
  });
}

/** A port nobody listens on: bind an ephemeral one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('opening a database', () => {
  it('throws DatabaseUnavailableError without the password when MySQL is not listening', async () => {
    const port = await closedPort();
    const url = `mysql://faafo:s3cr3t-pa55@127.0.0.1:${port}/faafo`;
    const started = Date.now();
    const error = await openRepository(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('s3cr3t-pa55');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('opens PostgreSQL before its server is up: unavailable (no password) until it is, then works', async () => {
    const port = await closedPort();
    const url = `postgresql://faafo:s3cr3t-pa55@127.0.0.1:${port}/faafo`;
    const started = Date.now();
    // A database node still booting is not an error at start: the API comes up and answers 503.
    const repo = await openRepository(url);
    try {
      const error = await repo.list({ page: 1, perPage: 10 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      expect((error as Error).message).not.toContain('s3cr3t-pa55');
      expect(Date.now() - started).toBeLessThan(10_000);
      // The server comes up: the same repository creates the tables and serves, no reopen.
      const dir = mkdtempSync(join(tmpdir(), 'faafo-pglite-late-'));
      const server = await startPgServer({ host: '127.0.0.1', port, dataDir: join(dir, 'pgdata') });
      try {
        const created = await repo.create(newFractal());
        expect(await repo.list({ page: 1, perPage: 10 })).toEqual({ total: 1, items: [created] });
        // It goes away again, and comes back on the same files: unavailable, then the same data.
        await server.close();
        await expect(repo.get(created.uuid)).rejects.toBeInstanceOf(DatabaseUnavailableError);
        const again = await startPgServer({ host: '127.0.0.1', port, dataDir: join(dir, 'pgdata') });
        try {
          expect(await repo.get(created.uuid)).toEqual(created);
        } finally {
          await repo.close();
          await again.close();
        }
      } finally {
        await repo.close();
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await repo.close();
    }
  });

  it('rejects an unknown scheme naming the accepted forms, password masked', async () => {
    const error = await openRepository('mssql://faafo:s3cr3t-pa55@db/faafo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/sqlite:\/\/\/.*mysql:\/\/.*postgresql:\/\//);
    expect((error as Error).message).not.toContain('s3cr3t-pa55');
  });

  it('maps SQLAlchemy sqlite URLs to paths', () => {
    expect(sqlitePathOf('sqlite:////tmp/sqlite.db')).toBe('/tmp/sqlite.db');
    expect(sqlitePathOf('sqlite:///data/faafo.db')).toBe('data/faafo.db');
    expect(sqlitePathOf('sqlite:///:memory:')).toBe(':memory:');
    expect(sqlitePathOf('mysql://a:b@c/d')).toBeUndefined();
  });

  it('opens an in-memory SQLite database', async () => {
    const repo = await openRepository('sqlite:///:memory:');
    const created = await repo.create(newFractal());
    expect(await repo.get(created.uuid)).toEqual(created);
    await repo.close();
    await expect(repo.get(created.uuid)).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});
