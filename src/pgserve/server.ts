// PGlite (PostgreSQL compiled to WebAssembly) served over TCP, so the local cloud's database node runs
// a real database server that the API nodes reach over the network, as the guide's MySQL is.
//
// PGlite is one PostgreSQL session that every client shares. @electric-sql/pglite-socket's server
// hands PGlite each protocol message on its own, so another client's Parse can slip between one
// client's Parse and Bind: the unnamed statement is the session's, and node-postgres's parameterised
// queries then fail ("bind message supplies 6 parameters, but prepared statement "" requires 1") or
// answer with another query's rows (seen with two API nodes and three workers). Here each client's
// messages run in whole exchanges (everything up to a Sync or a simple Query), one exchange at a
// time, and a client inside a transaction keeps the session until it ends it; a client that leaves
// mid-transaction has it rolled back. The protocol itself is PGlite's.
import { createServer, type Server, type Socket } from 'node:net';
import { type ClusterOrigin, openCluster } from './initdb-cache.ts';

export interface PgServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where PGlite keeps its files; in memory when undefined. */
  dataDir?: string;
  /** A fresh cluster to load into a new data dir, made by the first initdb (initdb-cache.ts). */
  initdbCache?: string;
}

export interface PgServer {
  host: string;
  port: number;
  /** Where the cluster came from. */
  origin: ClusterOrigin;
  /** Why the initdb cache was not used or not written, if it was not. */
  cacheProblem?: string;
  close(): Promise<void>;
}

const PROTOCOL_V3 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
/** Messages after which a client waits for the answer: Sync and a simple Query. */
const EXCHANGE_ENDS = new Set([0x53, 0x51]);
const TERMINATE = 0x58;

/** Gives the one session to one client at a time; a client inside a transaction keeps it. */
class SessionLock {
  private owner: object | undefined;
  private waiters: (() => void)[] = [];

  async acquire(client: object): Promise<void> {
    while (this.owner !== undefined && this.owner !== client) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.owner = client;
  }

  release(client: object): void {
    if (this.owner !== client) return;
    this.owner = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Splits a client's bytes into the startup packet and whole exchanges; keeps the rest for later. */
class MessageReader {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;

  constructor(
    private readonly on: {
      startup(packet: Buffer): void;
      plainTextOnly(): void;
      exchange(bytes: Buffer): void;
      end(): void;
    },
  ) {}

  push(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    // The startup packet has no type byte: a length that counts itself, then a code.
    while (!this.started && this.pending.length >= 8) {
      const length = this.pending.readInt32BE(0);
      if (this.pending.length < length) return;
      const code = this.pending.readInt32BE(4);
      const packet = Buffer.from(this.pending.subarray(0, length));
      this.pending = this.pending.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.on.plainTextOnly();
      } else if (code === PROTOCOL_V3) {
        this.started = true;
        this.on.startup(packet);
      } else {
        this.on.end(); // a cancel request, or not PostgreSQL at all
        return;
      }
    }
    if (!this.started) return;
    // Then typed messages: one byte, and a length that counts itself but not the byte.
    let offset = 0;
    let cut = 0;
    while (this.pending.length - offset >= 5) {
      const size = 1 + this.pending.readInt32BE(offset + 1);
      if (this.pending.length - offset < size) break;
      const type = this.pending[offset]!;
      offset += size;
      if (type === TERMINATE) {
        // What came before it still runs; nothing after it does.
        if (cut > 0) this.on.exchange(Buffer.from(this.pending.subarray(0, cut)));
        this.pending = Buffer.alloc(0);
        this.on.end();
        return;
      }
      if (EXCHANGE_ENDS.has(type)) cut = offset;
    }
    if (cut > 0) {
      this.on.exchange(Buffer.from(this.pending.subarray(0, cut)));
      this.pending = this.pending.subarray(cut);
    }
  }
}

export async function startPgServer(options: PgServerOptions): Promise<PgServer> {
  const { db, origin, cacheProblem } = await openCluster(options.dataDir, options.initdbCache);
  const lock = new SessionLock();
  const sockets = new Set<Socket>();

  /** Runs bytes for `client` on the session and sends PGlite's answer back. */
  async function run(client: object, socket: Socket, bytes: Buffer): Promise<void> {
    await lock.acquire(client);
    try {
      await db.runExclusive(() =>
        db.execProtocolRawStream(new Uint8Array(bytes), {
          onRawData: (data) => {
            if (socket.writable) socket.write(Buffer.from(data));
          },
        }),
      );
    } finally {
      if (!db.isInTransaction()) lock.release(client);
    }
  }

  /** A client left: roll back what it left open, and let the next one have the session. */
  async function abandon(client: object): Promise<void> {
    await lock.acquire(client);
    try {
      if (db.isInTransaction()) await db.exec('ROLLBACK');
    } finally {
      lock.release(client);
    }
  }

  function serve(socket: Socket): void {
    sockets.add(socket);
    socket.setNoDelay(true);
    const client = {};
    // One client's exchanges run in the order it sent them.
    let queue: Promise<void> = Promise.resolve();
    const enqueue = (bytes: Buffer) => {
      queue = queue
        .then(() => run(client, socket, bytes))
        .catch(() => {
          socket.destroy();
        });
    };
    const reader = new MessageReader({
      startup: enqueue,
      exchange: enqueue,
      plainTextOnly: () => socket.write('N'), // no TLS on loopback: the client goes on in clear
      end: () => socket.end(),
    });
    socket.on('data', (data) => reader.push(data));
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      queue = queue.then(() => abandon(client)).catch(() => {});
    });
  }

  const server: Server = createServer(serve);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  const address = server.address();
  return {
    host: options.host,
    port: typeof address === 'object' && address ? address.port : options.port,
    origin,
    ...(cacheProblem ? { cacheProblem } : {}),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Rollbacks of the clients just cut off run before PGlite closes.
      await lock.acquire(this);
      await db.close();
    },
  };
}
