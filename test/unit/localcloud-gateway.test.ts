// The gateway: the token check every service shares (no token, an unknown one, an expired one on
// the injected clock; pkgcloud's lower-case header), the routes real services serve without one,
// and answers in each service's own shape for malformed JSON, invalid bodies, unknown routes and
// crashes — never a stack trace.
import type { FastifyInstance, FastifyPluginAsync, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CloudStore, Endpoints, NodeRuntime, ProviderDeps } from '../../src/localcloud/contracts.ts';
import { novaError, OpenStackError } from '../../src/localcloud/errors.ts';
import { buildServiceApp, type ServiceName, startGateway } from '../../src/localcloud/gateway.ts';
import { identityProvider } from '../../src/localcloud/providers/identity/index.ts';
import { createMemoryStore, seedState } from '../../src/localcloud/store.ts';

const endpoints: Endpoints = {
  identity: 'http://127.0.0.1:5000',
  compute: 'http://127.0.0.1:8774/v2.1',
  network: 'http://127.0.0.1:9696',
  image: 'http://127.0.0.1:9292',
};

const ROOTS: Record<Exclude<ServiceName, 'identity'>, string> = {
  compute: '/v2.1',
  network: '/v2.0',
  image: '/v2',
};

/** A stand-in provider with one of each kind of route under the service's versioned root. */
function fakeProvider(root: string): FastifyPluginAsync<ProviderDeps> {
  return async (app) => {
    app.get('/', async () => ({ versions: [] }));
    app.get(root, async () => ({ version: { id: root } }));
    app.get('/versions', async () => ({ versions: [] }));
    app.get(`${root}/whoami`, async (request) => request.auth);
    app.post(`${root}/things`, async (request, reply) => {
      const body = z
        .object({ thing: z.object({ name: z.string(), size: z.number().int() }) })
        .parse(request.body);
      return reply.code(201).send(body);
    });
    app.delete(`${root}/things/:id`, async (_request, reply) => reply.code(204).send());
    app.post(`${root}/things/:id/action`, async (_request, reply) => reply.code(202).send());
    app.get(`${root}/missing`, async () => {
      throw new OpenStackError(novaError(404, 'itemNotFound', 'Instance nope could not be found.'));
    });
    app.get(`${root}/crash`, async () => {
      throw new Error('secret internals at /work/main/src/x.ts:12');
    });
  };
}

let store: CloudStore;
let clock: Date;
let deps: ProviderDeps;
let apps: Record<ServiceName, FastifyInstance>;
let logged: string[];

beforeEach(async () => {
  store = createMemoryStore(seedState({ slot: 3 }));
  clock = new Date('2025-06-01T08:00:00.000Z');
  deps = { store, endpoints, runtime: {} as NodeRuntime, now: () => clock };
  logged = [];
  const log = (line: string) => logged.push(line);
  apps = {
    identity: buildServiceApp('identity', identityProvider, deps, { log }),
    compute: buildServiceApp('compute', fakeProvider(ROOTS.compute), deps, { log }),
    network: buildServiceApp('network', fakeProvider(ROOTS.network), deps, { log }),
    image: buildServiceApp('image', fakeProvider(ROOTS.image), deps, { log }),
  };
  await Promise.all(Object.values(apps).map((app) => app.ready()));
});

afterEach(async () => {
  await Promise.all(Object.values(apps).map((app) => app.close()));
});

async function issueToken(): Promise<string> {
  const res = await apps.identity.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    payload: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'demo', password: 'password', domain: { name: 'Default' } } },
        },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    },
  });
  expect(res.statusCode).toBe(201);
  return res.headers['x-subject-token'] as string;
}

function expectNoInternals(res: LightMyRequestResponse) {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|\/work\/|secret internals/);
}

