// Glance v2: the version document (no token) and read-only images.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { imageRoutes } from './images.ts';
import { versionRoutes } from './versions.ts';

export const imageProvider: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  await app.register(versionRoutes, deps);
  await app.register(imageRoutes, deps);
};
