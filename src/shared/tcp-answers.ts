// "Is something listening there?" as one TCP connect: how the local cloud waits for a node's broker
// or a configured RabbitMQ/MariaDB, and how the bench waits for a node's services.
import { connect } from 'node:net';

/** Resolves true when a TCP connection to host:port opens within timeoutMs; never rejects. */
export function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
