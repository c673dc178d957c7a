// Roles and role assignments, the administrator's side of Keystone: `role list`, `role add
// --project P --user U member` (PUT), `role remove` (DELETE), the check (HEAD), and `role
// assignment list --user U --project P` (GET /v3/role_assignments with its filters).
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Endpoints, ProviderDeps } from '../../contracts.ts';
import { assignRole, findRole, hasAssignment, ROLES, type Role, unassignRole } from '../../model/identity.ts';
import type { RoleAssignment } from '../../state.ts';
import { notFound } from './directory.ts';
import { requireAdmin } from './policy.ts';
import { identityRefusal } from './refused.ts';

const idParams = z.object({ id: z.string() });
const assignmentParams = z.object({ project: z.string(), user: z.string(), role: z.string() });
const roleQuery = z.object({ name: z.string().optional() });

/** The filters `role assignment list` sends, by their dotted names. */
const assignmentQuery = z.object({
  'user.id': z.string().optional(),
  'scope.project.id': z.string().optional(),
  'role.id': z.string().optional(),
});

function roleBody(role: Role, endpoints: Endpoints) {
  return {
    id: role.id,
    name: role.name,
    domain_id: null,
    description: null,
    options: {},
    links: { self: `${endpoints.identity}/v3/roles/${role.id}` },
  };
}

function assignmentBody(a: RoleAssignment, endpoints: Endpoints) {
  return {
    role: { id: a.roleId },
    user: { id: a.userId },
    scope: { project: { id: a.projectId } },
    links: {
      assignment: `${endpoints.identity}/v3/projects/${a.projectId}/users/${a.userId}/roles/${a.roleId}`,
    },
  };
}

export const roleRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, endpoints }) => {
  const links = (path: string) => ({ self: `${endpoints.identity}${path}`, previous: null, next: null });

  app.get('/v3/roles', async (request) => {
    requireAdmin(request, store, 'list_roles');
    const { name } = roleQuery.parse(request.query);
    const roles = ROLES.filter((r) => name === undefined || r.name === name).map((r) =>
      roleBody(r, endpoints),
    );
    return { roles, links: links('/v3/roles') };
  });

  app.get('/v3/roles/:id', async (request) => {
    requireAdmin(request, store, 'get_role');
    const { id } = idParams.parse(request.params);
    const role = ROLES.find((r) => r.id === id);
    if (!role) throw notFound('role', id);
    return { role: roleBody(role, endpoints) };
  });

  /** The assignment a URL names; the role by id (or, leniently, by name). */
  const assignmentOf = (params: unknown): RoleAssignment => {
    const { project, user, role } = assignmentParams.parse(params);
    return { projectId: project, userId: user, roleId: findRole(role)?.id ?? role };
  };
  const path = '/v3/projects/:project/users/:user/roles/:role';

  app.put(path, async (request, reply) => {
    requireAdmin(request, store, 'create_grant');
    const assignment = assignmentOf(request.params);
    store.update((draft) => {
      const outcome = assignRole(draft, assignment);
      if (!outcome.ok) throw identityRefusal(outcome.refusal);
    });
    return reply.code(204).send();
  });

  app.delete(path, async (request, reply) => {
    requireAdmin(request, store, 'revoke_grant');
    const assignment = assignmentOf(request.params);
    store.update((draft) => {
      const outcome = unassignRole(draft, assignment);
      if (!outcome.ok) throw identityRefusal(outcome.refusal);
    });
    return reply.code(204).send();
  });

  // fastify serves HEAD for every GET; this path has no GET, so HEAD is declared itself.
  app.head(path, async (request, reply) => {
    requireAdmin(request, store, 'check_grant');
    const assignment = assignmentOf(request.params);
    if (!hasAssignment(store.read(), assignment)) return reply.code(404).send();
    return reply.code(204).send();
  });

  app.get('/v3/role_assignments', async (request) => {
    requireAdmin(request, store, 'list_role_assignments');
    const query = assignmentQuery.parse(request.query);
    const assignments = store
      .read()
      .roleAssignments.filter(
        (a) =>
          (query['user.id'] === undefined || a.userId === query['user.id']) &&
          (query['scope.project.id'] === undefined || a.projectId === query['scope.project.id']) &&
          (query['role.id'] === undefined || a.roleId === query['role.id']),
      )
      .map((a) => assignmentBody(a, endpoints));
    return { role_assignments: assignments, links: links('/v3/role_assignments') };
  });
};
