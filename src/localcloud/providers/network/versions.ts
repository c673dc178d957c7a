// Neutron's version documents. `GET /` is served without a token (the gateway lists it among the
// public routes), as Neutron serves it outside keystonemiddleware; `GET /v2.0` lists the resources.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';

const RESOURCES: [name: string, collection: string][] = [
  ['network', 'networks'],
  ['subnet', 'subnets'],
  ['port', 'ports'],
  ['security_group', 'security-groups'],
  ['security_group_rule', 'security-group-rules'],
  ['floatingip', 'floatingips'],
  ['quota', 'quotas'],
  ['extension', 'extensions'],
];

export const versionRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const base = deps.endpoints.network.replace(/\/+$/, '');

  app.get('/', async () => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${base}/v2.0/`, rel: 'self' }] }],
  }));

  app.get('/v2.0', async () => ({
    resources: RESOURCES.map(([name, collection]) => ({
      name,
      collection,
      links: [{ href: `${base}/v2.0/${collection}`, rel: 'self' }],
    })),
  }));
};
