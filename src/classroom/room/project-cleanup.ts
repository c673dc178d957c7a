// Empties a student's project before it is deleted. The admin gives itself the member role on the
// project and works inside it with a token scoped there, as any member could (no all-projects
// listing needed, which not every cloud's policy grants): servers first (and waits until they are
// gone, since Nova deletes asynchronously and a group stays in use until then), then floating IPs
// and the security groups but `default`. The student's key pairs are Nova's per user: they go with
// Nova's keypairs-by-user_id (microversion 2.10) where the cloud offers it, else with the user.
// Every item is checked to belong to the project before it is deleted, so a cloud that ignored a
// scope or filter never costs another project a server.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { type AdminSession, CloudAdminError, openAdminSession } from './admin-session.ts';
import { assignRole, type Project, type User } from './identity-admin.ts';

const serverSchema = z.object({
  id: z.string(),
  name: z.string(),
  tenant_id: z.string().nullish(),
  project_id: z.string().nullish(),
});
const owned = z.object({
  id: z.string(),
  tenant_id: z.string().nullish(),
  project_id: z.string().nullish(),
});
const groupSchema = owned.extend({ name: z.string() });
const floatingIpSchema = owned.extend({ floating_ip_address: z.string().nullish() });
const keypairSchema = z.object({ keypair: z.object({ name: z.string() }) });

/** Nova's keypairs of another user need microversion 2.10. */
const KEYPAIRS_OF_USER = { 'x-openstack-nova-api-version': '2.10', 'openstack-api-version': 'compute 2.10' };

/** Whether Nova answered at microversion 2.10 or later (absent: 2.1). */
function atLeast210(version: string | null): boolean {
  const [major = 2, minor = 1] = (version ?? '2.1').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

const ownedBy = (project: Project) => (item: { tenant_id?: string | null; project_id?: string | null }) =>
  (item.project_id ?? item.tenant_id) === project.id;

async function projectServers(session: AdminSession, project: Project) {
  const answer = await session.call('compute', '/servers/detail', `listing the servers of ${project.name}`);
  return session.read(z.object({ servers: z.array(serverSchema) }), answer).servers.filter(ownedBy(project));
}

export interface CleanupOptions {
  /** How long to wait for the servers to go (default 3 minutes). */
  timeoutMs?: number;
  pollMs?: number;
}

/** A session of the admin inside the project (the member role given to it there first). */
async function insideProject(
  admin: AdminSession,
  project: Project,
  memberRoleId: string,
): Promise<AdminSession> {
  await assignRole(
    admin,
    { projectId: project.id, userId: admin.userId, roleId: memberRoleId },
    `the admin on ${project.name}`,
  );
  const { projectName: _, ...auth } = admin.auth;
  return openAdminSession({ ...auth, projectId: project.id }, admin.label);
}

export async function emptyProject(
  admin: AdminSession,
  project: Project,
  user: User | undefined,
  memberRoleId: string,
  options: CleanupOptions = {},
): Promise<void> {
  const session = await insideProject(admin, project, memberRoleId);
  const servers = await projectServers(session, project);
  for (const server of servers) {
    await session.call(
      'compute',
      `/servers/${server.id}`,
      `deleting server ${server.name} of ${project.name}`,
      {
        method: 'DELETE',
        accept: [404],
      },
    );
  }
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let left = servers;
  while (left.length > 0) {
    left = await projectServers(session, project);
    if (left.length === 0) break;
    if (Date.now() > deadline) {
      throw new CloudAdminError(
        `The servers of ${project.name} (${left.map((s) => s.name).join(', ')}) were still there after they were deleted; look at them (openstack server list --all-projects) and run classroom close again.`,
      );
    }
    await sleep(options.pollMs ?? 1000);
  }

  const ips = await session.call(
    'network',
    `/v2.0/floatingips?project_id=${project.id}`,
    `listing the floating IPs of ${project.name}`,
  );
  for (const ip of session.read(z.object({ floatingips: z.array(floatingIpSchema) }), ips).floatingips) {
    if (!ownedBy(project)(ip)) continue;
    await session.call(
      'network',
      `/v2.0/floatingips/${ip.id}`,
      `releasing floating IP ${ip.floating_ip_address ?? ip.id} of ${project.name}`,
      { method: 'DELETE', accept: [404] },
    );
  }

  const groups = await session.call(
    'network',
    `/v2.0/security-groups?project_id=${project.id}`,
    `listing the security groups of ${project.name}`,
  );
  for (const group of session.read(z.object({ security_groups: z.array(groupSchema) }), groups)
    .security_groups) {
    if (!ownedBy(project)(group) || group.name === 'default') continue;
    await session.call(
      'network',
      `/v2.0/security-groups/${group.id}`,
      `deleting security group ${group.name} of ${project.name}`,
      { method: 'DELETE', accept: [404] },
    );
  }

  if (!user) return;
  const keys = await admin.call(
    'compute',
    `/os-keypairs?user_id=${user.id}`,
    `listing the key pairs of ${user.name}`,
    {
      headers: KEYPAIRS_OF_USER,
      accept: [406],
    },
  );
  // A cloud without 2.10 refuses it (406), or ignores user_id and lists the admin's own key pairs:
  // leave those alone; the student's go with their user where the cloud does that (the local one).
  if (keys.status === 406 || !atLeast210(keys.headers.get('x-openstack-nova-api-version'))) return;
  for (const { keypair } of admin.read(z.object({ keypairs: z.array(keypairSchema) }), keys).keypairs) {
    await admin.call(
      'compute',
      `/os-keypairs/${encodeURIComponent(keypair.name)}?user_id=${user.id}`,
      `deleting key pair ${keypair.name} of ${user.name}`,
      { method: 'DELETE', headers: KEYPAIRS_OF_USER, accept: [404] },
    );
  }
}
