// The database node's fresh cluster, cached (src/pgserve/initdb-cache.ts): the first new data dir
// runs initdb and leaves the cluster in the cache; the next new one is loaded from it, empty of what
// the first has since stored; a cache that cannot be loaded or written costs only time. And the
// `pgserve` command says which of the three it did.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initdbCacheFile, openCluster, pgliteVersion } from '../../src/pgserve/initdb-cache.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pgserve-initdb-cache-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const tables = async (db: Awaited<ReturnType<typeof openCluster>>['db']) =>
  (
    await db.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'")
  ).rows.map((r) => r.tablename);

describe('the initdb cache', () => {
  it('is named after the installed PGlite, so another version never loads it', () => {
    expect(pgliteVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(initdbCacheFile('/c', '0.4.6')).toBe('/c/pglite-0.4.6-initdb.tar');
  });

  it('first initdb fills it; the next new cluster loads it, fresh; a cluster there is kept', async () => {
    const cache = join(dir, 'one', 'cache.tar');
    const first = await openCluster(join(dir, 'one', 'a'), cache);
    expect(first.origin).toBe('initdb');
    expect(first.cacheProblem).toBeUndefined();
    expect(statSync(cache).size).toBeGreaterThan(1_000_000);
    await first.db.exec('create table fractals (uuid text primary key); insert into fractals values ($$x$$)');
    await first.db.close();

    const second = await openCluster(join(dir, 'one', 'b'), cache);
    expect(second.origin).toBe('cache');
    expect(await tables(second.db)).toEqual([]);
    await second.db.exec('create table kept (n int); insert into kept values (7)');
    await second.db.close();

    const again = await openCluster(join(dir, 'one', 'b'), cache);
    expect(again.origin).toBe('existing');
    expect((await again.db.query<{ n: number }>('select n from kept')).rows).toEqual([{ n: 7 }]);
    await again.db.close();
  }, 60_000);

  it('a cache that cannot be loaded is replaced by a new initdb, and said', async () => {
    const cache = join(dir, 'broken', 'cache.tar');
    const first = await openCluster(join(dir, 'broken', 'a'), cache);
    await first.db.close();
    writeFileSync(cache, readFileSync(cache).subarray(0, 4096)); // cut short, as a full disk leaves it
    const second = await openCluster(join(dir, 'broken', 'b'), cache);
    expect(second.origin).toBe('initdb');
    expect(second.cacheProblem).toMatch(/could not be loaded .*made a new one/);
    expect((await second.db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await second.db.close();
    expect(statSync(cache).size).toBeGreaterThan(1_000_000);
    const third = await openCluster(join(dir, 'broken', 'c'), cache);
    expect(third.origin).toBe('cache');
    await third.db.close();
  }, 60_000);

  it('a cache that cannot be written leaves the new cluster working, and says why', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const opened = await openCluster(join(dir, 'unwritable', 'a'), join(blocker, 'cache.tar'));
    expect(opened.origin).toBe('initdb');
    expect(opened.cacheProblem).toMatch(/could not be cached in .*not-a-dir/);
    expect((await opened.db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await opened.db.close();
  }, 60_000);
});

describe('faafo-tutor pgserve --cache-dir', () => {
  async function firstLine(dataDir: string, cacheDir: string): Promise<string> {
    const child = execa(
      process.execPath,
      [TUTOR_BIN, 'pgserve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--cache-dir', cacheDir],
      { reject: false },
    );
    try {
      return await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', () => reject(new Error(`pgserve exited before it listened: ${out}`)));
      });
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  }

  it('says a new cluster was made by initdb, then that the next came from the cache', async () => {
    const cacheDir = join(dir, 'cli-cache');
    expect(await firstLine(join(dir, 'cli', 'a'), cacheDir)).toMatch(/a new cluster made by initdb\)$/);
    expect(await firstLine(join(dir, 'cli', 'b'), cacheDir)).toMatch(
      /a new cluster from the cached initdb\)$/,
    );
    expect(await firstLine(join(dir, 'cli', 'b'), cacheDir)).toMatch(/the cluster already there\)$/);
  }, 120_000);
});
