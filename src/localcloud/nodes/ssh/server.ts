// A node's sshd: one ssh2 server per running node, on the node's own address, that lets in only
// the key pair the node was created with and runs what the client asks for as the node would —
// `ssh NODE CMD` runs CMD through /bin/sh -c in the node's login environment (login-env.ts), and
// a plain `ssh NODE` gets an interactive shell (on a pseudo-terminal through util-linux's
// `script` when the client asks for one). It lives as long as the node runs: the runtime starts it
// on boot and closes it, with every session it runs, on stop, delete and `cloud down`. Each
// session's process group also gets a pid file in <node>/run and starts in the node's dir, so a
// cloud that was killed outright has it ended by its next run, as the roles' processes (reapStale).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import ssh2, { type Connection, type ParsedKey, type PseudoTtyInfo, type ServerChannel } from 'ssh2';
import type { Listen } from '../roles.ts';
import { acceptsKey } from './authorized-key.ts';
import { loadOrMakeHostKey } from './host-key.ts';
import { type LoginNode, loginEnv, prepareLogin } from './login-env.ts';

/** How many times sshd tries its address before giving up (250 ms apart). */
const LISTEN_TRIES = 8;

/** The guide's port; the real one may differ (ports.ts), and the node publishes the move. */
export const SSH_GUIDE_PORT = 22;

export interface NodeSshOptions {
  node: LoginNode;
  /** The node's loopback address. */
  host: string;
  port: number;
  /** The public key of the server's key pair; undefined lets nobody in (no key pair, as on a VM). */
  authorizedKey: ParsedKey | undefined;
  /** One line per refused login or failed session, for the node's console. */
  say?: (line: string) => void;
  bootedAt?: Date;
  /** Each session's process, as it starts: the node holds it to its vCPUs and counts its load. */
  onSession?: (pid: number) => void;
}

export interface NodeSsh {
  listen: Listen;
  /** Stops listening, ends every connection and kills every session's processes. */
  close(): Promise<void>;
}

function killGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the session's processes are gone already.
  }
}

/** The program and arguments of a session: a command or an interactive shell, with a pty or not. */
function sessionCommand(command: string | undefined, pty: PseudoTtyInfo | undefined): [string, string[]] {
  const shell = command ?? 'exec /bin/sh -i';
  if (!pty) return ['/bin/sh', command === undefined ? ['-i'] : ['-c', command]];
  // `script` gives the session a terminal (echo, line editing, ^C), sized as the client's window.
  const size = pty.rows && pty.cols ? `stty rows ${pty.rows} cols ${pty.cols} 2>/dev/null; ` : '';
  return ['script', ['-q', '-f', '-e', '-c', `${size}${shell}`, '/dev/null']];
}

export async function startNodeSsh(options: NodeSshOptions): Promise<NodeSsh> {
  const say = options.say ?? (() => {});
  prepareLogin(options.node, options.bootedAt ?? new Date());
  const clients = new Set<Connection>();
  const sockets = new Set<Socket>();
  // Every session's process group, kept after its shell ends: what it left running in the
  // background (`nohup … &` survives the logout's SIGHUP) ends with the node, not later.
  const groups = new Set<number>();
  const onExit = () => {
    for (const pgid of groups) killGroup(pgid, 'SIGKILL');
  };
  process.on('exit', onExit);

  const run = (channel: ServerChannel, user: string, command: string | undefined, pty?: PseudoTtyInfo) => {
    const [program, args] = sessionCommand(command, pty);
    // The session waits on fd 3 until the node has taken it under its limits, so not even a quick
    // command runs outside them; then fd 3 is closed and the shell becomes the session's program.
    const child = spawn('/bin/sh', ['-c', 'read -r _ <&3; exec 3<&-; exec "$@"', 'sh', program, ...args], {
      cwd: options.node.dir,
      env: loginEnv(options.node, user, pty?.term),
      detached: true, // its own group, so closing the session ends everything it started
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    if (child.pid) groups.add(child.pid);
    if (child.pid) options.onSession?.(child.pid);
    const gate = child.stdio[3] as NodeJS.WritableStream | null;
    gate?.on('error', () => {});
    gate?.end('\n');
    const pidFile = join(options.node.dir, 'run', `ssh-session-${child.pid}.pid`);
    if (child.pid) {
      mkdirSync(dirname(pidFile), { recursive: true });
      writeFileSync(pidFile, `${child.pid}\n`);
    }
    channel.pipe(child.stdin).on('error', () => {});
    child.stdout.pipe(channel, { end: false });
    child.stderr.pipe(channel.stderr, { end: false });
    child.on('error', (error) => {
      channel.stderr.write(`${program}: ${error.message}\n`);
    });
    child.on('exit', () => rmSync(pidFile, { force: true }));
    let open = true;
    child.on('close', (code, signal) => {
      if (!open) return;
      if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
      else channel.exit(code ?? 127);
      channel.end();
    });
    // The client went away (or ^C closed the channel): the session's processes get a hangup.
    channel.on('close', () => {
      open = false;
      if (child.exitCode === null && child.signalCode === null) killGroup(child.pid, 'SIGHUP');
    });
  };

  const server = new ssh2.Server({ hostKeys: [loadOrMakeHostKey(options.node.dir)] }, (client, info) => {
    clients.add(client);
    let user = '';
    client.on('close', () => clients.delete(client));
    client.on('error', () => {}); // a client that breaks the protocol only ends its own connection
    client.on('authentication', (ctx) => {
      user = ctx.username;
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      if (acceptsKey(options.authorizedKey, ctx)) return ctx.accept();
      say(
        `sshd: refused an ${ctx.key.algo} key for ${ctx.username} from ${info.ip} (not the node's key pair)`,
      );
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        let pty: PseudoTtyInfo | undefined;
        session.on('pty', (ok, _no, wanted) => {
          pty = wanted;
          ok?.();
        });
        session.on('env', (ok) => ok?.());
        session.on('window-change', (ok) => ok?.());
        session.on('exec', (ok, _no, { command }) => run(ok(), user, command, pty));
        session.on('shell', (ok) => run(ok(), user, undefined, pty));
        session.on('subsystem', (_ok, no) => no());
      });
    });
  });
  // Our own listener hands each socket to ssh2, so close() can end the ones still mid-handshake.
  const listener = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    server.injectSocket(socket);
  });
  // The address may still be held a moment (a node that just stopped there closes its listeners
  // asynchronously): a few tries before the node's console says sshd could not start.
  for (let attempt = 1; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ host: options.host, port: options.port, exclusive: true }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= LISTEN_TRIES) {
        process.off('exit', onExit);
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  let closing: Promise<void> | undefined;
  return {
    listen: { port: options.port, guidePort: SSH_GUIDE_PORT },
    close() {
      closing ??= new Promise<void>((resolve) => {
        listener.close(() => resolve());
        for (const pgid of groups) killGroup(pgid, 'SIGKILL');
        for (const client of clients) client.end();
        for (const socket of sockets) socket.destroy();
      }).finally(() => process.off('exit', onExit));
      return closing;
    },
  };
}
