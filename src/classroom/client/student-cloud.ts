// A shared-cloud room's files for one student, kept where the student's tools find them: the
// clouds.yaml and openrc the board gave (0600, in a 0700 folder: they hold the student's password),
// and the name of the one cloud inside, which the lesson is then run on (OS_CLIENT_CONFIG_FILE plus
// --cloud NAME or OS_CLOUD). The tutor and the notebooks both save them here.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { writeFileAtomicSync } from '../../shared/atomic-write.ts';
import { UserError } from '../../shared/user-error.ts';
import type { StudentCloudFiles } from './join.ts';

export interface SavedStudentCloud {
  /** The cloud's name inside clouds.yaml. */
  name: string;
  dir: string;
  cloudsYaml: string;
  openrc: string;
}

/** Writes the files into `dir` and names the cloud; a clouds.yaml without exactly one cloud is refused. */
export function saveStudentCloud(dir: string, files: StudentCloudFiles): SavedStudentCloud {
  let names: string[] = [];
  try {
    const clouds = (parse(files.cloudsYaml) as { clouds?: unknown } | null)?.clouds;
    names = clouds && typeof clouds === 'object' ? Object.keys(clouds) : [];
  } catch {
    names = [];
  }
  if (names.length !== 1)
    throw new UserError(
      `The board sent a clouds.yaml with ${names.length} clouds instead of one; tell the teacher (the lesson needs exactly one).`,
    );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cloudsYaml = join(dir, 'clouds.yaml');
  const openrc = join(dir, 'openrc');
  writeFileAtomicSync(cloudsYaml, files.cloudsYaml, 0o600);
  writeFileAtomicSync(openrc, files.openrc, 0o600);
  return { name: names[0]!, dir, cloudsYaml, openrc };
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)$/i;

function hostOf(url: unknown): string | undefined {
  try {
    return typeof url === 'string' ? new URL(url).hostname : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A shared local cloud answers on the teacher's loopback only (its servers are processes there). A
 * student who reached the board from another machine cannot reach that cloud: the sentence that says
 * so and what to do, or undefined when the cloud is reachable from where the board was.
 */
export function cloudOutOfReach(boardUrl: string, cloudsYaml: string): string | undefined {
  const board = hostOf(boardUrl);
  if (!board || LOOPBACK.test(board)) return undefined;
  let authUrl: unknown;
  try {
    const clouds = (parse(cloudsYaml) as { clouds?: Record<string, { auth?: { auth_url?: unknown } }> })
      .clouds;
    authUrl = Object.values(clouds ?? {})[0]?.auth?.auth_url;
  } catch {
    return undefined;
  }
  const cloud = hostOf(authUrl);
  if (!cloud || !LOOPBACK.test(cloud)) return undefined;
  return `This room's cloud runs on the teacher's machine and answers there only (${String(authUrl)}): run the tutor in a terminal on that machine (ssh to ${board}), or ask the teacher for a room on a real OpenStack (classroom serve --cloud NAME).`;
}

/** What the student is told about the cloud they were given. */
export const studentCloudSentence = (saved: SavedStudentCloud): string =>
  `This room gives you a cloud of your own: the lesson runs on '${saved.name}'. Its clouds.yaml and openrc are in ${saved.dir}; for the openstack CLI: source ${saved.openrc}.`;

/** What the student is told on joining: the room and the name, then all the board will ever see (each line fits 80 columns' notes). */
export const joinedLines = (room: string, board: string, name: string): string[] => [
  `Joined "${room}" at ${board} as ${name.trim()}.`,
  'The board sees your chapter, checks and figures only: no code, no credentials.',
];
