// The classroom's flags for a room's cloud, as functions the `classroom` command (../cli.ts) calls:
// `classroom serve --shared-cloud` (a local cloud on this host, a project per student) or
// `classroom serve --cloud NAME` (a real OpenStack, with that clouds.yaml entry's admin credentials),
// and `classroom close`, which removes what a room made. Without either flag there is no room cloud
// and students bring their own.
import { Command, InvalidArgumentError, Option } from 'commander';
import { dataDir } from '../../faafo/config.ts';
import { EXIT_USAGE, UserError } from '../../shared/user-error.ts';
import { removeSavedBoard, savedBoardFile } from '../board/saved-board.ts';
import type { RoomCloud } from '../room-cloud.ts';
import { type OpenStackRoom, openStackRoom } from './openstack-room.ts';
import { type SharedLocalRoom, sharedLocalRoom, vcpuFractionFlag } from './shared-local.ts';
import { shellWord } from './student-files.ts';

export interface RoomFlags {
  sharedCloud?: boolean;
  cloud?: string;
  room?: string;
  studentsMax?: number;
  vcpuFraction?: number;
  cloudDataDir?: string;
}

export interface RoomIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The room's name when none is given, as `classroom serve --room` defaults it: projects `faafo-workshop-<student>`. */
export const DEFAULT_ROOM = 'workshop';

function asArgument<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function studentsMax(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1)
    throw new Error('It must be a whole number of students, 1 or more.');
  return n;
}

/** --shared-cloud | --cloud NAME and --cloud-data-dir: which cloud the room is on. */
function addCloudOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--shared-cloud',
        'one local cloud on this host, with a project and user per student',
      ).conflicts('cloud'),
    )
    .addOption(
      new Option(
        '--cloud <name>',
        "a real OpenStack for the room: a clouds.yaml cloud with the admin's credentials (a project and user per student)",
      ),
    )
    .addOption(
      new Option(
        '--cloud-data-dir <dir>',
        "with --shared-cloud: the local cloud's data dir (default: the usual one)",
      ),
    );
}

/**
 * For `classroom serve` (which has its own --room): which cloud, and the shared cloud's size
 * (--students-max, --vcpu-fraction). The board's `serveOptions` hook.
 */
export function addRoomServeOptions(serve: Command): Command {
  return addCloudOptions(serve)
    .addOption(
      new Option(
        '--students-max <n>',
        'with --shared-cloud: how many students the host takes (default: what its cores and memory fit)',
      ).argParser(asArgument(studentsMax)),
    )
    .addOption(
      new Option(
        '--vcpu-fraction <share>',
        "with --shared-cloud, when it starts the local cloud: share of a host core one node's vCPU gets",
      ).argParser(asArgument(vcpuFractionFlag)),
    );
}

