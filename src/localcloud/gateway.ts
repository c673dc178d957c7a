// One fastify app per OpenStack service, each on its own loopback port as in devstack. The gateway
// owns what every service shares: lenient JSON bodies, the token check (keystonemiddleware's job in
// a real cloud), error and not-found answers in the service's own shape, and the listening sockets.
//
// A provider is a fastify plugin registered at the root of its service's app with ProviderDeps as
// its options; it declares full paths (compute's include `/v2.1`, network's `/v2.0`, image's `/v2`,
// identity's `/v3` and `/v2.0`), throws OpenStackError for OpenStack errors and lets zod's errors
// through (they become 400s in the service's shape). request.auth is set on every route but the
// few that real services serve without a token (PUBLIC_ROUTES).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { z } from 'zod';
import { authenticateRequest } from './auth.ts';
import type { Endpoints, ProviderDeps } from './contracts.ts';
import { type ErrorReply, OpenStackError, type ServiceName, serviceError } from './errors.ts';

export type { ServiceName } from './errors.ts';
export type Provider = FastifyPluginAsync<ProviderDeps>;

export const SERVICES: readonly ServiceName[] = ['identity', 'compute', 'network', 'image'];

/** devstack's ports, used when a cloud asks for "the usual" ones. */
export const DEVSTACK_PORTS: Record<ServiceName, number> = {
  identity: 5000,
  compute: 8774,
  network: 9696,
  image: 9292,
};

/**
 * What each service answers without a token: Keystone's discovery and token issue, and the
 * version documents at the roots of Nova (`/`, `/v2.1`), Glance (`/`, `/versions`) and Neutron (`/`),
 * which real deployments serve outside keystonemiddleware (the OSC's SDK fetches them first).
 */
export const PUBLIC_ROUTES: Record<ServiceName, readonly string[]> = {
  identity: ['GET /', 'GET /v3', 'GET /v2.0', 'POST /v3/auth/tokens', 'POST /v2.0/tokens'],
  compute: ['GET /', 'GET /v2', 'GET /v2.1'],
  network: ['GET /'],
  image: ['GET /', 'GET /versions'],
};

function isPublic(service: ServiceName, request: FastifyRequest): boolean {
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const path = request.url.split('?')[0]!.replace(/(.)\/+$/, '$1');
  return PUBLIC_ROUTES[service].includes(`${method} ${path}`);
}

/** A body that is not JSON; answered as a 400 in the service's words. */
class MalformedBodyError extends Error {
  override name = 'MalformedBodyError';
}

const MALFORMED_MESSAGES: Record<ServiceName, string> = {
  compute: 'Malformed request body',
  network: 'Malformed request body',
  image: 'Malformed JSON in request body.',
  identity:
    'Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
};

const INTERNAL_MESSAGES: Record<ServiceName, string> = {
  compute: "Unexpected API Error. See the local cloud's log for details.",
  network: 'Request Failed: internal server error while processing your request.',
  image: 'The server has either erred or is incapable of performing the requested operation.',
  identity:
    "An unexpected error prevented the server from fulfilling your request. See the local cloud's log for details.",
};

/**
 * Bodies are JSON whatever the Content-Type says (clients label them variously, Glance's PATCH has
 * its own type), and an empty body is no body: libcloud sends `Content-Type: application/json`
 * with `Content-Length: 0` on DELETE and bodiless POSTs, which fastify's own parser refuses.
 */
function installBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const parse = (
    _request: FastifyRequest,
    body: string | Buffer,
    done: (e: Error | null, v?: unknown) => void,
  ) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new MalformedBodyError('The request body is not valid JSON.'));
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parse);
  app.addContentTypeParser('*', { parseAs: 'string' }, parse);
}

