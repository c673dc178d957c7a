// Projects, users and domains, read-only: what the OSC asks for around quotas (`quota list`,
// `quota show <project>` find the project by id, then by ?name=) and what `project list` shows.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import {
  domainBody,
  domainIds,
  domainName,
  notFound,
  projectBody,
  projectsOf,
  userBody,
} from './directory.ts';

const listQuery = z.object({
  name: z.string().optional(),
  domain_id: z.string().optional(),
});

const idParams = z.object({ id: z.string() });

export const projectRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, endpoints }) => {
  const links = (path: string) => ({ self: `${endpoints.identity}${path}`, previous: null, next: null });

  app.get('/v3/projects', async (request) => {
    const { name, domain_id } = listQuery.parse(request.query);
    const projects = store
      .read()
      .projects.filter(
        (p) =>
          (name === undefined || p.name === name) && (domain_id === undefined || p.domainId === domain_id),
      )
      .map((p) => projectBody(p, endpoints));
    return { projects, links: links('/v3/projects') };
  });

  app.get('/v3/projects/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const project = store.read().projects.find((p) => p.id === id);
    if (!project) throw notFound('project', id);
    return { project: projectBody(project, endpoints) };
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
    return { projects: myProjects(id), links: links(`/v3/users/${id}/projects`) };
  });

  app.get('/v3/users/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    const user = store.read().users.find((u) => u.id === id);
    if (!user) throw notFound('user', id);
    return { user: userBody(user, endpoints) };
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
