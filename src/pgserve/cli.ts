// `faafo-tutor pgserve`: PGlite served over TCP as a PostgreSQL server, the database process of the
// local cloud's `-i database` node (the guide installs MySQL there). One line says where it listens;
// SIGTERM or SIGINT closes the connections and PGlite's files cleanly; a second signal exits at once.
// PGlite accepts any user and password, so it listens on loopback addresses only.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { userCacheDir } from '../shared/cache-dir.ts';
import { UserError } from '../shared/user-error.ts';
import { initdbCacheFile } from './initdb-cache.ts';
import { type PgServer, startPgServer } from './server.ts';

export interface PgServeIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

interface PgServeFlags {
  listen: { host: string; port: number };
  dataDir?: string;
  cacheDir: string;
}

export const DEFAULT_PG_LISTEN = '127.0.0.1:5432';

/** `--listen HOST:PORT` on an IPv4 loopback address (127.0.0.0/8). */
export function parsePgListen(value: string): { host: string; port: number } {
  const match = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw new InvalidArgumentError(
      'It must be a loopback HOST:PORT, like 127.0.0.1:5432: PGlite lets anyone in, so it serves this machine only.',
    );
  }
  return { host: match[1]!, port };
}

export class PgServeError extends UserError {
  override name = 'PgServeError';
}

function explain(error: unknown, where: string): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') return `cannot listen on ${where}: the port is already in use.`;
  if (e?.code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: this machine has no such address.`;
  const message = e instanceof Error ? e.message : String(error);
  return `cannot start PGlite on ${where}: ${message.replace(/\s+/g, ' ')}`;
}

const ORIGINS: Record<PgServer['origin'], string> = {
  existing: 'the cluster already there',
  cache: 'a new cluster from the cached initdb',
  initdb: 'a new cluster made by initdb',
};

async function runPgServe(flags: PgServeFlags, io: PgServeIo): Promise<PgServer> {
  const where = `${flags.listen.host}:${flags.listen.port}`;
  const dataDir = flags.dataDir === undefined ? undefined : resolve(flags.dataDir);
  let server: PgServer;
  try {
    server = await startPgServer({
      ...flags.listen,
      ...(dataDir ? { dataDir } : {}),
      initdbCache: initdbCacheFile(resolve(flags.cacheDir)),
    });
  } catch (error) {
    throw new PgServeError(explain(error, where), { cause: error });
  }
  if (server.cacheProblem) io.stderr.write(`faafo-tutor pgserve: ${server.cacheProblem}\n`);
  io.stdout.write(
    `faafo-tutor pgserve listening on postgresql://${server.host}:${server.port}/ ` +
      `(PGlite, PostgreSQL in WebAssembly; data in ${dataDir ?? 'memory only, gone on exit'}; ${ORIGINS[server.origin]})\n`,
  );
  return server;
}

function closeOnSignals(server: PgServer, io: PgServeIo): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr.write(`faafo-tutor pgserve: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    io.stdout.write(`faafo-tutor pgserve: ${signal}, closing connections\n`);
    server.close().then(
      () => {
        io.stdout.write('faafo-tutor pgserve stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        io.stderr.write(`faafo-tutor pgserve: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** The `pgserve` subcommand, for the faafo-tutor program. */
export function pgserveCommand(io: PgServeIo): Command {
  return new Command('pgserve')
    .description("serve PGlite over TCP as a PostgreSQL server (the local cloud's database node)")
    .addOption(
      new Option('--listen <host:port>', 'loopback address to listen on')
        .argParser(parsePgListen)
        .default(parsePgListen(DEFAULT_PG_LISTEN), DEFAULT_PG_LISTEN),
    )
    .option('--data-dir <dir>', "where PGlite keeps the database's files (default: memory only)")
    .option(
      '--cache-dir <dir>',
      'where the first fresh cluster is kept, so later new ones skip initdb',
      userCacheDir(),
    )
    .action(async (flags: PgServeFlags) => {
      closeOnSignals(await runPgServe(flags, io), io);
    });
}
