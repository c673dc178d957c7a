// Keystone through inject(): the request bodies libcloud, the openstack CLI and pkgcloud really send
// (spec §2), the v3 and v2.0 answers they read, the catalog they are strict about, and Keystone's
// 400s and 401s.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore, Endpoints, NodeRuntime, ProviderDeps } from '../../src/localcloud/contracts.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { identityProvider } from '../../src/localcloud/providers/identity/index.ts';
import { createMemoryStore, seedState } from '../../src/localcloud/store.ts';

const endpoints: Endpoints = {
  identity: 'http://127.0.0.1:5000',
  compute: 'http://127.0.0.1:8774/v2.1',
  network: 'http://127.0.0.1:9696',
  image: 'http://127.0.0.1:9292',
};

let store: CloudStore;
let clock: Date;
let app: FastifyInstance;
let projectId: string;
let userId: string;

beforeEach(async () => {
  store = createMemoryStore(
    seedState({ slot: 7, username: 'demo', password: 'secret', projectName: 'demo' }),
  );
  clock = new Date('2025-01-01T10:00:00.000Z');
  const deps: ProviderDeps = { store, endpoints, runtime: {} as NodeRuntime, now: () => clock };
  app = buildServiceApp('identity', identityProvider, deps);
  await app.ready();
  projectId = store.read().projects[0]!.id;
  userId = store.read().users[0]!.id;
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers });

/** A Keystone error: `{"error": {code, title, message}}` and nothing else, no stack trace. */
function expectKeystoneError(res: LightMyRequestResponse, code: number, title: string, message?: RegExp) {
  expect(res.statusCode, res.body).toBe(code);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.title).toBe(title);
  expect(typeof body.error.message).toBe('string');
  if (message) expect(body.error.message).toMatch(message);
  expect(res.body).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
}

const libcloudV3 = (password = 'secret') => ({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { domain: { name: 'Default' }, name: 'demo', password } },
    },
    scope: { project: { domain: { id: 'default' }, name: 'demo' } },
  },
});

const oscV3 = {
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { password: 'secret', name: 'demo', domain: { name: 'Default' } } },
    },
    scope: { project: { name: 'demo', domain: { name: 'Default' } } },
  },
};

const pkgcloudV3 = {
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'demo', password: 'secret', domain: { name: 'Default' } } },
    },
    scope: { project: { name: 'demo', domain: { name: 'Default' } } },
    tenantName: 'demo',
  },
};

const expectedCatalog = (identitySuffix: string) => [
  ['compute', 'nova', endpoints.compute],
  ['network', 'neutron', endpoints.network],
  ['image', 'glance', endpoints.image],
  ['identity', 'keystone', `${endpoints.identity}${identitySuffix}`],
];

describe('version discovery', () => {
  it('answers the root with 300 and both versions, without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(300);
    const values = res.json().versions.values as Array<{ id: string; status: string; links: unknown[] }>;
    expect(values.map((v) => v.id)).toEqual(['v3.14', 'v2.0']);
    expect(values[0]!.status).toBe('stable');
    expect(values[0]!.links).toContainEqual({ rel: 'self', href: 'http://127.0.0.1:5000/v3/' });
  });

  it('answers /v3 and /v3/ with the version document the OSC reads', async () => {
    for (const url of ['/v3', '/v3/']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.json().version).toMatchObject({
        id: 'v3.14',
        status: 'stable',
        links: [{ rel: 'self', href: 'http://127.0.0.1:5000/v3/' }],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
      });
    }
  });
});

