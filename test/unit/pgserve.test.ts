// faafo-tutor pgserve's server: PGlite is one session shared by every client, so concurrent clients
// must not see each other's statements. Two pools (two API nodes) send interleaved parameterised
// queries of different shapes, and transactions that roll back; each answer must be its own.
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPgServer } from '../../src/pgserve/server.ts';

/** One frontend message: a type byte, then a length that counts itself. */
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstring = (text: string) => Buffer.from(`${text}\0`);
const int16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** A raw protocol client: sends bytes when told, collects the answers up to ReadyForQuery. */
async function rawClient(port: number) {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  let received = Buffer.alloc(0);
  let waiter: (() => void) | undefined;
  socket.on('data', (data) => {
    received = Buffer.concat([received, data]);
    waiter?.();
  });
  /** The message types answered up to the next ReadyForQuery, and the text of the rows. */
  const untilReady = async () => {
    for (;;) {
      const types: string[] = [];
      let offset = 0;
      while (received.length - offset >= 5) {
        const size = 1 + received.readInt32BE(offset + 1);
        if (received.length - offset < size) break;
        types.push(String.fromCharCode(received[offset]!));
        offset += size;
        if (types.at(-1) === 'Z') {
          const text = received.subarray(0, offset).toString('latin1');
          received = received.subarray(offset);
          return { types, text };
        }
      }
      await new Promise<void>((resolve) => {
        waiter = resolve;
      });
    }
  };
  await new Promise((resolve) => socket.once('connect', resolve));
  const params = Buffer.concat([
    cstring('user'),
    cstring('faafo'),
    cstring('database'),
    cstring('faafo'),
    cstring(''),
  ]);
  socket.write(Buffer.concat([int32(params.length + 8), int32(196_608), params]));
  await untilReady();
  return { socket, untilReady };
}

describe('pgserve: PGlite shared by concurrent clients', () => {
  let server: PgServer;
  const pools: pg.Pool[] = [];
  const pool = () => {
    const p = new pg.Pool({ host: '127.0.0.1', port: server.port, user: 'faafo', database: 'faafo', max: 8 });
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await startPgServer({ host: '127.0.0.1', port: 0 });
  }, 60_000);
  afterAll(async () => {
    for (const p of pools) await p.end();
    await server?.close();
  });

  it('answers every client with its own statement, across two pools', async () => {
    const [a, b] = [pool(), pool()];
    await a.query('CREATE TABLE t (id integer PRIMARY KEY, v text)');
    const jobs = Array.from({ length: 400 }, (_, i) => {
      const p = i % 2 ? a : b;
      if (i % 3 === 0)
        return p.query('INSERT INTO t VALUES ($1, $2) RETURNING v', [i, `v${i}`]).then((r) => r.rows[0].v);
      if (i % 3 === 1)
        return p.query('SELECT $1::text || $2::text AS v', ['v', String(i)]).then((r) => r.rows[0].v);
      return p
        .query('SELECT $1::text AS x, $2::int AS y, $3::int AS z, $4::text AS w', ['v', i, 0, String(i)])
        .then((r) => `${r.rows[0].x}${r.rows[0].w}`);
    });
    const answers = await Promise.all(jobs);
    expect(answers).toEqual(jobs.map((_, i) => `v${i}`));
    expect((await a.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(134);
  });

  it("runs a client's Parse … Sync as one exchange, even when it arrives in pieces", async () => {
    const slow = await rawClient(server.port);
    // The unnamed statement is the session's: a Parse on its own must not run before its Sync.
    slow.socket.write(message('P', cstring(''), cstring('SELECT $1::int + 1 AS n'), int16(0)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = pool();
    const { rows } = await other.query('SELECT $1::text AS a, $2::text AS b, $3::text AS c', ['x', 'y', 'z']);
    expect(rows).toEqual([{ a: 'x', b: 'y', c: 'z' }]);
    slow.socket.write(
      Buffer.concat([
        message('B', cstring(''), cstring(''), int16(0), int16(1), int32(2), Buffer.from('41'), int16(0)),
        message('E', cstring(''), int32(0)),
        message('S'),
      ]),
    );
    const answer = await slow.untilReady();
    expect(answer.types).toEqual(['1', '2', 'D', 'C', 'Z']); // ParseComplete, BindComplete, a row, done
    expect(answer.text).toContain('42');
    slow.socket.destroy();
  });

  it('keeps a transaction to its client, and rolls back one whose client left', async () => {
    const [a, b] = [pool(), pool()];
    await a.query('CREATE TABLE u (id integer PRIMARY KEY)');
    const holder = await a.connect();
    await holder.query('BEGIN');
    await holder.query('INSERT INTO u VALUES (1)');
    // Another client's statement waits for the transaction instead of joining it.
    const other = b.query('INSERT INTO u VALUES (2)');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await holder.query('ROLLBACK');
    holder.release();
    await other;
    expect((await b.query('SELECT id FROM u ORDER BY id')).rows).toEqual([{ id: 2 }]);

    const leaver = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'faafo', database: 'faafo' });
    await leaver.connect();
    leaver.on('error', () => {}); // it is about to lose its connection on purpose
    await leaver.query('BEGIN');
    await leaver.query('INSERT INTO u VALUES (3)');
    (leaver as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await b.query('SELECT id FROM u ORDER BY id')).rows).toEqual([{ id: 2 }]);
  });
});
