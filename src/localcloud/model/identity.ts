// Keystone's records and their rules, in the one place they change: roles (admin, member, reader,
// each implying the next, as `keystone-manage bootstrap` makes them), role assignments, projects
// and users. Keystone's routes (providers/identity/) and the seed call these; like the rest of the
// model they never build an HTTP error but answer a refusal the provider words as Keystone does.
import { randomBytes } from 'node:crypto';
import type { CloudState, Project, RoleAssignment, User } from '../state.ts';
import { DEFAULT_QUOTA } from './quotas.ts';

export interface Role {
  id: string;
  name: 'admin' | 'member' | 'reader';
}

/** Fixed ids, so role ids in scripts and tokens stay the same across clouds and resets. */
export const ROLES: readonly Role[] = [
  { id: 'a1f0e2d3c4b54a6987f8e9d0c1b2a3f4', name: 'admin' },
  { id: 'b7c1a8f6d2e94c3a8f1e0d9c7b6a5e41', name: 'member' },
  { id: 'c4d2e1f0a9b84c7d9e6f5a4b3c2d1e02', name: 'reader' },
];

/** Keystone's implied roles: admin ⇒ member ⇒ reader; a token lists the implied ones too. */
const IMPLIES: Record<Role['name'], Role['name'][]> = {
  admin: ['admin', 'member', 'reader'],
  member: ['member', 'reader'],
  reader: ['reader'],
};

export const ADMIN_NAME = 'admin';

/** Keystone's ids are 32 hex digits. */
export const keystoneId = () => randomBytes(16).toString('hex');

export function findRole(ref: string): Role | undefined {
  return ROLES.find((r) => r.id === ref || r.name === ref);
}

export function roleById(id: string): Role | undefined {
  return ROLES.find((r) => r.id === id);
}

/** The roles the user holds on the project, implied ones included, in ROLES' order. */
export function effectiveRoles(state: Readonly<CloudState>, userId: string, projectId: string): Role[] {
  const names = new Set<string>();
  for (const a of state.roleAssignments) {
    if (a.userId !== userId || a.projectId !== projectId) continue;
    const role = roleById(a.roleId);
    if (role) for (const implied of IMPLIES[role.name]) names.add(implied);
  }
  return ROLES.filter((r) => names.has(r.name));
}

export function hasAnyRole(state: Readonly<CloudState>, userId: string, projectId: string): boolean {
  return state.roleAssignments.some((a) => a.userId === userId && a.projectId === projectId);
}

/** Keystone's default policy: the admin role on the token's project is the cloud's administrator. */
export function isAdmin(state: Readonly<CloudState>, auth: { userId: string; projectId: string }): boolean {
  return effectiveRoles(state, auth.userId, auth.projectId).some((r) => r.name === 'admin');
}

/** The projects the user holds a role on (what they may scope a token to). */
export function projectsOfUser(state: Readonly<CloudState>, userId: string): Project[] {
  const ids = new Set(state.roleAssignments.filter((a) => a.userId === userId).map((a) => a.projectId));
  return state.projects.filter((p) => ids.has(p.id));
}

export type IdentityRefusal =
  | { kind: 'duplicate'; resource: 'project' | 'user'; name: string; domainId: string }
  | { kind: 'not-found'; resource: 'project' | 'user' | 'role'; id: string }
  /** Servers still run in the project: their processes must be ended through Nova first. */
  | { kind: 'project-has-servers'; projectId: string; servers: string[] }
  /** The project owns a network every project uses (the seed's `private` or `public`). */
  | { kind: 'project-owns-networks'; projectId: string; networks: string[] }
  /** The assignment to remove does not exist. */
  | { kind: 'no-assignment' };

export type IdentityOutcome<T> = { ok: true; value: T } | { ok: false; refusal: IdentityRefusal };
const ok = <T>(value: T): IdentityOutcome<T> => ({ ok: true, value });
const no = (refusal: IdentityRefusal): { ok: false; refusal: IdentityRefusal } => ({ ok: false, refusal });