describe('POST /v3/auth/tokens', () => {
  it.each([
    ['libcloud', libcloudV3()],
    ['the openstack CLI', oscV3],
    ['pkgcloud (with its stray tenantName)', pkgcloudV3],
  ])('issues a project-scoped token for the body %s sends', async (_client, body) => {
    const res = await post('/v3/auth/tokens', body);
    expect(res.statusCode, res.body).toBe(201);
    const tokenId = res.headers['x-subject-token'];
    expect(typeof tokenId).toBe('string');
    expect(store.read().tokens.map((t) => t.id)).toContain(tokenId);
    const { token } = res.json();
    expect(token.methods).toEqual(['password']);
    expect(token.user).toEqual({
      id: userId,
      name: 'demo',
      domain: { id: 'default', name: 'Default' },
      password_expires_at: null,
    });
    expect(token.project).toEqual({
      id: projectId,
      name: 'demo',
      domain: { id: 'default', name: 'Default' },
    });
    expect(token.issued_at).toBe('2025-01-01T10:00:00.000000Z');
    // One hour, as Keystone: pkgcloud re-authenticates when fewer than 5 minutes remain.
    expect(token.expires_at).toBe('2025-01-01T11:00:00.000000Z');
    expect(token.roles.map((r: { name: string }) => r.name)).toContain('member');
    expect(token.roles.every((r: { id?: string }) => typeof r.id === 'string')).toBe(true);
  });

  it('serves a catalog of exactly nova, neutron, glance and keystone, one public RegionOne endpoint each', async () => {
    const { catalog } = (await post('/v3/auth/tokens', libcloudV3())).json().token;
    expect(catalog.map((s: { type: string; name: string }) => [s.type, s.name])).toEqual(
      expectedCatalog('/v3').map(([type, name]) => [type, name]),
    );
    for (const [type, name, url] of expectedCatalog('/v3')) {
      const service = catalog.find((s: { name: string }) => s.name === name);
      expect(service.type).toBe(type);
      expect(service.id).toMatch(/^[0-9a-f]{32}$/);
      expect(service.endpoints).toEqual([
        {
          id: expect.stringMatching(/^[0-9a-f]{32}$/),
          interface: 'public',
          region: 'RegionOne',
          region_id: 'RegionOne',
          url,
        },
      ]);
    }
    // Compute carries its version and no project id; network and image are unversioned.
    expect(endpoints.compute).toMatch(/\/v2\.1$/);
    // Ids are stable from one token to the next.
    const again = (await post('/v3/auth/tokens', oscV3)).json().token.catalog;
    expect(again).toEqual(catalog);
  });

  it('scopes an unscoped request to the user default project, as Keystone does for default_project_id', async () => {
    const res = await post('/v3/auth/tokens', { auth: { identity: libcloudV3().auth.identity } });
    expect(res.statusCode).toBe(201);
    expect(res.json().token.project.id).toBe(projectId);
  });

  it('accepts pkgcloud without domains (user and project found in the default domain)', async () => {
    const res = await post('/v3/auth/tokens', {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'demo', password: 'secret' } } },
        scope: { project: { name: 'demo' } },
        tenantName: 'demo',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('accepts a user by id and a project by id', async () => {
    const res = await post('/v3/auth/tokens', {
      auth: {
        identity: { methods: ['password'], password: { user: { id: userId, password: 'secret' } } },
        scope: { project: { id: projectId } },
      },
    });
    expect(res.statusCode).toBe(201);
  });

  it('re-scopes with the token method', async () => {
    const first = (await post('/v3/auth/tokens', libcloudV3())).headers['x-subject-token'] as string;
    const res = await post('/v3/auth/tokens', {
      auth: { identity: { methods: ['token'], token: { id: first } }, scope: { project: { id: projectId } } },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-subject-token']).not.toBe(first);
  });

  it('leaves the catalog out with ?nocatalog', async () => {
    const res = await post('/v3/auth/tokens?nocatalog', libcloudV3());
    expect(res.json().token.catalog).toBeUndefined();
  });

  it.each([
    ['a wrong password', libcloudV3('wrong')],
    [
      'an unknown user',
      {
        auth: { identity: { methods: ['password'], password: { user: { name: 'nobody', password: 'x' } } } },
      },
    ],
    [
      'an unknown project',
      { auth: { ...libcloudV3().auth, scope: { project: { name: 'other', domain: { id: 'default' } } } } },
    ],
    [
      'an unknown user domain',
      {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'demo', password: 'secret', domain: { name: 'Elsewhere' } } },
          },
        },
      },
    ],
    ['an unknown token', { auth: { identity: { methods: ['token'], token: { id: 'gAAAAAnope' } } } }],
  ])('answers %s with 401 in Keystone words', async (_what, body) => {
    const res = await post('/v3/auth/tokens', body);
    expectKeystoneError(res, 401, 'Unauthorized', /^The request you have made requires authentication\.$/);
    expect(res.headers['x-subject-token']).toBeUndefined();
    expect(res.headers['www-authenticate']).toBe('Keystone uri="http://127.0.0.1:5000"');
  });

  it('refuses an unsupported method with 401', async () => {
    const res = await post('/v3/auth/tokens', { auth: { identity: { methods: ['totp'], totp: {} } } });
    expectKeystoneError(res, 401, 'Unauthorized', /unsupported method/);
  });

  it.each([
    ['no auth', {}],
    ['no identity', { auth: { scope: { project: { name: 'demo' } } } }],
    ['no methods', { auth: { identity: { password: { user: { name: 'demo', password: 'secret' } } } } }],
    ['no password section', { auth: { identity: { methods: ['password'] } } }],
    [
      'a user without id or name',
      { auth: { identity: { methods: ['password'], password: { user: { password: 'x' } } } } },
    ],
    [
      'a user without password',
      { auth: { identity: { methods: ['password'], password: { user: { name: 'demo' } } } } },
    ],
    [
      'a password that is not a string',
      { auth: { identity: { methods: ['password'], password: { user: { name: 'demo', password: 1 } } } } },
    ],
  ])('answers %s with 400 in Keystone words', async (_what, body) => {
    expectKeystoneError(await post('/v3/auth/tokens', body), 400, 'Bad Request');
  });

  it('names the missing field the way Keystone does', async () => {
    const res = await post('/v3/auth/tokens', { auth: {} });
    expect(res.json().error.message).toBe(
      "Invalid input for field 'auth': 'identity' is a required property",
    );
  });

  it('answers malformed JSON with Keystone 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: '{"auth": ',
      headers: { 'content-type': 'application/json' },
    });
    expectKeystoneError(res, 400, 'Bad Request', /^Expecting to find valid JSON in request body/);
  });

  it('drops expired tokens when it issues a new one', async () => {
    await post('/v3/auth/tokens', libcloudV3());
    clock = new Date(clock.getTime() + 60 * 60 * 1000 + 1);
    await post('/v3/auth/tokens', libcloudV3());
    expect(store.read().tokens).toHaveLength(1);
  });
});

