// Projects and domains: what the OSC asks for around quotas (`quota list`, `quota show <project>`
// find the project by id, then by ?name=) and what `project list` shows, plus the administrator's
// `project create` and `project delete`. A member sees the projects they hold a role on; the
// admin role sees and changes all (Keystone's policy, providers/identity/policy.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { createProject, deleteProject, hasAnyRole } from '../../model/identity.ts';
import type { CloudState, Project } from '../../state.ts';
import {
  DEFAULT_DOMAIN,
  domainBody,
  domainIds,
  domainName,
  notFound,
  projectBody,
  projectsOf,
} from './directory.ts';
import { callerIsAdmin, forbidden, requireAdmin } from './policy.ts';
import { identityRefusal } from './refused.ts';

const listQuery = z.object({
  name: z.string().optional(),
  domain_id: z.string().optional(),
});

const idParams = z.object({ id: z.string() });

/** POST /v3/projects as the OSC sends it (`project create NAME [--domain D] [--description …]`). */
const createBody = z.object({
  project: z.object({
    name: z.string().min(1).max(64),
    domain_id: z.string().optional(),
    description: z.string().nullish(),
    enabled: z.boolean().optional(),
    is_domain: z.literal(false).optional(),
    parent_id: z.string().nullish(),
    tags: z.array(z.string()).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const projectRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, endpoints }) => {
  const links = (path: string) => ({ self: `${endpoints.identity}${path}`, previous: null, next: null });

  /** What the caller may see: every project for an admin, else the ones they hold a role on. */
  const visibleProjects = (request: FastifyRequest, state: Readonly<CloudState>): Project[] =>
    callerIsAdmin(request, store)
      ? state.projects
      : state.projects.filter((p) => hasAnyRole(state, request.auth.userId, p.id));

  app.get('/v3/projects', async (request) => {
    const { name, domain_id } = listQuery.parse(request.query);
    const projects = visibleProjects(request, store.read())
      .filter(
        (p) =>
          (name === undefined || p.name === name) && (domain_id === undefined || p.domainId === domain_id),
      )
      .map((p) => projectBody(p, endpoints));
    return { projects, links: links('/v3/projects') };
  });

  app.get('/v3/projects/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const state = store.read();
    const project = state.projects.find((p) => p.id === id);
    if (!project) throw notFound('project', id);
    if (!visibleProjects(request, state).includes(project)) throw forbidden('get_project');
    return { project: projectBody(project, endpoints) };
  });

  app.post('/v3/projects', async (request, reply) => {
    requireAdmin(request, store, 'create_project');
    const { project: fields } = createBody.parse(request.body);
    const domainId = fields.domain_id ?? DEFAULT_DOMAIN.id;
    if (!domainIds(store.read()).includes(domainId)) throw notFound('domain', domainId);
    const project = store.update((draft) => {
      const outcome = createProject(draft, { name: fields.name, domainId });
      if (!outcome.ok) throw identityRefusal(outcome.refusal);
      return outcome.value;
    });
    return reply.code(201).send({ project: projectBody(project, endpoints) });
  });

  app.delete('/v3/projects/:id', async (request, reply) => {
    requireAdmin(request, store, 'delete_project');
    const { id } = idParams.parse(request.params);
    store.update((draft) => {
      const outcome = deleteProject(draft, id);
      if (!outcome.ok) throw identityRefusal(outcome.refusal);
    });
    return reply.code(204).send();
  });

  // The projects a user may scope to: `project list --my-projects`, and keystoneauth's listing.
  const myProjects = (userId: string) => {
    const state = store.read();
    const user = state.users.find((u) => u.id === userId);
    return user ? projectsOf(state, user).map((p) => projectBody(p, endpoints)) : [];
  };
  app.get('/v3/auth/projects', async (request) => ({
    projects: myProjects(request.auth.userId),
    links: links('/v3/auth/projects'),
  }));
  app.get('/v3/users/:id/projects', async (request) => {
    const { id } = idParams.parse(request.params);
    if (!store.read().users.some((u) => u.id === id)) throw notFound('user', id);
    if (id !== request.auth.userId && !callerIsAdmin(request, store)) throw forbidden('list_user_projects');
    return { projects: myProjects(id), links: links(`/v3/users/${id}/projects`) };
  });

  app.get('/v3/domains', async (request) => {
    const { name } = listQuery.parse(request.query);
    const domains = domainIds(store.read())
      .filter((id) => name === undefined || domainName(id) === name)
      .map((id) => domainBody(id, endpoints));
    return { domains, links: links('/v3/domains') };
  });

  app.get('/v3/domains/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    if (!domainIds(store.read()).includes(id)) throw notFound('domain', id);
    return { domain: domainBody(id, endpoints) };
  });
};
