// Keystone: version discovery, v3 tokens and catalog, the v2.0 token API older clients use, and
// projects, users, domains, roles and role assignments (the admin role creates and deletes them).
// One plugin per concern.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { projectRoutes } from './projects.ts';
import { roleRoutes } from './roles.ts';
import { tokenRoutes } from './tokens.ts';
import { userRoutes } from './users.ts';
import { v2Routes } from './v2.ts';
import { versionRoutes } from './versions.ts';

export const identityProvider: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  await app.register(versionRoutes, deps);
  await app.register(tokenRoutes, deps);
  await app.register(v2Routes, deps);
  await app.register(projectRoutes, deps);
  await app.register(userRoutes, deps);
  await app.register(roleRoutes, deps);
};