describe('token validation', () => {
  let token: string;
  beforeEach(async () => {
    token = (await post('/v3/auth/tokens', libcloudV3())).headers['x-subject-token'] as string;
  });

  it('validates with X-Subject-Token (libcloud refetches the catalog this way)', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': token, 'X-Subject-Token': token },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-subject-token']).toBe(token);
    expect(res.json().token.project.id).toBe(projectId);
    expect(res.json().token.catalog).toHaveLength(4);
    const head = await app.inject({
      method: 'HEAD',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': token, 'X-Subject-Token': token },
    });
    expect(head.statusCode).toBe(200);
  });

  it('answers an unknown subject with 404 and a missing caller token with 401', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': token, 'X-Subject-Token': 'gAAAAAgone' },
    });
    expectKeystoneError(res, 404, 'Not Found', /Could not find token: gAAAAAgone\./);
    const anonymous = await app.inject({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'X-Subject-Token': token },
    });
    expectKeystoneError(anonymous, 401, 'Unauthorized');
  });

  it('revokes with DELETE; the token then fails everywhere', async () => {
    const res = await app.inject({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      headers: { 'x-auth-token': token, 'X-Subject-Token': token },
    });
    expect(res.statusCode).toBe(204);
    const after = await app.inject({
      method: 'GET',
      url: '/v3/projects',
      headers: { 'x-auth-token': token },
    });
    expectKeystoneError(after, 401, 'Unauthorized');
  });

  it('refuses an expired token with 401', async () => {
    clock = new Date(clock.getTime() + 60 * 60 * 1000);
    const res = await app.inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': token } });
    expectKeystoneError(res, 401, 'Unauthorized', /^The request you have made requires authentication\.$/);
  });

  it('serves the catalog at /v3/auth/catalog', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v3/auth/catalog',
      headers: { 'x-auth-token': token },
    });
    expect(res.json().catalog.map((s: { name: string }) => s.name)).toEqual([
      'nova',
      'neutron',
      'glance',
      'keystone',
    ]);
  });
});

describe('projects, users and domains', () => {
  let headers: Record<string, string>;
  beforeEach(async () => {
    headers = { 'x-auth-token': (await post('/v3/auth/tokens', oscV3)).headers['x-subject-token'] as string };
  });

  it('lists projects, filters by name, shows one by id', async () => {
    const list = await app.inject({ method: 'GET', url: '/v3/projects', headers });
    expect(list.json().projects).toEqual([
      expect.objectContaining({ id: projectId, name: 'demo', domain_id: 'default', enabled: true }),
    ]);
    const byName = await app.inject({ method: 'GET', url: '/v3/projects?name=demo', headers });
    expect(byName.json().projects).toHaveLength(1);
    const none = await app.inject({ method: 'GET', url: '/v3/projects?name=other', headers });
    expect(none.json().projects).toEqual([]);
    const one = await app.inject({ method: 'GET', url: `/v3/projects/${projectId}`, headers });
    expect(one.json().project.name).toBe('demo');
  });

  it('answers a project looked up by name with 404, so the OSC then asks ?name=', async () => {
    const res = await app.inject({ method: 'GET', url: '/v3/projects/demo', headers });
    expectKeystoneError(res, 404, 'Not Found', /^Could not find project: demo\.$/);
  });

  it('shows the user, their projects and the default domain', async () => {
    const user = await app.inject({ method: 'GET', url: `/v3/users/${userId}`, headers });
    expect(user.json().user).toMatchObject({
      id: userId,
      name: 'demo',
      domain_id: 'default',
      default_project_id: projectId,
    });
    expect(user.body).not.toContain('secret');
    const mine = await app.inject({ method: 'GET', url: `/v3/users/${userId}/projects`, headers });
    expect(mine.json().projects.map((p: { id: string }) => p.id)).toEqual([projectId]);
    const auth = await app.inject({ method: 'GET', url: '/v3/auth/projects', headers });
    expect(auth.json().projects.map((p: { id: string }) => p.id)).toEqual([projectId]);
    const domain = await app.inject({ method: 'GET', url: '/v3/domains/default', headers });
    expect(domain.json().domain).toMatchObject({ id: 'default', name: 'Default' });
    expectKeystoneError(
      await app.inject({ method: 'GET', url: '/v3/users/nobody', headers }),
      404,
      'Not Found',
    );
  });

  it('answers an unknown route with a Keystone 404, with or without a token, as Keystone does', async () => {
    expectKeystoneError(await app.inject({ method: 'GET', url: '/v3/nothing', headers }), 404, 'Not Found');
    expectKeystoneError(await app.inject({ method: 'GET', url: '/v3/nothing' }), 404, 'Not Found');
    // libcloud 3.4.1 posts to the auth URL's own path: with `…/v3` it must read "not found", not "bad password".
    expectKeystoneError(await post('/v3', libcloudV3()), 404, 'Not Found');
  });
});

