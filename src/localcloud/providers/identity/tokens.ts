// Keystone v3 tokens: POST /v3/auth/tokens (password or token method) and the token's validation,
// check and revocation. Accepts the request shapes of libcloud, the OSC and pkgcloud (spec §2),
// including pkgcloud's stray top-level tenantName and users or projects without a domain.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findToken, headerValue, issueToken, revokeToken } from '../../auth.ts';
import type { Endpoints, ProviderDeps } from '../../contracts.ts';
import { keystoneError, OpenStackError } from '../../errors.ts';
import { effectiveRoles, hasAnyRole, projectsOfUser } from '../../model/identity.ts';
import type { CloudState, Project, Token, User } from '../../state.ts';
import { v3Catalog } from './catalog.ts';
import { badRequest, findProject, findUser, notAuthenticated, notFound, scopedRef } from './directory.ts';

const domainRef = z.object({ id: z.string().optional(), name: z.string().optional() });
const entityRef = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  domain: domainRef.optional(),
});

const v3AuthBody = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z.object({ user: entityRef.extend({ password: z.string() }) }).optional(),
      token: z.object({ id: z.string() }).optional(),
    }),
    scope: z
      .union([
        z.literal('unscoped'),
        z.object({
          project: entityRef.optional(),
          domain: domainRef.optional(),
          system: z.unknown().optional(),
        }),
      ])
      .optional(),
    // pkgcloud adds these beside identity and scope; Keystone's schema lets them through.
    tenantName: z.string().optional(),
    tenantId: z.string().optional(),
  }),
});
type V3Auth = z.infer<typeof v3AuthBody>['auth'];

/** Keystone's v3 timestamps carry microseconds: 2015-11-09T01:42:57.000000Z. */
export function keystoneTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function v3TokenBody(
  state: Readonly<CloudState>,
  token: Token,
  endpoints: Endpoints,
  options: { methods?: string[]; catalog?: boolean } = {},
) {
  const user = state.users.find((u) => u.id === token.userId);
  const project = state.projects.find((p) => p.id === token.projectId);
  if (!user || !project) throw notAuthenticated();
  return {
    token: {
      methods: options.methods ?? ['password'],
      user: { ...scopedRef(user), password_expires_at: null },
      audit_ids: [token.id.slice(-22)],
      expires_at: keystoneTime(token.expiresAt),
      issued_at: keystoneTime(token.issuedAt),
      project: scopedRef(project),
      is_domain: false,
      roles: effectiveRoles(state, user.id, project.id).map(({ id, name }) => ({ id, name })),
      ...(options.catalog === false ? {} : { catalog: v3Catalog(endpoints) }),
    },
  };
}

/** The user the identity section proves, or a 400/401 as Keystone answers. */
function authenticateIdentity(
  state: Readonly<CloudState>,
  auth: V3Auth,
  now: Date,
): { user: User; from?: Token } {
  const { identity } = auth;
  const method = identity.methods.find((m) => m === 'password' || m === 'token');
  if (!method) {
    throw new OpenStackError(
      keystoneError(401, 'Unauthorized', 'Attempted to authenticate with an unsupported method.'),
    );
  }
  if (method === 'token') {
    if (!identity.token) throw badRequest('Expecting to find token in identity.');
    const from = findToken(state, identity.token.id, now);
    const user = from && state.users.find((u) => u.id === from.userId);
    if (!from || !user) throw notAuthenticated();
    return { user, from };
  }
  const userRef = identity.password?.user;
  if (!userRef) throw badRequest('Expecting to find password in identity.');
  if (userRef.id === undefined && userRef.name === undefined)
    throw badRequest('Expecting to find id or name in user.');
  const user = findUser(state, userRef);
  if (!user || user.password !== userRef.password) throw notAuthenticated();
  return { user };
}

/** The project the token is for: the scope's, else the one a token method carries, else the user's default. */
function scopeProject(
  state: Readonly<CloudState>,
  auth: V3Auth,
  user: User,
  from: Token | undefined,
): Project {
  const scope = auth.scope === 'unscoped' ? undefined : auth.scope;
  const ref = scope?.project;
  if (ref) {
    if (ref.id === undefined && ref.name === undefined)
      throw badRequest('Expecting to find id or name in project.');
    const project = findProject(state, ref);
    // A token for a project needs a role there, as Keystone's.
    if (!project || !hasAnyRole(state, user.id, project.id)) throw notAuthenticated();
    return project;
  }
  // Domain- or system-scoped and unscoped requests get the user's default project (else the first
  // they have a role on), as Keystone does for unscoped requests of users with default_project_id.
  const projectId = from?.projectId ?? user.defaultProjectId;
  const project =
    state.projects.find((p) => p.id === projectId && hasAnyRole(state, user.id, p.id)) ??
    projectsOfUser(state, user.id)[0];
  if (!project) throw notAuthenticated();
  return project;
}

export const tokenRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints, now } = deps;

  app.post('/v3/auth/tokens', async (request, reply) => {
    const { auth } = v3AuthBody.parse(request.body);
    const state = store.read();
    const { user, from } = authenticateIdentity(state, auth, now());
    const project = scopeProject(state, auth, user, from);
    const token = issueToken(store, { userId: user.id, projectId: project.id }, now());
    const nocatalog = Object.hasOwn(request.query as object, 'nocatalog');
    const methods = from ? ['token', 'password'] : ['password'];
    return reply
      .code(201)
      .header('x-subject-token', token.id)
      .send(v3TokenBody(store.read(), token, endpoints, { methods, catalog: !nocatalog }));
  });

  /** The token named by X-Subject-Token, for validation by a holder of any valid token. */
  const subject = (request: FastifyRequest) => {
    const id = headerValue(request, 'X-Subject-Token');
    if (!id) throw badRequest('Expecting to find X-Subject-Token in the request headers.');
    const token = findToken(store.read(), id, now());
    if (!token) throw notFound('token', id);
    return token;
  };

  app.get('/v3/auth/tokens', async (request, reply) => {
    const token = subject(request);
    const nocatalog = Object.hasOwn(request.query as object, 'nocatalog');
    return reply
      .header('x-subject-token', token.id)
      .send(v3TokenBody(store.read(), token, endpoints, { catalog: !nocatalog }));
  });

  app.delete('/v3/auth/tokens', async (request, reply) => {
    const token = subject(request);
    revokeToken(store, token.id);
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async () => ({
    catalog: v3Catalog(endpoints),
    links: { self: `${endpoints.identity}/v3/auth/catalog`, previous: null, next: null },
  }));
};
