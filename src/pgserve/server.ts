// PGlite (PostgreSQL compiled to WebAssembly) served over TCP by @electric-sql/pglite-socket, so the
// local cloud's database node runs a real database server that the API nodes reach over the
// network, as the guide's MySQL is. PGlite is one PostgreSQL session; the socket server queues the
// clients' messages onto it and keeps it with a client while that client is inside a transaction.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where PGlite keeps its files; in memory when undefined. */
  dataDir?: string;
}

export interface PgServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Enough for every API node's pool (10 each) and a few command-line clients. */
const MAX_CONNECTIONS = 200;

export async function startPgServer(options: PgServerOptions): Promise<PgServer> {
  const db = options.dataDir ? await PGlite.create({ dataDir: options.dataDir }) : await PGlite.create();
  const server = new PGLiteSocketServer({
    db,
    host: options.host,
    port: options.port,
    maxConnections: MAX_CONNECTIONS,
  });
  // The socket server reports a failed listen (EADDRINUSE, EADDRNOTAVAIL) only as an event.
  const failed = new Promise<never>((_, reject) => {
    server.addEventListener('error', (event) => reject((event as CustomEvent).detail), { once: true });
  });
  try {
    await Promise.race([server.start(), failed]);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  failed.catch(() => {}); // later connection errors are the socket server's to handle
  const port = Number(server.getServerConn().split(':').pop());
  return {
    host: options.host,
    port,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
