// What a room needs of Keystone v3, as its documented admin API has it: list and make projects,
// make a user with a password and the project as its default, give it the member role there, set a
// new password (a student admitted again), and delete users and projects when the room closes.
import { z } from 'zod';
import { type AdminSession, CloudAdminError } from './admin-session.ts';

const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  domain_id: z.string().nullish(),
});
export type Project = z.infer<typeof projectSchema>;

const userSchema = z.object({ id: z.string(), name: z.string(), default_project_id: z.string().nullish() });
export type User = z.infer<typeof userSchema>;

const roleSchema = z.object({ id: z.string(), name: z.string() });

/** Every project of the admin's domain (Keystone filters by domain; the rest is the caller's). */
export async function listProjects(session: AdminSession): Promise<Project[]> {
  const answer = await session.call(
    'identity',
    `/v3/projects?domain_id=${encodeURIComponent(session.domain.id)}`,
    'listing the projects',
  );
  return session.read(z.object({ projects: z.array(projectSchema) }), answer).projects;
}

export async function createProject(
  session: AdminSession,
  project: { name: string; description: string },
): Promise<Project> {
  const answer = await session.call('identity', '/v3/projects', `creating project ${project.name}`, {
    method: 'POST',
    body: { project: { ...project, domain_id: session.domain.id, enabled: true } },
  });
  return session.read(z.object({ project: projectSchema }), answer).project;
}

/** Every user of the admin's domain. */
export async function listUsers(session: AdminSession): Promise<User[]> {
  const answer = await session.call(
    'identity',
    `/v3/users?domain_id=${encodeURIComponent(session.domain.id)}`,
    'listing the users',
  );
  return session.read(z.object({ users: z.array(userSchema) }), answer).users;
}

export async function findUser(session: AdminSession, name: string): Promise<User | undefined> {
  const query = `name=${encodeURIComponent(name)}&domain_id=${encodeURIComponent(session.domain.id)}`;
  const answer = await session.call('identity', `/v3/users?${query}`, `looking up user ${name}`);
  return session.read(z.object({ users: z.array(userSchema) }), answer).users.find((u) => u.name === name);
}

export async function createUser(
  session: AdminSession,
  user: { name: string; password: string; projectId: string; description: string },
): Promise<User> {
  const answer = await session.call('identity', '/v3/users', `creating user ${user.name}`, {
    method: 'POST',
    body: {
      user: {
        name: user.name,
        password: user.password,
        default_project_id: user.projectId,
        domain_id: session.domain.id,
        description: user.description,
        enabled: true,
      },
    },
  });
  return session.read(z.object({ user: userSchema }), answer).user;
}

export async function setPassword(session: AdminSession, user: User, password: string): Promise<void> {
  await session.call('identity', `/v3/users/${user.id}`, `setting a new password for user ${user.name}`, {
    method: 'PATCH',
    body: { user: { password, default_project_id: user.default_project_id ?? undefined } },
  });
}

/** The role a project's ordinary user has: `member` (Keystone since Rocky), else the older `_member_`. */
export async function memberRoleId(session: AdminSession): Promise<string> {
  const answer = await session.call('identity', '/v3/roles', 'listing the roles');
  const roles = session.read(z.object({ roles: z.array(roleSchema) }), answer).roles;
  const role =
    roles.find((r) => r.name === 'member') ??
    roles.find((r) => r.name === '_member_') ??
    roles.find((r) => r.name.toLowerCase() === 'member');
  if (!role) {
    const names = roles.map((r) => r.name).join(', ') || 'none';
    throw new CloudAdminError(
      `${session.label} has no member role (its roles: ${names}); create one (openstack role create member).`,
    );
  }
  return role.id;
}

export async function assignRole(
  session: AdminSession,
  ids: { projectId: string; userId: string; roleId: string },
  what: string,
): Promise<void> {
  await session.call(
    'identity',
    `/v3/projects/${ids.projectId}/users/${ids.userId}/roles/${ids.roleId}`,
    `giving ${what} the member role`,
    { method: 'PUT' },
  );
}

/** Deletes the user; one already gone is fine. */
export async function deleteUser(session: AdminSession, user: User): Promise<void> {
  await session.call('identity', `/v3/users/${user.id}`, `deleting user ${user.name}`, {
    method: 'DELETE',
    accept: [404],
  });
}

/** Deletes the project; one already gone is fine. */
export async function deleteProject(session: AdminSession, project: Project): Promise<void> {
  await session.call('identity', `/v3/projects/${project.id}`, `deleting project ${project.name}`, {
    method: 'DELETE',
    accept: [404],
  });
}
