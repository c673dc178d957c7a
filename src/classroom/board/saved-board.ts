// A board's roster on disk, so that a board started again with `classroom serve --resume` (a laptop
// that slept, a Ctrl-C in the wrong window) keeps its room: the same join code and teacher link, and
// every student with their token and what they reported. Without --resume a board starts a new room,
// so last week's workshop never shows up in this one. The file holds tokens' secrets and the room's
// cloud credentials: it is written atomically, readable by its owner only, and never logged.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../../shared/atomic-write.ts';
import { UserError } from '../../shared/user-error.ts';
import { studentView } from '../protocol.ts';

const savedStudent = z.object({
  view: studentView,
  secret: z.string().min(1),
  cloud: z.object({ cloudsYaml: z.string(), openrc: z.string(), cloudName: z.string() }).optional(),
});
export type SavedStudent = z.infer<typeof savedStudent>;

export const savedBoard = z.object({
  version: z.literal(1),
  room: z.string(),
  joinCode: z.string(),
  teacherToken: z.string(),
  savedAt: z.number(),
  students: z.array(savedStudent),
});
export type SavedBoard = z.infer<typeof savedBoard>;

/** One file per room under the data directory; the name is readable and still unique per room name. */
export function savedBoardFile(dataDir: string, room: string): string {
  const readable = room.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  const unique = createHash('sha256').update(room).digest('hex').slice(0, 8);
  return join(dataDir, 'classroom', 'boards', `${readable}-${unique}.json`);
}

/** The saved board, undefined when there is none; one line when the file is there but unusable. */
export function readSavedBoard(file: string): SavedBoard | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(
      `The saved board ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check its permissions, or start a new room without --resume.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = savedBoard.safeParse(parsed);
  if (!result.success) {
    throw new UserError(
      `The saved board ${file} is not one this version wrote (damaged or from another version): start a new room without --resume.`,
    );
  }
  return result.data;
}

export function writeSavedBoard(file: string, board: SavedBoard): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, `${JSON.stringify(board)}\n`, 0o600);
}

export function removeSavedBoard(file: string): boolean {
  try {
    rmSync(file);
    return true;
  } catch {
    return false;
  }
}
