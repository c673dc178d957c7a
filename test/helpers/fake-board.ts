// A stand-in for the teacher's board in the client's unit tests: a real HTTP server on 127.0.0.1
// whose answers a test chooses (a status and body per route), that records every request, and that
// can go away (its port closed, so a client sees ECONNREFUSED) and come back on the same port.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export type Answer = { status: number; body: string; contentType?: string };
export type Route = (request: Received) => Answer;

export interface FakeBoard {
  url: string;
  received: Received[];
  routes: Map<string, Route>;
  /** Closes the port (clients see ECONNREFUSED). */
  goAway(): Promise<void>;
  /** Listens again on the same port. */
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => resolve(text));
  });

export const json = (status: number, body: unknown): Answer => ({
  status,
  body: JSON.stringify(body),
  contentType: 'application/json',
});

export async function startFakeBoard(): Promise<FakeBoard> {
  const received: Received[] = [];
  const routes = new Map<string, Route>();
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer(async (request, response) => {
        const text = await readBody(request);
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {}
        const got: Received = {
          method: request.method ?? '',
          path: request.url ?? '',
          authorization: request.headers.authorization,
          body,
        };
        received.push(got);
        const answer =
          routes.get(`${got.method} ${got.path}`)?.(got) ?? json(404, { error: 'No such route.' });
        response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' });
        response.end(answer.body);
      });
      server.keepAliveTimeout = 1;
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    routes,
    goAway: stop,
    comeBack: async () => {
      await listen(port);
    },
    close: stop,
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
