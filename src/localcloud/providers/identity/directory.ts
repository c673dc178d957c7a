// Users, projects and domains as Keystone names and shows them. The local cloud has one domain,
// `default` (named "Default"), as devstack; ids and names are matched as Keystone does, domain names
// without regard to case.
import type { Endpoints } from '../../contracts.ts';
import { keystoneError, OpenStackError, UNAUTHORIZED_MESSAGE } from '../../errors.ts';
import { projectsOfUser } from '../../model/identity.ts';
import type { CloudState, Project, User } from '../../state.ts';

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

export interface DomainRef {
  id?: string | undefined;
  name?: string | undefined;
}

export function domainName(id: string): string {
  return id === DEFAULT_DOMAIN.id ? DEFAULT_DOMAIN.name : id;
}

export function domainIds(state: Readonly<CloudState>): string[] {
  return [
    ...new Set([
      DEFAULT_DOMAIN.id,
      ...state.projects.map((p) => p.domainId),
      ...state.users.map((u) => u.domainId),
    ]),
  ];
}

/** The domain id a reference names, or undefined if there is no such domain. */
export function resolveDomain(state: Readonly<CloudState>, ref: DomainRef | undefined): string | undefined {
  // pkgcloud leaves the domain out unless told one; Keystone would refuse, we take the default.
  if (!ref || (ref.id === undefined && ref.name === undefined)) return DEFAULT_DOMAIN.id;
  const ids = domainIds(state);
  if (ref.id !== undefined) return ids.find((id) => id === ref.id);
  const wanted = ref.name!.toLowerCase();
  return ids.find((id) => domainName(id).toLowerCase() === wanted);
}

/** 401 with Keystone's words: wrong password, unknown user, project or domain all read alike. */
export function notAuthenticated(): OpenStackError {
  return new OpenStackError(keystoneError(401, 'Unauthorized', UNAUTHORIZED_MESSAGE));
}

export function notFound(kind: 'project' | 'user' | 'domain' | 'token' | 'role', id: string): OpenStackError {
  return new OpenStackError(keystoneError(404, 'Not Found', `Could not find ${kind}: ${id}.`));
}

export function badRequest(message: string): OpenStackError {
  return new OpenStackError(
    keystoneError(
      400,
      'Bad Request',
      `${message} The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
    ),
  );
}

export function findUser(
  state: Readonly<CloudState>,
  ref: { id?: string | undefined; name?: string | undefined; domain?: DomainRef | undefined },
): User | undefined {
  if (ref.id !== undefined) return state.users.find((u) => u.id === ref.id);
  const domainId = resolveDomain(state, ref.domain);
  return state.users.find((u) => u.name === ref.name && u.domainId === domainId);
}

export function findProject(
  state: Readonly<CloudState>,
  ref: { id?: string | undefined; name?: string | undefined; domain?: DomainRef | undefined },
): Project | undefined {
  if (ref.id !== undefined) return state.projects.find((p) => p.id === ref.id);
  const domainId = resolveDomain(state, ref.domain);
  return state.projects.find((p) => p.name === ref.name && p.domainId === domainId);
}

/** The projects a user has a role on (what they may scope a token to). */
export function projectsOf(state: Readonly<CloudState>, user: User): Project[] {
  return projectsOfUser(state, user.id);
}

export function projectBody(project: Project, endpoints: Endpoints) {
  return {
    id: project.id,
    name: project.name,
    domain_id: project.domainId,
    description: '',
    enabled: true,
    parent_id: project.domainId,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${endpoints.identity}/v3/projects/${project.id}` },
  };
}

export function userBody(user: User, endpoints: Endpoints) {
  return {
    id: user.id,
    name: user.name,
    domain_id: user.domainId,
    ...(user.defaultProjectId ? { default_project_id: user.defaultProjectId } : {}),
    enabled: true,
    password_expires_at: null,
    options: {},
    links: { self: `${endpoints.identity}/v3/users/${user.id}` },
  };
}

export function domainBody(id: string, endpoints: Endpoints) {
  return {
    id,
    name: domainName(id),
    description: id === DEFAULT_DOMAIN.id ? 'The default domain' : '',
    enabled: true,
    tags: [],
    options: {},
    links: { self: `${endpoints.identity}/v3/domains/${id}` },
  };
}

/** `{id, name, domain: {id, name}}`, as tokens show their user and project. */
export function scopedRef(entity: { id: string; name: string; domainId: string }) {
  return {
    id: entity.id,
    name: entity.name,
    domain: { id: entity.domainId, name: domainName(entity.domainId) },
  };
}
