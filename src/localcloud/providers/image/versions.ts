// Glance's version document: `GET /` answers 300 Multiple Choices and `GET /versions` 200, both
// without a token. The ids must be real version numbers: keystoneauth's discovery skips an id it
// cannot parse ("v2.x"), and the OSC then finds no image API at all.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';

/** What a Zed-era Glance with the image cache enabled and one store lists (glance/api/versions.py). */
const VERSIONS: [id: string, status: 'CURRENT' | 'SUPPORTED'][] = [
  ['2.16', 'CURRENT'],
  ['2.15', 'SUPPORTED'],
  ['2.14', 'SUPPORTED'],
  ['2.9', 'SUPPORTED'],
  ['2.7', 'SUPPORTED'],
  ['2.6', 'SUPPORTED'],
  ['2.5', 'SUPPORTED'],
  ['2.4', 'SUPPORTED'],
  ['2.3', 'SUPPORTED'],
  ['2.2', 'SUPPORTED'],
  ['2.1', 'SUPPORTED'],
  ['2.0', 'SUPPORTED'],
];

export const versionRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const href = `${deps.endpoints.image.replace(/\/+$/, '')}/v2/`;
  const body = () => ({
    versions: VERSIONS.map(([id, status]) => ({ id: `v${id}`, status, links: [{ rel: 'self', href }] })),
  });

  app.get('/', async (_request, reply) => reply.code(300).send(body()));
  app.get('/versions', async () => body());
};
