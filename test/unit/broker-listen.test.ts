// Where the embedded broker listens (src/broker/listeners.ts): `localhost` is 127.0.0.1 and ::1 on
// one port, as RabbitMQ listens, so amqplib finds it at amqp://[::1]:PORT and amqp://localhost:PORT;
// an explicit address is bound alone; a host without IPv6 still gets a broker on 127.0.0.1. Real
// sockets on this machine's loopbacks; the only thing a test injects is a bind that fails for ::1
// the way the kernel does when IPv6 is off.
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerCliError, DEFAULT_LISTEN, parseListen, runBroker } from '../../src/broker/cli.ts';
import { type BindListener, bindListener } from '../../src/broker/listeners.ts';
import { type Broker, startBroker } from '../../src/broker/server.ts';

const started: Broker[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  for (const broker of started.splice(0)) await broker.close();
  for (const blocker of blockers.splice(0)) await new Promise((r) => blocker.close(r));
});

async function broker(options: Parameters<typeof startBroker>[0]): Promise<Broker> {
  const b = await startBroker({ port: 0, ...options });
  started.push(b);
  return b;
}

/** Whether a TCP connection to host:port is accepted (false on ECONNREFUSED). */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A real listener holding host:port (0 → a free port), as another program would. */
async function block(host: string, port = 0): Promise<number> {
  const server = createServer();
  await bindListener(server, host, port);
  blockers.push(server);
  return (server.address() as { port: number }).port;
}

/** The error the kernel gives for ::1 when IPv6 is disabled on lo. */
const noIpv6: BindListener = (server, host, port) => {
  if (host !== '::1') return bindListener(server, host, port);
  const error: NodeJS.ErrnoException = new Error(
    `listen EADDRNOTAVAIL: address not available ${host}:${port}`,
  );
  error.code = 'EADDRNOTAVAIL';
  error.syscall = 'listen';
  return Promise.reject(error);
};

