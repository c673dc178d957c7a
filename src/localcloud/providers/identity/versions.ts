// Keystone's version discovery. The OSC reads it before every command: at the root (a 300 listing
// the versions) when OS_AUTH_URL has no path, or at /v3 when it ends there.
import type { FastifyPluginAsync } from 'fastify';
import type { Endpoints, ProviderDeps } from '../../contracts.ts';

export function v3Version(endpoints: Endpoints) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${endpoints.identity}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function v2Version(endpoints: Endpoints) {
  return {
    id: 'v2.0',
    status: 'deprecated',
    updated: '2016-08-04T00:00:00Z',
    links: [
      { rel: 'self', href: `${endpoints.identity}/v2.0/` },
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v2.0+json' }],
  };
}

export const versionRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { endpoints }) => {
  app.get('/', async (_request, reply) =>
    reply.code(300).send({ versions: { values: [v3Version(endpoints), v2Version(endpoints)] } }),
  );
  app.get('/v3', async () => ({ version: v3Version(endpoints) }));
  app.get('/v2.0', async () => ({ version: v2Version(endpoints) }));
};
