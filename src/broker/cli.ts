// `faafo-tutor broker`: the embedded AMQP 0-9-1 broker as a server process, for the lesson's local
// cloud and for anyone who wants a RabbitMQ stand-in on loopback. One line says where it listens;
// then one line per notable event (logins, connection errors, alarms). SIGTERM or SIGINT closes
// every connection and the store cleanly; a second signal exits at once.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { UserError } from '../shared/user-error.ts';
import { type Broker, startBroker } from './server.ts';

export interface BrokerCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** Both loopbacks, 127.0.0.1 and ::1, as RabbitMQ listens by default (see listeners.ts). */
export const DEFAULT_LISTEN = 'localhost:5672';

/** `--listen HOST:PORT` (`[::1]:5672` for IPv6; `:PORT` means localhost, both loopbacks). */
export function parseListen(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!match)
    throw new InvalidArgumentError('It must be HOST:PORT, like 127.0.0.1:5672 (or [::1]:5672 for IPv6).');
  const host = match[1] ?? (match[2] || 'localhost');
  const port = Number(match[3]);
  if (port > 65535) throw new InvalidArgumentError('The port must be a number from 0 to 65535.');
  if (match[1] !== undefined && isIP(host) !== 6)
    throw new InvalidArgumentError(`'${host}' in brackets must be an IPv6 address.`);
  return { host, port };
}

/** Whether only this machine can reach the address. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1]!.startsWith('127.');
}

/** `--user NAME:PASSWORD`, repeatable. */
export function parseUser(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError('It must be NAME:PASSWORD, like guest:guest.');
  return { ...previous, [value.slice(0, colon)]: value.slice(colon + 1) };
}

export function parseBytes(value: string): number {
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('It must be a whole number of bytes, like 1073741824.');
  return n;
}

export interface BrokerFlags {
  listen: ListenAddress;
  dataDir?: string;
  user?: Record<string, string>;
  memoryHighWatermark?: number;
  allowRemote?: boolean;
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class BrokerCliError extends UserError {
  override name = 'BrokerCliError';
}

function explain(error: unknown, listen: ListenAddress): string {
  const e = error as NodeJS.ErrnoException;
  const where = `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  switch (e?.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (is another broker or RabbitMQ running?)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: this machine has no such address`;
    case 'EACCES':
      return e.syscall === 'listen' || e.syscall === 'bind'
        ? `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`
        : `permission denied: ${e.path ?? e.message}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: unknown host '${listen.host}'`;
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EROFS':
    case 'ENOSPC':
      return `cannot use the data directory: ${e.message}`;
    default:
      return e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(error);
  }
}

/** Starts the broker from parsed flags; resolves with it once it listens. */
export async function runBroker(flags: BrokerFlags, io: BrokerCliIo): Promise<Broker> {
  const { listen } = flags;
  if (!isLoopback(listen.host) && !flags.allowRemote) {
    throw new BrokerCliError(
      `refusing to listen on ${listen.host}, which other machines can reach; the broker's users and passwords travel in clear text. Use --allow-remote if you mean it.`,
    );
  }
  const dataDir = flags.dataDir === undefined ? undefined : resolve(flags.dataDir);
  const print = (line: string) => io.stdout.write(`${new Date().toISOString()} ${line}\n`);
  // Until it listens, hold the broker's log lines back: a failed start is told in one line.
  let held: string[] | undefined = [];
  let broker: Broker;
  try {
    broker = await startBroker({
      host: listen.host,
      port: listen.port,
      dataDir,
      users: flags.user ?? { guest: 'guest' },
      memoryHighWatermarkBytes: flags.memoryHighWatermark,
      log: (line) => (held ? held.push(line) : print(line)),
    });
  } catch (error) {
    throw new BrokerCliError(explain(error, listen), { cause: error });
  }
  // Our own "listening on" line below replaces the broker's.
  for (const line of held) if (!/^broker listening on /.test(line)) print(line);
  held = undefined;
  // Every address, so a user sees whether [::1] is among them.
  const urls = broker.hosts
    .map((h) => `amqp://${h.includes(':') ? `[${h}]` : h}:${broker.port}/`)
    .join(' and ');
  io.stdout.write(
    `faafo-tutor broker listening on ${urls} (data in ${dataDir ?? 'memory only, gone on exit'})\n`,
  );
  return broker;
}

/** Closes the broker on SIGTERM/SIGINT; a second signal exits at once. */
export function closeOnSignals(broker: Broker, io: BrokerCliIo): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr.write(`faafo-tutor broker: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    io.stdout.write(`faafo-tutor broker: ${signal}, closing connections\n`);
    broker.close().then(
      () => {
        io.stdout.write('faafo-tutor broker stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        io.stderr.write(`faafo-tutor broker: error while stopping: ${explain(error, broker)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** The `broker` subcommand, for the faafo-tutor program. */
export function brokerCommand(io: BrokerCliIo): Command {
  return new Command('broker')
    .description('run the embedded AMQP 0-9-1 broker (a RabbitMQ stand-in that amqplib cannot tell apart)')
    .addOption(
      new Option(
        '--listen <host:port>',
        'address to listen on (a loopback address unless --allow-remote); localhost is both 127.0.0.1 and ::1',
      )
        .argParser(parseListen)
        .default(parseListen(DEFAULT_LISTEN), DEFAULT_LISTEN),
    )
    .option('--data-dir <dir>', 'where durable queues and persistent messages live (default: memory only)')
    .addOption(
      new Option(
        '--user <name:password>',
        'a user who may log in; repeat for more (default guest:guest)',
      ).argParser(parseUser),
    )
    .addOption(
      new Option(
        '--memory-high-watermark <bytes>',
        'message bytes held in memory above which publishers are blocked (default 40% of RAM)',
      ).argParser(parseBytes),
    )
    .option('--allow-remote', 'allow listening on an address other machines can reach')
    .action(async (flags: BrokerFlags) => {
      const broker = await runBroker(flags, io);
      closeOnSignals(broker, io);
    });
}
