// Keystone v2.0, long gone from real clouds but what the guide's libcloud code (`2.0_password`) and
// pkgcloud's default use: POST /v2.0/tokens and GET /v2.0/tenants.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { findToken, issueToken } from '../../auth.ts';
import type { Endpoints, ProviderDeps } from '../../contracts.ts';
import { effectiveRoles } from '../../model/identity.ts';
import type { CloudState, Project, Token, User } from '../../state.ts';
import { v2Catalog } from './catalog.ts';
import { badRequest, notAuthenticated, projectsOf } from './directory.ts';

const v2AuthBody = z.object({
  auth: z.object({
    passwordCredentials: z.object({ username: z.string(), password: z.string() }).optional(),
    token: z.object({ id: z.string() }).optional(),
    tenantName: z.string().optional(),
    tenantId: z.string().optional(),
  }),
});

/** v2.0 wrote its times to the second: 2014-02-27T18:30:59Z. */
function v2Time(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function tenantBody(project: Project) {
  return { id: project.id, name: project.name, description: '', enabled: true };
}

export function v2AccessBody(state: Readonly<CloudState>, token: Token, user: User, endpoints: Endpoints) {
  const project = state.projects.find((p) => p.id === token.projectId);
  if (!project) throw notAuthenticated();
  const roles = effectiveRoles(state, user.id, project.id);
  return {
    access: {
      token: {
        id: token.id,
        issued_at: v2Time(token.issuedAt),
        expires: v2Time(token.expiresAt),
        tenant: tenantBody(project),
        audit_ids: [token.id.slice(-22)],
      },
      serviceCatalog: v2Catalog(endpoints),
      user: {
        id: user.id,
        name: user.name,
        username: user.name,
        roles: roles.map(({ name }) => ({ name })),
        roles_links: [],
      },
      metadata: { is_admin: 0, roles: roles.map(({ id }) => id) },
    },
  };
}

export const v2Routes: FastifyPluginAsync<ProviderDeps> = async (app, { store, endpoints, now }) => {
  app.post('/v2.0/tokens', async (request) => {
    const { auth } = v2AuthBody.parse(request.body);
    const state = store.read();
    let user: User | undefined;
    let fromProjectId: string | undefined;
    if (auth.passwordCredentials) {
      const { username, password } = auth.passwordCredentials;
      user = state.users.find((u) => u.name === username && u.domainId === 'default');
      if (!user || user.password !== password) throw notAuthenticated();
    } else if (auth.token) {
      const from = findToken(state, auth.token.id, now());
      user = from && state.users.find((u) => u.id === from.userId);
      if (!from || !user) throw notAuthenticated();
      fromProjectId = from.projectId;
    } else {
      throw badRequest('Expecting to find passwordCredentials or token in auth.');
    }
    // No tenant named: the user's default one, so pkgcloud need not ask /v2.0/tenants and come back.
    let projectId = fromProjectId ?? projectsOf(state, user).find((p) => p.id === user!.defaultProjectId)?.id;
    if (auth.tenantId !== undefined || auth.tenantName !== undefined) {
      const project = projectsOf(state, user).find((p) =>
        auth.tenantId !== undefined ? p.id === auth.tenantId : p.name === auth.tenantName,
      );
      if (!project) throw notAuthenticated();
      projectId = project.id;
    }
    projectId ??= projectsOf(state, user)[0]?.id;
    if (projectId === undefined) throw notAuthenticated();
    const token = issueToken(store, { userId: user.id, projectId }, now());
    return v2AccessBody(store.read(), token, user, endpoints);
  });

  app.get('/v2.0/tenants', async (request) => {
    const state = store.read();
    const user = state.users.find((u) => u.id === request.auth.userId);
    const tenants = user ? projectsOf(state, user).map(tenantBody) : [];
    return { tenants, tenants_links: [] };
  });
};