describe('POST /v2.0/tokens', () => {
  it('issues a token for libcloud 2.0_password (passwordCredentials + tenantName), 200 with access', async () => {
    const res = await post('/v2.0/tokens', {
      auth: { passwordCredentials: { username: 'demo', password: 'secret' }, tenantName: 'demo' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { access } = res.json();
    expect(access.token).toMatchObject({
      expires: '2025-01-01T11:00:00Z',
      tenant: { id: projectId, name: 'demo', enabled: true },
    });
    expect(store.read().tokens.map((t) => t.id)).toContain(access.token.id);
    expect(access.user).toMatchObject({ id: userId, name: 'demo' });
    expect(access.serviceCatalog).toEqual(
      expectedCatalog('/v2.0').map(([type, name, url]) => ({
        type,
        name,
        endpoints: [
          { id: expect.any(String), region: 'RegionOne', publicURL: url, internalURL: url, adminURL: url },
        ],
        endpoints_links: [],
      })),
    );
  });

  it('scopes to the default tenant when pkgcloud names none (so it need not ask /v2.0/tenants)', async () => {
    const res = await post('/v2.0/tokens', {
      auth: { passwordCredentials: { username: 'demo', password: 'secret' } },
    });
    expect(res.json().access.token.tenant.id).toBe(projectId);
  });

  it('accepts tenantId, and lists the tenants for pkgcloud', async () => {
    const res = await post('/v2.0/tokens', {
      auth: { passwordCredentials: { username: 'demo', password: 'secret' }, tenantId: projectId },
    });
    expect(res.statusCode).toBe(200);
    const token = res.json().access.token.id as string;
    // pkgcloud sends the header in lower case.
    const tenants = await app.inject({
      method: 'GET',
      url: '/v2.0/tenants',
      headers: { 'x-auth-token': token },
    });
    expect(tenants.json()).toEqual({
      tenants: [{ id: projectId, name: 'demo', description: '', enabled: true }],
      tenants_links: [],
    });
    // The token is good on v3 routes too.
    const projects = await app.inject({
      method: 'GET',
      url: '/v3/projects',
      headers: { 'X-Auth-Token': token },
    });
    expect(projects.statusCode).toBe(200);
  });

  it('answers a wrong password, unknown user or tenant with 401', async () => {
    for (const auth of [
      { passwordCredentials: { username: 'demo', password: 'nope' } },
      { passwordCredentials: { username: 'ghost', password: 'secret' } },
      { passwordCredentials: { username: 'demo', password: 'secret' }, tenantName: 'other' },
    ]) {
      expectKeystoneError(await post('/v2.0/tokens', { auth }), 401, 'Unauthorized');
    }
  });

  it('answers missing credentials with 400', async () => {
    expectKeystoneError(await post('/v2.0/tokens', { auth: { tenantName: 'demo' } }), 400, 'Bad Request');
    expectKeystoneError(
      await post('/v2.0/tokens', { auth: { passwordCredentials: { username: 'demo' } } }),
      400,
      'Bad Request',
    );
    expectKeystoneError(await post('/v2.0/tokens', 'null'), 400, 'Bad Request');
  });

  it('refuses /v2.0/tenants without a token', async () => {
    expectKeystoneError(await app.inject({ method: 'GET', url: '/v2.0/tenants' }), 401, 'Unauthorized');
  });
});