/** zod's first issue worded like the service's own validator (jsonschema for Nova and Keystone). */
export function validationMessage(service: ServiceName, error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid input.';
  const path = issue.path.map(String);
  const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  const key = path.at(-1);
  const field = (missing ? path.slice(0, -1) : path).join('/') || 'body';
  const problem = missing && key !== undefined ? `'${key}' is a required property` : issue.message;
  switch (service) {
    case 'compute':
      return `Invalid input for field/attribute ${field}. ${problem}`;
    case 'network':
      return `Invalid input for ${field}. Reason: ${problem}.`;
    case 'identity':
      return `Invalid input for field '${field}': ${problem}`;
    case 'image':
      return `Invalid input for ${field}: ${problem}`;
  }
}

interface Mapped {
  reply: ErrorReply;
  headers: Record<string, string>;
  internal: boolean;
}

function mapError(service: ServiceName, error: unknown): Mapped {
  if (error instanceof OpenStackError) {
    return {
      reply: { statusCode: error.statusCode, body: error.body },
      headers: error.headers,
      internal: false,
    };
  }
  if (error instanceof z.core.$ZodError) {
    return {
      reply: serviceError(service, 400, validationMessage(service, error)),
      headers: {},
      internal: false,
    };
  }
  if (error instanceof MalformedBodyError) {
    return { reply: serviceError(service, 400, MALFORMED_MESSAGES[service]), headers: {}, internal: false };
  }
  const fastifyError = error as Partial<FastifyError> | undefined;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      fastifyError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'Request is too large.'
        : String(fastifyError?.message);
    return { reply: serviceError(service, status, message), headers: {}, internal: false };
  }
  return { reply: serviceError(service, 500, INTERNAL_MESSAGES[service]), headers: {}, internal: true };
}

export interface ServiceAppOptions {
  /** The socket to serve on (from bindServer); without it the app only answers inject(). */
  server?: Server;
  /** One line per request and the details of every 500. Default: 500s to stderr, nothing else. */
  log?: (line: string) => void;
}

/** The app for one service: shared behaviour around the provider's routes. */
export function buildServiceApp(
  service: ServiceName,
  provider: Provider | undefined,
  deps: ProviderDeps,
  options: ServiceAppOptions = {},
): FastifyInstance {
  const { server, log } = options;
  const routerOptions = { ignoreTrailingSlash: true };
  const app: FastifyInstance = server
    ? Fastify({ logger: false, routerOptions, serverFactory: (handler) => server.on('request', handler) })
    : Fastify({ logger: false, routerOptions });
  const identityUri = () => deps.endpoints.identity;
  installBodyParser(app);
  // Declared up front so every request object has the same shape; the token check fills it in.
  app.decorateRequest('auth', null as unknown as FastifyRequest['auth']);

  app.addHook('onRequest', async (request, reply) => {
    const requestId = `req-${randomUUID()}`;
    reply.header('x-openstack-request-id', requestId);
    if (service === 'compute') {
      // 2.1 unless the request negotiates another (providers/compute/microversion.ts answers that).
      reply.header('x-compute-request-id', requestId);
      reply.header('x-openstack-nova-api-version', '2.1');
      reply.header('openstack-api-version', 'compute 2.1');
      reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    }
    if (isPublic(service, request)) return;
    // Keystone checks tokens route by route, so a path it does not serve is a 404 even without one
    // (libcloud 3.4.1 posts to an auth URL's own path: `…:5000/v3` must fail as "not found", not as
    // "wrong password"). The other services sit behind keystonemiddleware: 401 first.
    if (service === 'identity' && request.is404) return;
    authenticateRequest(request, deps.store, deps.now());
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    // libcloud treats a reply without a JSON content type as text, and its auth code raises on none.
    if (!reply.hasHeader('content-type')) reply.header('content-type', 'application/json');
    if (reply.statusCode === 401) reply.header('www-authenticate', `Keystone uri="${identityUri()}"`);
    return payload;
  });

  if (log) {
    app.addHook('onResponse', async (request, reply) => {
      log(
        `${service} ${request.method} ${request.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`,
      );
    });
  }

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = mapError(service, error);
    if (mapped.internal) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      const line = `${service} ${request.method} ${request.url} failed: ${detail}`;
      if (log) log(line);
      else process.stderr.write(`faafo-tutor cloud: ${line}\n`);
    }
    return reply
      .code(mapped.reply.statusCode)
      .headers(mapped.headers)
      .type('application/json')
      .send(mapped.reply.body);
  });

  app.setNotFoundHandler((_request, reply) => {
    const { statusCode, body } = serviceError(service, 404, 'The resource could not be found.');
    return reply.code(statusCode).type('application/json').send(body);
  });

  if (provider) app.register(provider, deps);
  return app;
}