describe('the broker on localhost', () => {
  it('answers amqplib on amqp://[::1]:PORT and amqp://localhost:PORT: one broker, one port', async () => {
    const b = await broker({ host: 'localhost' });
    expect(b.hosts).toEqual(['127.0.0.1', '::1']);
    expect(b.url).toBe(`amqp://guest:guest@localhost:${b.port}/`);

    const v6 = await amqp.connect(`amqp://guest:guest@[::1]:${b.port}/`);
    const named = await amqp.connect(`amqp://guest:guest@localhost:${b.port}/`);
    const v4 = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b.port}/`);
    try {
      // Published on ::1, consumed on localhost and 127.0.0.1: the same queues behind every address.
      const pub = await v6.createConfirmChannel();
      await pub.assertQueue('over-ipv6');
      pub.sendToQueue('over-ipv6', Buffer.from('hello from ::1'));
      await pub.waitForConfirms();
      const sub = await named.createChannel();
      const got = await new Promise<string>((resolve) => {
        void sub.consume('over-ipv6', (m) => {
          if (m) resolve(m.content.toString());
        });
      });
      expect(got).toBe('hello from ::1');

      const back = await v4.createConfirmChannel();
      await pub.assertQueue('back');
      back.sendToQueue('back', Buffer.from('hello from 127.0.0.1'));
      await back.waitForConfirms();
      const m = await pub.get('back', { noAck: true });
      expect(m === false ? 'nothing' : m.content.toString()).toBe('hello from 127.0.0.1');
      expect(b.stats().connections).toBe(3);
    } finally {
      for (const c of [v6, named, v4]) await c.close().catch(() => {});
    }
  });

  it('--listen localhost:0 reports one port for both families in its startup line', async () => {
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => {} } };
    const b = await runBroker({ listen: parseListen('localhost:0') }, io);
    started.push(b);
    expect(b.port).toBeGreaterThan(0);
    expect(out).toBe(
      `faafo-tutor broker listening on amqp://127.0.0.1:${b.port}/ and amqp://[::1]:${b.port}/ (data in memory only, gone on exit)\n`,
    );
    expect(await answers('127.0.0.1', b.port)).toBe(true);
    expect(await answers('::1', b.port)).toBe(true);
  });

  it('port 0 taken on ::1 by another program: tries another port until both families have it', async () => {
    let firstV6Try = true;
    let heldPort = 0;
    // On the first ::1 bind a real listener takes that port first, as a racing program would.
    const racing: BindListener = async (server, host, port) => {
      if (host === '::1' && firstV6Try) {
        firstV6Try = false;
        heldPort = await block('::1', port);
      }
      return bindListener(server, host, port);
    };
    const lines: string[] = [];
    const b = await broker({ host: 'localhost', bind: racing, log: (l) => lines.push(l) });
    expect(heldPort).toBeGreaterThan(0);
    expect(b.port).not.toBe(heldPort);
    expect(b.hosts).toEqual(['127.0.0.1', '::1']);
    expect(await answers('::1', b.port)).toBe(true);
    // The first try's 127.0.0.1 listener was let go.
    expect(await answers('127.0.0.1', heldPort)).toBe(false);
    expect(lines).toEqual([`broker listening on 127.0.0.1:${b.port} and [::1]:${b.port}`]);
  });

  it('a given port taken on ::1 is an error, and 127.0.0.1 is let go again', async () => {
    const port = await block('::1');
    const error = await startBroker({ host: 'localhost', port }).then(
      (b) => {
        started.push(b);
        return undefined;
      },
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error?.code).toBe('EADDRINUSE');
    expect(await answers('127.0.0.1', port)).toBe(false);
  });

  it('without IPv6 it starts on 127.0.0.1 alone and says once that ::1 is unavailable', async () => {
    const lines: string[] = [];
    const b = await broker({ host: 'localhost', bind: noIpv6, log: (l) => lines.push(l) });
    expect(b.hosts).toEqual(['127.0.0.1']);
    // Not `localhost`: that might resolve to ::1, where nothing listens.
    expect(b.url).toBe(`amqp://guest:guest@127.0.0.1:${b.port}/`);
    expect(lines.filter((l) => l.includes('::1'))).toEqual([
      '::1 is unavailable on this machine (EADDRNOTAVAIL, IPv6 is off?), so localhost means 127.0.0.1 only',
    ]);
    expect(lines).toContain(`broker listening on 127.0.0.1:${b.port}`);
    const conn = await amqp.connect(b.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('still-works');
    await conn.close();
  });
});

describe('the broker on an explicit address', () => {
  it('127.0.0.1 binds only that: nothing on ::1', async () => {
    const b = await broker({ host: '127.0.0.1' });
    expect(b.hosts).toEqual(['127.0.0.1']);
    expect(await answers('127.0.0.1', b.port)).toBe(true);
    expect(await answers('::1', b.port)).toBe(false);
  });

  it('[::1] binds only that: nothing on 127.0.0.1, and amqplib connects on amqp://[::1]', async () => {
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => {} } };
    const b = await runBroker({ listen: parseListen('[::1]:0') }, io);
    started.push(b);
    expect(b.hosts).toEqual(['::1']);
    expect(out).toContain(`listening on amqp://[::1]:${b.port}/ (`);
    expect(await answers('127.0.0.1', b.port)).toBe(false);
    const conn = await amqp.connect(b.url);
    await conn.close();
  });

  it('--listen :PORT and the default mean localhost; a remote address is still refused', async () => {
    expect(parseListen(':5673')).toEqual({ host: 'localhost', port: 5673 });
    expect(parseListen(DEFAULT_LISTEN)).toEqual({ host: 'localhost', port: 5672 });
    const io = { stdout: { write: () => {} }, stderr: { write: () => {} } };
    await expect(runBroker({ listen: parseListen('10.1.2.3:0') }, io)).rejects.toThrow(
      new BrokerCliError(
        "refusing to listen on 10.1.2.3, which other machines can reach; the broker's users and passwords travel in clear text. Use --allow-remote if you mean it.",
      ),
    );
  });
});