/** A new project, with devstack's default quota (its `default` security group comes on first look). */
export function createProject(
  state: CloudState,
  fields: { name: string; domainId: string; id?: string },
): IdentityOutcome<Project> {
  if (state.projects.some((p) => p.name === fields.name && p.domainId === fields.domainId)) {
    return no({ kind: 'duplicate', resource: 'project', name: fields.name, domainId: fields.domainId });
  }
  const project: Project = { id: fields.id ?? keystoneId(), name: fields.name, domainId: fields.domainId };
  state.projects.push(project);
  state.quotas[project.id] = { ...DEFAULT_QUOTA };
  return ok(project);
}

/**
 * Deletes a project and what it owns in the other services (security groups and rules, floating
 * IPs, ports, quota), its role assignments and the tokens scoped to it. Real Keystone deletes a
 * project without asking Nova and leaves its servers orphaned; here a server is running processes,
 * so a project with servers is refused until they are deleted (through Nova, which ends them).
 */
export function deleteProject(state: CloudState, id: string): IdentityOutcome<void> {
  if (!state.projects.some((p) => p.id === id)) return no({ kind: 'not-found', resource: 'project', id });
  const servers = state.servers.filter((s) => s.projectId === id && s.status !== 'DELETED');
  if (servers.length > 0) {
    return no({ kind: 'project-has-servers', projectId: id, servers: servers.map((s) => s.name) });
  }
  const networks = state.networks.filter((n) => n.projectId === id);
  if (networks.length > 0) {
    return no({ kind: 'project-owns-networks', projectId: id, networks: networks.map((n) => n.name) });
  }
  const groups = new Set(state.securityGroups.filter((g) => g.projectId === id).map((g) => g.id));
  state.securityGroupRules = state.securityGroupRules.filter((r) => !groups.has(r.groupId));
  state.securityGroups = state.securityGroups.filter((g) => g.projectId !== id);
  state.floatingIps = state.floatingIps.filter((f) => f.projectId !== id);
  state.ports = state.ports.filter((p) => p.projectId !== id);
  state.servers = state.servers.filter((s) => s.projectId !== id);
  delete state.quotas[id];
  state.roleAssignments = state.roleAssignments.filter((a) => a.projectId !== id);
  state.tokens = state.tokens.filter((t) => t.projectId !== id);
  state.projects = state.projects.filter((p) => p.id !== id);
  return ok(undefined);
}

export function createUser(
  state: CloudState,
  fields: { name: string; password: string; domainId: string; defaultProjectId: string | null },
): IdentityOutcome<User> {
  if (state.users.some((u) => u.name === fields.name && u.domainId === fields.domainId)) {
    return no({ kind: 'duplicate', resource: 'user', name: fields.name, domainId: fields.domainId });
  }
  if (fields.defaultProjectId !== null && !state.projects.some((p) => p.id === fields.defaultProjectId)) {
    return no({ kind: 'not-found', resource: 'project', id: fields.defaultProjectId });
  }
  const user: User = {
    id: keystoneId(),
    name: fields.name,
    password: fields.password,
    domainId: fields.domainId,
    defaultProjectId: fields.defaultProjectId ?? '',
  };
  state.users.push(user);
  return ok(user);
}

/** Deletes a user, their role assignments, tokens and key pairs (their servers stay with the project, as in Nova). */
export function deleteUser(state: CloudState, id: string): IdentityOutcome<void> {
  if (!state.users.some((u) => u.id === id)) return no({ kind: 'not-found', resource: 'user', id });
  state.users = state.users.filter((u) => u.id !== id);
  state.roleAssignments = state.roleAssignments.filter((a) => a.userId !== id);
  state.tokens = state.tokens.filter((t) => t.userId !== id);
  state.keypairs = state.keypairs.filter((k) => k.userId !== id);
  return ok(undefined);
}

