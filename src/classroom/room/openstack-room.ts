// A room on an OpenStack cloud the teacher has admin credentials for (`classroom serve --cloud NAME`,
// and the room's shared local cloud): admitting a student makes their own project
// `faafo-<room>-<slug>` and a user of the same name with a random password and the member role,
// sets the project's quotas for the lesson, and hands back a clouds.yaml and an openrc with those
// credentials; closing the room empties and deletes every project and user it made. Keystone's
// project scoping is what keeps one student's servers out of another's sight.
import { randomBytes } from 'node:crypto';
import type { CloudAuth } from '../../cloud/config.ts';
import { resolveCloud } from '../../cloud/config.ts';
import { DEFAULT_FLAVOR } from '../../lesson/choose.ts';
import type { RoomCloud, StudentCloud } from '../room-cloud.ts';
import { type AdminSession, CloudAdminError, openAdminSession } from './admin-session.ts';
import { listFlavors } from './flavors.ts';
import {
  assignRole,
  createProject,
  createUser,
  deleteProject,
  deleteUser,
  findUser,
  listProjects,
  listUsers,
  memberRoleId,
  type Project,
  setPassword,
  type User,
} from './identity-admin.ts';
import { type FlavorSize, lessonNeeds, studentQuota } from './lesson-needs.ts';
import { oneAtATime } from './one-at-a-time.ts';
import { type CleanupOptions, emptyProject } from './project-cleanup.ts';
import { setProjectQuota } from './project-quotas.ts';
import { isRoomProject, projectDescription, slugOf, studentIdOf, studentProjectName } from './room-names.ts';
import { studentCloud } from './student-files.ts';

export interface OpenStackRoomOptions {
  /** The room's name (its projects are `faafo-<slug of room>-…`). */
  room: string;
  /** A clouds.yaml cloud with admin credentials; else the OS_* variables of `env`. */
  cloud?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Admin credentials given directly (the shared local cloud's), instead of cloud/env. */
  auth?: { auth: CloudAuth; label: string };
  /** The flavor the students' lessons boot (default: the lesson's own, m1.small). */
  flavor?: string;
  cleanup?: CleanupOptions;
}

/** A room's RoomCloud plus what the shared local cloud builds on. */
export interface OpenStackRoom extends RoomCloud {
  session: AdminSession;
  /** The lesson's flavor on this cloud. */
  flavor: FlavorSize;
  /** The room's projects on the cloud now. */
  projects(): Promise<Project[]>;
}

/** The admin's credentials: given, or from clouds.yaml (`cloud`) or the OS_* variables. */
function adminAuth(options: OpenStackRoomOptions): { auth: CloudAuth; label: string } {
  if (options.auth) return options.auth;
  const resolved = resolveCloud({
    ...(options.cloud ? { cloud: options.cloud } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  if (!resolved.auth) {
    throw new CloudAdminError(
      'No cloud with admin credentials is configured for the room; give --cloud NAME (a clouds.yaml entry of the cloud’s admin) or source its admin openrc.',
    );
  }
  return { auth: resolved.auth, label: resolved.label };
}

const newPassword = () => randomBytes(18).toString('base64url');

export async function openStackRoom(options: OpenStackRoomOptions): Promise<OpenStackRoom> {
  const { auth, label } = adminAuth(options);
  const session = await openAdminSession(auth, label);
  const flavorName = options.flavor ?? DEFAULT_FLAVOR;
  const flavor = (await listFlavors(session)).find((f) => f.name === flavorName);
  if (!flavor) {
    throw new CloudAdminError(
      `${label} has no flavor ${flavorName}, which the lesson's servers boot; make one (1 vCPU, 2048 MB) or name another.`,
    );
  }
  const quota = studentQuota(lessonNeeds(), flavor);
  const room = options.room;
  const projects = async () => {
    const all = await listProjects(session);
    const users = await listUsers(session);
    return all.filter((p) => isRoomProject(room, p, users));
  };
  // Admin rights are checked now, so `classroom serve --cloud NAME` stops at once with a user's credentials.
  await projects();
  let roleId: string | undefined;
  const memberRole = async () => {
    roleId ??= await memberRoleId(session);
    return roleId;
  };

  async function admitOne(student: { id: string; name: string }): Promise<StudentCloud> {
    const all = await listProjects(session);
    const users = await listUsers(session);
    // The same student again (the board restarted, a lost download): their project, a new password.
    const again = all.find((p) => isRoomProject(room, p, users) && studentIdOf(p) === student.id);
    // A name no project or user of the domain has yet, the room's or anyone's.
    const taken = [...all.map((p) => p.name), ...users.map((u) => u.name)];
    const project =
      again ??
      (await createProject(session, {
        name: studentProjectName(room, student.name, taken),
        description: projectDescription(room, student),
      }));
    try {
      // Only a project of this room has its user already; a new name collides with no one's user.
      return await provision(project, again && users.find((u) => u.name === project.name));
    } catch (error) {
      // Half a student is worse than none: a project without its user is one close cannot recognise everywhere.
      if (!again) await deleteProject(session, project).catch(() => undefined);
      throw error;
    }
  }

  /** The project's user (made, or given a new password), its member role and the lesson's quotas. */
  async function provision(project: Project, existing: User | undefined): Promise<StudentCloud> {
    const password = newPassword();
    const user =
      existing ??
      (await createUser(session, {
        name: project.name,
        password,
        projectId: project.id,
        description: project.description ?? '',
      }));
    if (existing) await setPassword(session, existing, password);
    await assignRole(
      session,
      { projectId: project.id, userId: user.id, roleId: await memberRole() },
      `user ${user.name}`,
    );
    await setProjectQuota(session, project, quota);
    return studentCloud({
      authUrl: auth.authUrl,
      username: user.name,
      password,
      projectName: project.name,
      domainName: session.domain.name,
      region: auth.region,
      interface: auth.interface ?? 'public',
      room: slugOf(room, 20),
    });
  }

  async function close(): Promise<void> {
    for (const project of await projects()) {
      const user = await findUser(session, project.name);
      await emptyProject(session, project, user, await memberRole(), options.cleanup);
      if (user) await deleteUser(session, user);
      await deleteProject(session, project);
    }
  }

  // One at a time: two students of the same name joining at once get two projects, not one.
  const admit = oneAtATime(admitOne);

  return { session, flavor, projects, admit, close, headroom: async () => null };
}
