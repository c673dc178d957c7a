// Users: a user sees themselves; the admin role lists, creates (`user create --project P
// --password X NAME`) and deletes them. The OSC finds a user by `GET /v3/users/NAME` (404), then
// `?name=`, so both are served.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { createUser, deleteUser, randomPassword } from '../../model/identity.ts';
import { DEFAULT_DOMAIN, domainIds, notFound, userBody } from './directory.ts';
import { callerIsAdmin, forbidden, requireAdmin } from './policy.ts';
import { identityRefusal } from './refused.ts';

const idParams = z.object({ id: z.string() });

const listQuery = z.object({ name: z.string().optional(), domain_id: z.string().optional() });

/** POST /v3/users as the OSC sends it. */
const createBody = z.object({
  user: z.object({
    name: z.string().min(1).max(255),
    password: z.string().nullish(),
    default_project_id: z.string().nullish(),
    domain_id: z.string().optional(),
    enabled: z.boolean().optional(),
    description: z.string().nullish(),
    email: z.string().nullish(),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const userRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, endpoints }) => {
  app.get('/v3/users', async (request) => {
    requireAdmin(request, store, 'list_users');
    const { name, domain_id } = listQuery.parse(request.query);
    const users = store
      .read()
      .users.filter(
        (u) =>
          (name === undefined || u.name === name) && (domain_id === undefined || u.domainId === domain_id),
      )
      .map((u) => userBody(u, endpoints));
    return { users, links: { self: `${endpoints.identity}/v3/users`, previous: null, next: null } };
  });

  app.get('/v3/users/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const user = store.read().users.find((u) => u.id === id);
    if (!user) throw notFound('user', id);
    if (id !== request.auth.userId && !callerIsAdmin(request, store)) throw forbidden('get_user');
    return { user: userBody(user, endpoints) };
  });

  app.post('/v3/users', async (request, reply) => {
    requireAdmin(request, store, 'create_user');
    const { user: fields } = createBody.parse(request.body);
    const domainId = fields.domain_id ?? DEFAULT_DOMAIN.id;
    if (!domainIds(store.read()).includes(domainId)) throw notFound('domain', domainId);
    const user = store.update((draft) => {
      const outcome = createUser(draft, {
        name: fields.name,
        // Keystone lets a user exist without a password; such a user cannot log in with one.
        password: fields.password ?? randomPassword(),
        domainId,
        defaultProjectId: fields.default_project_id ?? null,
      });
      if (!outcome.ok) throw identityRefusal(outcome.refusal);
      return outcome.value;
    });
    return reply.code(201).send({ user: userBody(user, endpoints) });
  });

  app.delete('/v3/users/:id', async (request, reply) => {
    requireAdmin(request, store, 'delete_user');
    const { id } = idParams.parse(request.params);
    store.update((draft) => {
      const outcome = deleteUser(draft, id);
      if (!outcome.ok) throw identityRefusal(outcome.refusal);
    });
    return reply.code(204).send();
  });
};