/** The room's cloud the flags ask for (undefined: none, students bring their own). */
export async function roomCloudFromFlags(
  flags: RoomFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<(RoomCloud & Pick<OpenStackRoom, 'projects'>) | undefined> {
  const room = flags.room ?? DEFAULT_ROOM;
  if (flags.sharedCloud) {
    return sharedLocalRoom({
      room,
      env,
      ...(flags.cloudDataDir ? { dataDir: flags.cloudDataDir } : {}),
      ...(flags.studentsMax === undefined ? {} : { studentsMax: flags.studentsMax }),
      ...(flags.vcpuFraction === undefined ? {} : { vcpuFraction: flags.vcpuFraction }),
    });
  }
  if (flags.cloud) return openStackRoom({ room, cloud: flags.cloud, env });
  return undefined;
}

/** A room's cloud as `classroom serve` holds it: the seam, its line for the teacher, and stopping with the board. */
export interface RoomCloudHandle {
  cloud: RoomCloud;
  description: string;
  stop(): Promise<void>;
}

/**
 * The board's `openRoomCloud` hook: the room's cloud the serve flags ask for, or undefined. Stopping
 * the board leaves the students' projects (and the shared local cloud) as they are, so a board
 * started again finds them; `classroom close` removes them.
 */
export async function openRoomCloud(
  flags: RoomFlags & { [option: string]: unknown },
  env: NodeJS.ProcessEnv = process.env,
): Promise<RoomCloudHandle | undefined> {
  const cloud = await roomCloudFromFlags(flags, env);
  if (!cloud) return undefined;
  return { cloud, description: roomCloudLine(cloud, flags), stop: async () => {} };
}

/**
 * More students than the cores fit (the teacher's --students-max): their lessons slow each other and
 * their figures differ from a lesson alone. Said, with the vCPU share that would fit them all.
 */
function oversubscribed({ size, hostSize, footprint }: SharedLocalRoom): string {
  const asked = size.students * footprint.vcpus * hostSize.vcpuFraction;
  if (asked <= hostSize.cores + 1e-9) return '';
  const fits = Math.floor((hostSize.cores / (size.students * footprint.vcpus)) * 100) / 100;
  return ` Note: ${size.students} lessons at once ask for ${asked.toFixed(2)} host cores of this host's ${hostSize.cores}, so they slow each other and their figures differ from a lesson alone; a cloud started with --vcpu-fraction ${fits} fits them all (each lesson slower, but steady).`;
}

/** One line for the teacher about the room's cloud, printed when the board starts. */
export function roomCloudLine(cloud: RoomCloud, flags: RoomFlags): string {
  const room = flags.room ?? DEFAULT_ROOM;
  const roomFlag = `--room ${shellWord(room)}`;
  if ('size' in cloud) {
    const shared = cloud as SharedLocalRoom;
    const dataDirFlag = flags.cloudDataDir ? ` --cloud-data-dir ${shellWord(flags.cloudDataDir)}` : '';
    const { size, hostSize, footprint } = shared;
    const why = size.setByTeacher
      ? 'set by --students-max'
      : `${hostSize.cores} cores fit ${size.byCpu}, ${hostSize.memoryMb} MB fit ${size.byMemory}`;
    const share = `${(footprint.vcpus * hostSize.vcpuFraction).toFixed(2)} host cores at ${hostSize.vcpuFraction.toFixed(2)} a vCPU`;
    // The cloud was already running: its nodes keep the fraction it started with.
    const later =
      flags.vcpuFraction !== undefined && Math.abs(flags.vcpuFraction - hostSize.vcpuFraction) > 1e-9
        ? ` The cloud was already running, so --vcpu-fraction ${flags.vcpuFraction} applies from its next start (faafo-tutor cloud down).`
        : '';
    return `Room '${room}' on the local cloud in ${shared.dataDir}: ${size.students} student${size.students === 1 ? '' : 's'} (${why}; each lesson takes ${footprint.vcpus} vCPU, ${share}, and ${footprint.ramMb} MB). Remove it afterwards with: faafo-tutor classroom close --shared-cloud ${roomFlag}${dataDirFlag}.${oversubscribed(shared)}${later}`;
  }
  return `Room '${room}' on cloud '${flags.cloud}': a project and user per student. Remove them afterwards with: faafo-tutor classroom close --cloud ${flags.cloud} ${roomFlag}.`;
}

/** `classroom close [--cloud NAME | --shared-cloud] [--room NAME]`: removes every project the room made. */
export function addCloseCommand(
  classroom: Command,
  io: RoomIo,
  env: NodeJS.ProcessEnv = process.env,
): Command {
  const close = new Command('close')
    .description(
      "remove a room's student projects, users, servers, floating IPs and security groups from its cloud",
    )
    .action(async (flags: RoomFlags) => {
      const room = flags.room ?? DEFAULT_ROOM;
      const cloud = await roomCloudFromFlags(flags, env);
      if (!cloud) {
        throw new UserError(
          "Say which cloud the room is on: 'classroom close --shared-cloud' or 'classroom close --cloud NAME'.",
          { exitCode: EXIT_USAGE },
        );
      }
      const projects = await cloud.projects();
      await cloud.close();
      io.stdout.write(
        projects.length === 0
          ? `Room '${room}' has no student projects on that cloud; nothing to remove.\n`
          : `Room '${room}' closed: removed ${projects.length} student project(s) and their users (${projects.map((p) => p.name).join(', ')}).\n`,
      );
      // Its students' tokens and cloud files would point at projects that are gone.
      if (removeSavedBoard(savedBoardFile(dataDir(env), room))) {
        io.stdout.write(`The saved board of room '${room}' is removed too: its next board starts new.\n`);
      }
      // A shared cloud started only to close the room goes down again.
      if ('stopIfStartedHere' in cloud && (await (cloud as SharedLocalRoom).stopIfStartedHere())) {
        io.stdout.write('The local cloud was started only to close the room; it is down again.\n');
      }
    });
  classroom.addCommand(
    addCloudOptions(close).option(
      '--room <name>',
      'the room, as `classroom serve --room` named it',
      DEFAULT_ROOM,
    ),
  );
  return close;
}
