// Neutron v2.0, one module per resource. Every route but `GET /` needs a token (the gateway checks
// it and sets request.auth); every change to security groups, rules or floating IPs tells the node
// runtime to re-plan its floating-IP forwarders.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { extensionRoutes } from './extensions.ts';
import { floatingIpRoutes } from './floating-ips.ts';
import { networkRoutes } from './networks.ts';
import { portRoutes } from './ports.ts';
import { quotaRoutes } from './quotas.ts';
import { securityGroupRuleRoutes } from './security-group-rules.ts';
import { securityGroupRoutes } from './security-groups.ts';
import { subnetRoutes } from './subnets.ts';
import { versionRoutes } from './versions.ts';

export const networkProvider: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  await app.register(versionRoutes, deps);
  await app.register(networkRoutes, deps);
  await app.register(subnetRoutes, deps);
  await app.register(portRoutes, deps);
  await app.register(securityGroupRoutes, deps);
  await app.register(securityGroupRuleRoutes, deps);
  await app.register(floatingIpRoutes, deps);
  await app.register(quotaRoutes, deps);
  await app.register(extensionRoutes, deps);
};
