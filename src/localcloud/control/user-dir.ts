// The directories a user chooses for the local cloud (its data dir, the host's slot registry). A
// path that cannot be a directory — a file, a path under a file, a directory one may not write —
// is the user's mistake, so it fails as one plain sentence that names the path, says what is wrong
// with it and what to do, never as an "unexpected error: ENOTDIR …".
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CloudCliError } from './io.ts';

/** What the directory is for, and how the user points the cloud at another one. */
export interface DirRole {
  /** e.g. "the cloud's data dir" */
  what: string;
  /** A sentence: e.g. "Choose another --data-dir (or $FAAFO_CLOUD_DIR)." */
  fix: string;
}

export const DATA_DIR: DirRole = {
  what: "the local cloud's data dir",
  fix: 'Choose another --data-dir (or $FAAFO_CLOUD_DIR).',
};

/** The nearest part of `path` (itself or an ancestor) that exists and is not a directory. */
function fileInTheWay(path: string): string | undefined {
  for (let at = path; ; at = dirname(at)) {
    try {
      return statSync(at).isDirectory() ? undefined : at;
    } catch {
      // Absent (or unreadable): look one level up.
    }
    if (dirname(at) === at) return undefined;
  }
}

/** The few words for what is wrong with `dir`, from the error the filesystem gave. */
function whatIsWrong(error: unknown, dir: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST': {
      const file = fileInTheWay(dir);
      return file === undefined
        ? 'a part of the path is not a directory'
        : file === dir
          ? 'it is a file, not a directory'
          : `${file} is a file, not a directory`;
    }
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (you may not create or write it)';
    case 'EROFS':
      return 'the filesystem is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'the path has a symbolic link loop';
    default:
      return (error as Error).message;
  }
}

function refuse(dir: string, role: DirRole, error: unknown): CloudCliError {
  return new CloudCliError(`cannot use ${dir} as ${role.what}: ${whatIsWrong(error, dir)}. ${role.fix}`, {
    cause: error,
  });
}

/**
 * For commands that only read: whether `dir` exists (absent is fine: nothing there yet). A path
 * that exists but cannot be a directory fails as the user's mistake.
 */
export function userDirExists(dir: string, role: DirRole): boolean {
  try {
    if (statSync(dir).isDirectory()) return true;
    throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw refuse(dir, role, error);
  }
}

/** Creates `dir` (and its parents) if needed and checks that this user may write in it. */
export function ensureUserDir(dir: string, role: DirRole, mode?: number): void {
  try {
    mkdirSync(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
    if (!statSync(dir).isDirectory())
      throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw refuse(dir, role, error);
  }
}
