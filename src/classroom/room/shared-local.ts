// A room on one local cloud on the teacher's host (`classroom serve --shared-cloud`): starts the
// local cloud (or finds it running), logs in as its admin, and admits students with the same code
// as a real OpenStack (openstack-room.ts). What it adds is the host's limit: a student's lesson
// takes its servers' vCPUs (each a fraction of a host core, `cloud status` shows which) and their
// flavor's RAM, so the host fits so many students, and a student beyond that is refused with a
// sentence saying why. This is the one place in src/classroom that imports the local cloud.
import { availableParallelism, totalmem } from 'node:os';
import { resolveCloud } from '../../cloud/config.ts';
import {
  type CloudIo,
  cloudDown,
  cloudPaths,
  cloudUp,
  defaultDataDir,
  runningCloud,
} from '../../localcloud/control/index.ts';
import { parseVcpuFraction } from '../../localcloud/nodes/limits/vcpu-fraction.ts';
import type { RoomCloud, StudentCloud } from '../room-cloud.ts';
import { CloudAdminError } from './admin-session.ts';
import { type HostSize, headroomOf, type RoomSize, roomFullError, roomSize } from './headroom.ts';
import { listProjects, listUsers } from './identity-admin.ts';
import { lessonNeeds, studentFootprint } from './lesson-needs.ts';
import { oneAtATime } from './one-at-a-time.ts';
import { type OpenStackRoom, openStackRoom } from './openstack-room.ts';
import { isClassroomProject, studentIdOf } from './room-names.ts';

/** The local cloud's clouds.yaml entry for its admin user. */
export const LOCAL_ADMIN_CLOUD = 'faafo-local-admin';

export interface SharedLocalOptions {
  room: string;
  /** The local cloud's data dir (default: the teacher's own, as `faafo-tutor cloud up` uses). */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The teacher's number of students, instead of what the host fits. */
  studentsMax?: number;
  /** Share of a host core one vCPU gets, when this starts the cloud (else the cloud's own). */
  vcpuFraction?: number;
  /** The host's cores and memory (default: this machine's). */
  host?: { cores: number; memoryMb: number };
  /** Where the cloud's start is told (default: nowhere). */
  io?: CloudIo;
}

export interface SharedLocalRoom extends RoomCloud {
  /** The room's size on this host and why. */
  size: RoomSize;
  hostSize: HostSize;
  footprint: { vcpus: number; ramMb: number };
  dataDir: string;
  /** The room's projects on the cloud now. */
  projects: OpenStackRoom['projects'];
  /** Stops the local cloud if this room started it (`classroom close` leaves the host as it found it). */
  stopIfStartedHere(): Promise<boolean>;
}

/** `--vcpu-fraction` as the local cloud reads it (above 0, at most 1), for the classroom's flags. */
export function vcpuFractionFlag(text: string): number {
  return parseVcpuFraction(text, '--vcpu-fraction');
}

const quiet: CloudIo = { stdout: { write: () => true }, stderr: { write: () => true } };

export async function sharedLocalRoom(options: SharedLocalOptions): Promise<SharedLocalRoom> {
  const env = options.env ?? process.env;
  const dataDir = options.dataDir ?? defaultDataDir(env);
  const wasRunning = runningCloud(cloudPaths(dataDir)) !== undefined;
  const run = await cloudUp(
    {
      dataDir,
      env,
      ...(options.vcpuFraction === undefined ? {} : { vcpuFraction: options.vcpuFraction }),
    },
    options.io ?? quiet,
  );
  const paths = cloudPaths(dataDir);
  // The cloud writes its admin's entry beside the student-facing one; read it as any client would.
  const admin = resolveCloud({ cloud: LOCAL_ADMIN_CLOUD, env: { OS_CLIENT_CONFIG_FILE: paths.cloudsYaml } });
  if (!admin.auth) {
    throw new CloudAdminError(`The local cloud in ${dataDir} has no admin entry in ${paths.cloudsYaml}.`);
  }
  const inner: OpenStackRoom = await openStackRoom({
    room: options.room,
    auth: { auth: admin.auth, label: `the local cloud in ${paths.dataDir}` },
  });
  const hostSize: HostSize = {
    cores: options.host?.cores ?? availableParallelism(),
    memoryMb: options.host?.memoryMb ?? Math.floor(totalmem() / 2 ** 20),
    vcpuFraction: run.cpu?.vcpuFraction ?? options.vcpuFraction ?? 1,
  };
  const footprint = studentFootprint(lessonNeeds(), inner.flavor);
  const size = roomSize(hostSize, footprint, options.studentsMax);
  // Every room's students on this cloud share the host, so all of them count.
  const admitted = async () => {
    const [all, users] = await Promise.all([listProjects(inner.session), listUsers(inner.session)]);
    return all.filter((p) => isClassroomProject(p, users));
  };

  const admitOne = async (student: { id: string; name: string }): Promise<StudentCloud> => {
    const projects = await admitted();
    const again = projects.some((p) => studentIdOf(p) === student.id);
    if (!again && headroomOf(size, projects.length) === 0) throw roomFullError(size, footprint, hostSize);
    return inner.admit(student);
  };

  return {
    size,
    hostSize,
    footprint,
    dataDir: paths.dataDir,
    projects: inner.projects,
    headroom: async () => headroomOf(size, (await admitted()).length),
    // One at a time: two students joining at once must not both take the last place.
    admit: oneAtATime(admitOne),
    close: () => inner.close(),
    stopIfStartedHere: async () => !wasRunning && cloudDown({ dataDir: paths.dataDir }, options.io ?? quiet),
  };
}