/** Grants a role (idempotent, as Keystone's PUT is). */
export function assignRole(state: CloudState, assignment: RoleAssignment): IdentityOutcome<void> {
  const missing = missingParty(state, assignment);
  if (missing) return no(missing);
  if (!hasAssignment(state, assignment)) state.roleAssignments.push({ ...assignment });
  return ok(undefined);
}

export function unassignRole(state: CloudState, assignment: RoleAssignment): IdentityOutcome<void> {
  const missing = missingParty(state, assignment);
  if (missing) return no(missing);
  if (!hasAssignment(state, assignment)) return no({ kind: 'no-assignment' });
  state.roleAssignments = state.roleAssignments.filter((a) => !sameAssignment(a, assignment));
  // As Keystone revokes them: tokens the user holds for a project they lost a role on stop working.
  if (!hasAnyRole(state, assignment.userId, assignment.projectId)) {
    state.tokens = state.tokens.filter(
      (t) => !(t.userId === assignment.userId && t.projectId === assignment.projectId),
    );
  }
  return ok(undefined);
}

export function hasAssignment(state: Readonly<CloudState>, assignment: RoleAssignment): boolean {
  return state.roleAssignments.some((a) => sameAssignment(a, assignment));
}

const sameAssignment = (a: RoleAssignment, b: RoleAssignment) =>
  a.userId === b.userId && a.projectId === b.projectId && a.roleId === b.roleId;

function missingParty(state: Readonly<CloudState>, a: RoleAssignment): IdentityRefusal | undefined {
  if (!state.projects.some((p) => p.id === a.projectId))
    return { kind: 'not-found', resource: 'project', id: a.projectId };
  if (!state.users.some((u) => u.id === a.userId))
    return { kind: 'not-found', resource: 'user', id: a.userId };
  if (!roleById(a.roleId)) return { kind: 'not-found', resource: 'role', id: a.roleId };
  return undefined;
}

/** A password for the seeded admin: random per cloud, as devstack's ADMIN_PASSWORD should be. */
export function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * devstack's `admin` user with the admin role on the `admin` project, added to a state that has
 * none (a new cloud, or the state of a cloud made before clouds had an administrator).
 */
export function ensureAdmin(state: CloudState): boolean {
  const adminRole = findRole('admin')!;
  const existing = state.users.find((u) => u.name === ADMIN_NAME && u.domainId === 'default');
  if (existing && state.roleAssignments.some((a) => a.userId === existing.id && a.roleId === adminRole.id))
    return false;
  let project = state.projects.find((p) => p.name === ADMIN_NAME && p.domainId === 'default');
  if (!project) {
    project = { id: keystoneId(), name: ADMIN_NAME, domainId: 'default' };
    state.projects.push(project);
    state.quotas[project.id] = { ...DEFAULT_QUOTA };
  }
  const user = existing ?? {
    id: keystoneId(),
    name: ADMIN_NAME,
    password: randomPassword(),
    domainId: 'default',
    defaultProjectId: project.id,
  };
  if (!existing) state.users.push(user);
  state.roleAssignments.push({ userId: user.id, projectId: project.id, roleId: adminRole.id });
  return true;
}

/**
 * Brings a state written before projects were shared up to date: each user a member of their
 * default project, an administrator, and the seed's `private` network shared by every project.
 */
export function upgradeIdentity(state: CloudState): boolean {
  let changed = false;
  if (!Array.isArray(state.roleAssignments)) {
    // Before, the one project was the learner's own, quota included.
    for (const project of state.projects) project.membersSetQuota = true;
    const member = findRole('member')!;
    state.roleAssignments = state.users
      .filter((u) => state.projects.some((p) => p.id === u.defaultProjectId))
      .map((u) => ({ userId: u.id, projectId: u.defaultProjectId, roleId: member.id }));
    changed = true;
  }
  if (ensureAdmin(state)) changed = true;
  for (const network of state.networks) {
    if (network.name === 'private' && !network.external && network.shared === undefined) {
      network.shared = true;
      changed = true;
    }
  }
  return changed;
}