/** The error each service answers with, as its real clients parse it. */
function expectServiceError(
  service: ServiceName,
  res: LightMyRequestResponse,
  status: number,
  message?: RegExp,
) {
  expect(res.statusCode, res.body).toBe(status);
  expectNoInternals(res);
  const body = res.json();
  let text: string;
  switch (service) {
    case 'compute': {
      const [kind] = Object.keys(body);
      expect(Object.keys(body)).toHaveLength(1);
      expect(body[kind!].code).toBe(status);
      text = body[kind!].message;
      break;
    }
    case 'network':
      expect(Object.keys(body)).toEqual(['NeutronError']);
      expect(Object.keys(body.NeutronError).sort()).toEqual(['detail', 'message', 'type']);
      text = body.NeutronError.message;
      break;
    case 'image':
      expect(body.code).toMatch(new RegExp(`^${status} `));
      expect(typeof body.title).toBe('string');
      text = body.message;
      break;
    case 'identity':
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toBe(status);
      text = body.error.message;
      break;
  }
  expect(typeof text).toBe('string');
  if (message) expect(text).toMatch(message);
  return body;
}

const others = ['compute', 'network', 'image'] as const;

describe('the token check', () => {
  it.each(others)(
    'refuses %s routes without a token: 401 in Keystone shape, WWW-Authenticate',
    async (service) => {
      const res = await apps[service].inject({ method: 'GET', url: `${ROOTS[service]}/whoami` });
      expect(res.statusCode).toBe(401);
      expectNoInternals(res);
      expect(res.json()).toEqual({
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
      expect(res.headers['www-authenticate']).toBe('Keystone uri="http://127.0.0.1:5000"');
    },
  );

  it.each(others)(
    'accepts a token from Keystone on %s, in either letter case, and sets request.auth',
    async (service) => {
      const token = await issueToken();
      const { projects, users } = store.read();
      for (const header of ['X-Auth-Token', 'x-auth-token']) {
        const res = await apps[service].inject({
          method: 'GET',
          url: `${ROOTS[service]}/whoami`,
          headers: { [header]: token },
        });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ tokenId: token, userId: users[0]!.id, projectId: projects[0]!.id });
      }
    },
  );

  it.each(others)('refuses an unknown or expired token on %s', async (service) => {
    const token = await issueToken();
    const url = `${ROOTS[service]}/whoami`;
    const unknown = await apps[service].inject({
      method: 'GET',
      url,
      headers: { 'x-auth-token': `${token}x` },
    });
    expect(unknown.statusCode).toBe(401);
    clock = new Date(clock.getTime() + 59 * 60 * 1000);
    const live = await apps[service].inject({ method: 'GET', url, headers: { 'x-auth-token': token } });
    expect(live.statusCode).toBe(200);
    clock = new Date(clock.getTime() + 60 * 1000);
    const expired = await apps[service].inject({ method: 'GET', url, headers: { 'x-auth-token': token } });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.title).toBe('Unauthorized');
  });

  it('refuses a token whose user is gone', async () => {
    const token = await issueToken();
    store.update((s) => {
      s.users = [];
    });
    const res = await apps.compute.inject({
      method: 'GET',
      url: '/v2.1/whoami',
      headers: { 'x-auth-token': token },
    });
    expect(res.statusCode).toBe(401);
  });

  it('checks the token before anything else on the services behind keystonemiddleware, even on an unknown route or a bad body', async () => {
    expect((await apps.compute.inject({ method: 'GET', url: '/v2.1/nothing' })).statusCode).toBe(401);
    const bad = await apps.compute.inject({
      method: 'POST',
      url: '/v2.1/things',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(401);
  });

  it.each([
    ['compute', 'GET', '/'],
    ['compute', 'GET', '/v2.1'],
    ['compute', 'GET', '/v2.1/'],
    ['compute', 'HEAD', '/v2.1'],
    ['network', 'GET', '/'],
    ['image', 'GET', '/'],
    ['image', 'GET', '/versions'],
    ['identity', 'GET', '/'],
    ['identity', 'GET', '/v3'],
    ['identity', 'GET', '/v2.0'],
  ] as const)('serves the discovery document %s %s %s without a token', async (service, method, url) => {
    const res = await apps[service].inject({ method, url });
    expect(res.statusCode, res.body).toBeLessThan(400);
  });

  it('does not serve the network and image version roots without a token (keystonemiddleware guards them)', async () => {
    expect((await apps.network.inject({ method: 'GET', url: '/v2.0' })).statusCode).toBe(401);
    expect((await apps.image.inject({ method: 'GET', url: '/v2' })).statusCode).toBe(401);
  });
});

describe('errors in each service shape', () => {
  let token: string;
  beforeEach(async () => {
    token = await issueToken();
  });

  const post = (service: (typeof others)[number], payload: string, contentType = 'application/json') =>
    apps[service].inject({
      method: 'POST',
      url: `${ROOTS[service]}/things`,
      payload,
      headers: { 'x-auth-token': token, 'content-type': contentType },
    });

  it('answers malformed JSON with 400 in each shape', async () => {
    expect(expectServiceError('compute', await post('compute', '{"thing":'), 400)).toEqual({
      badRequest: { message: 'Malformed request body', code: 400 },
    });
    expect(expectServiceError('network', await post('network', '{"thing":'), 400)).toEqual({
      NeutronError: { type: 'HTTPBadRequest', message: 'Malformed request body', detail: '' },
    });
    expectServiceError('image', await post('image', '{"thing":'), 400, /Malformed JSON/);
    const identity = await apps.identity.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: '[1,',
      headers: { 'content-type': 'application/json' },
    });
    expectServiceError('identity', identity, 400, /valid JSON/);
  });

  it('parses JSON bodies whatever their content type says', async () => {
    const res = await post('compute', '{"thing":{"name":"a","size":1}}', 'text/plain');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ thing: { name: 'a', size: 1 } });
  });

  it("takes an empty body with Content-Type: application/json as no body (libcloud's DELETE and actions)", async () => {
    for (const [method, url] of [
      ['DELETE', '/v2.1/things/1'],
      ['POST', '/v2.1/things/1/action'],
    ] as const) {
      const res = await apps.compute.inject({
        method,
        url,
        payload: '',
        headers: {
          'x-auth-token': token,
          'content-type': 'application/json; charset=UTF-8',
          'content-length': '0',
        },
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
  });

  it('sends a JSON content type even on empty replies (libcloud reads anything else as text)', async () => {
    const res = await apps.compute.inject({
      method: 'POST',
      url: '/v2.1/things/1/action',
      headers: { 'x-auth-token': token },
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers an invalid body (zod) with 400 in each shape, naming the field', async () => {
    expectServiceError(
      'compute',
      await post('compute', '{"thing":{"size":1}}'),
      400,
      /^Invalid input for field\/attribute thing\. 'name' is a required property$/,
    );
    expectServiceError(
      'network',
      await post('network', '{"thing":{"name":"a","size":"big"}}'),
      400,
      /^Invalid input for thing\/size\. Reason: /,
    );
    expectServiceError('image', await post('image', '{}'), 400, /thing/);
  });

  it('sends OpenStackError bodies as they are', async () => {
    const res = await apps.compute.inject({
      method: 'GET',
      url: '/v2.1/missing',
      headers: { 'x-auth-token': token },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ itemNotFound: { message: 'Instance nope could not be found.', code: 404 } });
  });

  it.each([...others, 'identity'] as const)(
    'answers an unknown %s route with 404 in its shape',
    async (service) => {
      const res = await apps[service].inject({
        method: 'GET',
        url: '/v9/nothing',
        headers: { 'x-auth-token': token },
      });
      expectServiceError(service, res, 404, /could not be found/);
    },
  );

  it.each(others)(
    'answers a crash on %s with 500 in its shape, logged, with no details in the body',
    async (service) => {
      const res = await apps[service].inject({
        method: 'GET',
        url: `${ROOTS[service]}/crash`,
        headers: { 'x-auth-token': token },
      });
      const body = expectServiceError(service, res, 500);
      if (service === 'compute') expect(Object.keys(body)).toEqual(['computeFault']);
      if (service === 'network') expect(body.NeutronError.type).toBe('HTTPInternalServerError');
      expect(logged.some((line) => line.includes('secret internals') && line.includes('at '))).toBe(true);
    },
  );

  it('answers an oversized body with 413 in the shape', async () => {
    const res = await post(
      'compute',
      JSON.stringify({ thing: { name: 'x'.repeat(2 * 1024 * 1024), size: 1 } }),
    );
    expectServiceError('compute', res, 413);
  });
});

describe('response headers', () => {
  it('marks compute replies with the microversion served (2.1) and every reply with a request id', async () => {
    const res = await apps.compute.inject({ method: 'GET', url: '/v2.1' });
    expect(res.headers['x-openstack-nova-api-version']).toBe('2.1');
    expect(res.headers['openstack-api-version']).toBe('compute 2.1');
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
    const network = await apps.network.inject({ method: 'GET', url: '/' });
    expect(network.headers['x-openstack-request-id']).toMatch(/^req-/);
    expect(network.headers['x-openstack-nova-api-version']).toBeUndefined();
  });
});

describe('startGateway', () => {
  it('binds the four services on loopback ports and serves them; close frees the ports', async () => {
    const gateway = await startGateway({
      host: '127.0.0.1',
      providers: { identity: identityProvider, compute: fakeProvider('/v2.1') },
      deps: (endpoints) => ({ ...deps, endpoints }),
    });
    const { endpoints: urls } = gateway;
    expect(urls.identity).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.compute).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\.1$/);
    expect(urls.network).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.image).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(Object.values(urls).map((u) => new URL(u).port)).size).toBe(4);
    // Providers were given the real URLs: Keystone's catalog names them.
    const auth = await fetch(`${urls.identity}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'demo', password: 'password' } } },
        },
      }),
    });
    expect(auth.status).toBe(201);
    const token = auth.headers.get('x-subject-token')!;
    const catalog = (
      (await auth.json()) as {
        token: { catalog: Array<{ name: string; endpoints: Array<{ url: string }> }> };
      }
    ).token.catalog;
    expect(catalog.find((s) => s.name === 'nova')!.endpoints[0]!.url).toBe(urls.compute);
    const whoami = await fetch(`${urls.compute}/whoami`, { headers: { 'X-Auth-Token': token } });
    expect(whoami.status).toBe(200);
    // A service without a provider still answers in its shape.
    const network = await fetch(`${urls.network}/v2.0/networks`, { headers: { 'X-Auth-Token': token } });
    expect(network.status).toBe(404);
    expect(((await network.json()) as { NeutronError: unknown }).NeutronError).toBeDefined();
    await gateway.close();
    await expect(fetch(urls.identity)).rejects.toThrow();
  });

  it('served on localhost, hands out the address it bound, so no client has to resolve localhost', async () => {
    const gateway = await startGateway({
      host: 'localhost',
      providers: { identity: identityProvider },
      deps: (endpoints) => ({ ...deps, endpoints }),
    });
    try {
      const urls = Object.values(gateway.endpoints);
      const hosts = new Set(urls.map((u) => new URL(u).hostname));
      expect(hosts.size).toBe(1);
      expect(['127.0.0.1', '[::1]']).toContain([...hosts][0]);
      // And it answers there.
      expect((await fetch(`${gateway.endpoints.identity}/v3`)).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('says which service cannot listen when a port is taken, and leaves nothing bound', async () => {
    const first = await startGateway({
      host: '127.0.0.1',
      providers: {},
      deps: (e) => ({ ...deps, endpoints: e }),
    });
    const taken = Number(new URL(first.endpoints.network).port);
    await expect(
      startGateway({
        host: '127.0.0.1',
        ports: { network: taken },
        providers: {},
        deps: (e) => ({ ...deps, endpoints: e }),
      }),
    ).rejects.toThrow(/network service cannot listen on 127\.0\.0\.1:\d+: the port is already in use/);
    await first.close();
  });
});
