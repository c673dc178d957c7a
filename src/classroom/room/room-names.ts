// How a room's projects and users are named on a cloud, in one place: admitting a student makes
// `faafo-<room>-<slug of the student's name>` (project and user alike), and closing a room finds
// them again by that prefix plus a marker in the project's description, so `classroom close` never
// touches a project it did not make, even one whose name happens to start the same way. A cloud
// that keeps no project descriptions (the local one) is recognised by the other half of what admit
// makes: a user of the same name whose default project it is.

/** Lower-case letters, digits and single dashes: "Ada L. Lovelace" → "ada-l-lovelace". */
export function slugOf(text: string, maxLength = 24): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return slug || 'student';
}

/** Every project and user of the room starts with this: `faafo-<room slug>-`. */
export function roomPrefix(room: string): string {
  return `faafo-${slugOf(room, 20)}-`;
}

/** The first words of every room project's description; what `close` looks for besides the prefix. */
export const ROOM_MARKER = 'faafo-tutor classroom';

/** The project's description: the marker, the room and the student, so an admin sees what it is. */
export function projectDescription(room: string, student: { id: string; name: string }): string {
  return `${ROOM_MARKER} room ${slugOf(room, 20)}: student ${student.id} (${student.name}); removed by 'classroom close'.`;
}

export interface NamedProject {
  id: string;
  name: string;
  description?: string | null | undefined;
}

export interface NamedUser {
  name: string;
  default_project_id?: string | null | undefined;
}

/** Admit's pair: a user named as the project, with the project as its default. */
function hasItsStudent(project: NamedProject, users: readonly NamedUser[]): boolean {
  return users.some((u) => u.name === project.name && u.default_project_id === project.id);
}

/** Whether a project was made for this room by admit (name prefix, and the description marker or its user). */
export function isRoomProject(room: string, project: NamedProject, users: readonly NamedUser[]): boolean {
  if (!project.name.startsWith(roomPrefix(room))) return false;
  const description = project.description ?? '';
  return description
    ? description.startsWith(`${ROOM_MARKER} room ${slugOf(room, 20)}:`)
    : hasItsStudent(project, users);
}

/** Whether the project belongs to any classroom room (the host's headroom counts them all). */
export function isClassroomProject(project: NamedProject, users: readonly NamedUser[]): boolean {
  if (!project.name.startsWith('faafo-')) return false;
  const description = project.description ?? '';
  return description ? description.startsWith(`${ROOM_MARKER} room `) : hasItsStudent(project, users);
}

/** The student's id as written in a room project's description, if it is one. */
export function studentIdOf(project: { description?: string | null }): string | undefined {
  return /: student (\S+) \(/.exec(project.description ?? '')?.[1];
}

/**
 * The name of a student's project and user: the room prefix and the slug of their name, with -2, -3 …
 * when another student of the room already has that slug ("Ada L." and "Ada-L").
 */
export function studentProjectName(room: string, studentName: string, taken: readonly string[]): string {
  const base = `${roomPrefix(room)}${slugOf(studentName)}`;
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) {
    const name = `${base}-${n}`;
    if (!taken.includes(name)) return name;
  }
}
