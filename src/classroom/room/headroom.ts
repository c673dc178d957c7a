// How many students' lessons a host fits, from the lesson's flavors: each student's topology takes
// its servers' vCPUs, and on the local cloud one vCPU is a fraction of a host core (`cloud status`
// shows it), so the cores fit cores ÷ (vCPUs × fraction) students; the memory fits memory ÷ the
// servers' RAM. The smaller of the two, or the teacher's own number, is the room's size; the board
// shows what is left and refuses a student beyond it with a sentence saying why.
import { RoomFullError } from '../room-cloud.ts';

export interface HostSize {
  cores: number;
  memoryMb: number;
  /** Share of a host core one vCPU of a node gets. */
  vcpuFraction: number;
}

export interface Footprint {
  vcpus: number;
  ramMb: number;
}

export interface RoomSize {
  /** Students the room takes in all. */
  students: number;
  /** Students the cores fit, and the memory (before the teacher's override). */
  byCpu: number;
  byMemory: number;
  /** Set when the teacher gave the number (--students-max). */
  setByTeacher: boolean;
}

export function roomSize(host: HostSize, footprint: Footprint, studentsMax?: number): RoomSize {
  const byCpu = Math.floor(host.cores / (footprint.vcpus * host.vcpuFraction) + 1e-9);
  const byMemory = Math.floor(host.memoryMb / footprint.ramMb + 1e-9);
  const setByTeacher = studentsMax !== undefined;
  return { students: studentsMax ?? Math.min(byCpu, byMemory), byCpu, byMemory, setByTeacher };
}

/** How many more students fit, given how many the host already holds. */
export function headroomOf(size: RoomSize, admitted: number): number {
  return Math.max(0, size.students - admitted);
}

/** The refusal a student beyond the room's size gets (the board shows it as is). */
export function roomFullError(size: RoomSize, footprint: Footprint, host: HostSize): RoomFullError {
  const each = `each needs ${footprint.vcpus} vCPU (${round(footprint.vcpus * host.vcpuFraction)} of a host core) and ${footprint.ramMb} MB`;
  const why = size.setByTeacher
    ? `The teacher set this room to ${plural(size.students, 'student')} (${each})`
    : `This host fits ${plural(size.students, "student's lesson", "students' lessons")} (${host.cores} cores and ${host.memoryMb} MB; ${each})`;
  return new RoomFullError(
    `${why}, and all are taken; ask the teacher to close a student's project, start the room with a larger --students-max, or run it on a bigger host or a real OpenStack (--cloud NAME).`,
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