/** Listens on host:port (0 → any free port) before any route exists, so URLs are known up front. */
export async function bindServer(host: string, port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * The URL of a bound server by the address it really bound, never the host it was asked for: with
 * `--host localhost` the catalog, clouds.yaml and openrc say 127.0.0.1 (or [::1], whichever the
 * resolver gave the bind), so no client has to resolve `localhost` itself and land on the other
 * family, where nothing listens. Nodes are the same: their services and floating IPs listen on
 * explicit 127.S.x.x addresses, userdata's `localhost` is rewritten to the node's own (roles.ts),
 * and the 10.x fixed addresses are labels that nothing contacts. So the cloud binds one family.
 */
export function serverUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The catalog's URLs for four bound servers (compute with its version, network and image bare). */
export function endpointsFor(servers: Record<ServiceName, Server>): Endpoints {
  return {
    identity: serverUrl(servers.identity),
    compute: `${serverUrl(servers.compute)}/v2.1`,
    network: serverUrl(servers.network),
    image: serverUrl(servers.image),
  };
}

export interface GatewayOptions {
  host: string;
  /** Ports that must be used (0 → any free port); a taken one is an error. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Ports to try for services without an exact one (the last run's, devstack's); taken → any free port. */
  preferredPorts?: Partial<Record<ServiceName, number>>;
  providers: Partial<Record<ServiceName, Provider>>;
  /** Called once the ports are known, to build what the providers get. */
  deps(endpoints: Endpoints): ProviderDeps;
  log?: (line: string) => void;
}

export interface Gateway {
  endpoints: Endpoints;
  deps: ProviderDeps;
  apps: Record<ServiceName, FastifyInstance>;
  close(): Promise<void>;
}

/** Binds the four services, builds their apps and serves them. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const servers: Partial<Record<ServiceName, Server>> = {};
  const closeServers = async () => {
    await Promise.all(
      Object.values(servers).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  };
  try {
    for (const service of SERVICES) {
      const exact = options.ports?.[service];
      const preferred = options.preferredPorts?.[service];
      const port = exact ?? preferred ?? 0;
      servers[service] = await bindServer(options.host, port)
        .catch((error: NodeJS.ErrnoException) => {
          const retry =
            exact === undefined && port !== 0 && (error.code === 'EADDRINUSE' || error.code === 'EACCES');
          if (retry) return bindServer(options.host, 0);
          throw error;
        })
        .catch((error) => {
          throw explainBindError(error, service, options.host, port);
        });
    }
    const bound = servers as Record<ServiceName, Server>;
    const endpoints = endpointsFor(bound);
    const deps = options.deps(endpoints);
    const apps = {} as Record<ServiceName, FastifyInstance>;
    for (const service of SERVICES) {
      apps[service] = buildServiceApp(service, options.providers[service], deps, {
        server: bound[service],
        log: options.log,
      });
    }
    await Promise.all(SERVICES.map((service) => apps[service].ready()));
    return {
      endpoints,
      deps,
      apps,
      async close() {
        await Promise.all(SERVICES.map((service) => apps[service].close()));
        await closeServers();
      },
    };
  } catch (error) {
    await closeServers();
    throw error;
  }
}

function explainBindError(error: unknown, service: ServiceName, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? `the port is already in use (is another local cloud running? 'faafo-tutor cloud status' tells)`
      : code === 'EADDRNOTAVAIL'
        ? 'this machine has no such address'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges)'
          : (error as Error).message;
  return new Error(`The ${service} service cannot listen on ${where}: ${why}.`, { cause: error });
}
