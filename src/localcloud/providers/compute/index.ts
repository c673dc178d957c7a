// The compute provider (Nova v2.1): one module per resource, all under /v2.1 except the version
// documents at the root. Every route reads and writes the shared state through deps.store and
// drives nodes through deps.runtime.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { actionRoutes } from './actions.ts';
import { diagnosticsRoutes } from './diagnostics.ts';
import { flavorRoutes } from './flavors.ts';
import { floatingIpRoutes } from './floating-ips.ts';
import { imageRoutes } from './images.ts';
import { keypairRoutes } from './keypairs.ts';
import { limitRoutes } from './limits.ts';
import { answerMicroversion } from './microversion.ts';
import { quotaRoutes } from './quotas.ts';
import { securityGroupRoutes } from './security-groups.ts';
import { serverRoutes } from './servers.ts';
import { versionRoutes } from './versions.ts';

export const computeProvider: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  app.register(versionRoutes, deps);
  app.register(
    async (v21) => {
      v21.addHook('onRequest', answerMicroversion);
      v21.register(serverRoutes, deps);
      v21.register(actionRoutes, deps);
      v21.register(diagnosticsRoutes, deps);
      v21.register(flavorRoutes, deps);
      v21.register(imageRoutes, deps);
      v21.register(keypairRoutes, deps);
      v21.register(limitRoutes, deps);
      v21.register(quotaRoutes, deps);
      v21.register(securityGroupRoutes, deps);
      v21.register(floatingIpRoutes, deps);
    },
    { prefix: '/v2.1' },
  );
};
