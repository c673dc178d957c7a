// Where the broker listens: one socket per address, all on one port. `localhost` means both
// loopbacks, 127.0.0.1 and ::1, as RabbitMQ listens by default, so a client that resolves
// `localhost` to ::1 (or is given amqp://[::1]:PORT, as amqplib's own tests are) finds the broker
// as well as one that resolves it to 127.0.0.1. Node's own listen('localhost') would bind only the
// first address the resolver returns. Any other host is bound as given, and only that.
import { createServer, type Server, type Socket } from 'node:net';

/** Puts a server to listen on host:port; a test passes one that fails as a host without IPv6 does. */
export type BindListener = (server: Server, host: string, port: number) => Promise<void>;

export interface ListenOptions {
  /** Handles each accepted socket, whichever address it came in on. */
  onConnection: (socket: Socket) => void;
  /** An error on a listener after it started (the broker logs it and goes on). */
  onError: (error: Error) => void;
  /** The one line saying ::1 cannot be had. */
  log: (line: string) => void;
  bind?: BindListener;
  /** Port 0 on two families: how many free ports to try before giving up (default 5). */
  attempts?: number;
}

export interface Listeners {
  /** Every address listened on, IPv4 first, as bound (e.g. ['127.0.0.1', '::1']). */
  hosts: string[];
  port: number;
  close(): Promise<void>;
}

/** The kernel's answers when a host has no IPv6 (disabled on lo, or not built in). */
const NO_IPV6 = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT']);

export const bindListener: BindListener = (server, host, port) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** The addresses a --listen host stands for. */
export function addressesOf(host: string): string[] {
  return host.toLowerCase() === 'localhost' ? ['127.0.0.1', '::1'] : [host];
}

function closeAll(servers: Server[]): Promise<void> {
  return Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(
    () => {},
  );
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException)?.code;

/**
 * Listens on every address the host stands for, on one port. With port 0 the first address picks
 * it and the others take the same one; if another program holds it there, all are closed and a new
 * port is tried. ::1 missing from the machine is not an error: the broker serves 127.0.0.1 alone
 * and says so once.
 */
export async function listenOn(host: string, port: number, options: ListenOptions): Promise<Listeners> {
  const { onConnection, onError, log, bind = bindListener, attempts = 5 } = options;
  const [first, ...others] = addressesOf(host);
  const open = () => createServer(onConnection);
  for (let attempt = 1; ; attempt++) {
    const firstServer = open();
    await bind(firstServer, first!, port);
    const servers = [firstServer];
    const hosts = [first!];
    const chosen = (firstServer.address() as { port: number }).port;
    let retry = false;
    for (const other of others) {
      const server = open();
      try {
        await bind(server, other, chosen);
        servers.push(server);
        hosts.push(other);
      } catch (error) {
        const code = codeOf(error);
        if (code && NO_IPV6.has(code) && other === '::1') {
          log(`::1 is unavailable on this machine (${code}, IPv6 is off?), so localhost means ${first} only`);
          continue;
        }
        await closeAll(servers);
        if (code === 'EADDRINUSE' && port === 0 && attempt < attempts) {
          retry = true;
          break;
        }
        throw error;
      }
    }
    if (retry) continue;
    for (const server of servers) server.on('error', onError);
    return { hosts, port: chosen, close: () => closeAll(servers) };
  }
}
