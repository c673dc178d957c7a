// The file a command writes for the user (`faafo get -o`, `faafo render -o`): complete or absent
// (an interrupted download never leaves half a PNG behind: shared/atomic-write.ts), and a failure
// to write it is the user's to fix, so it is told as one line naming the file and the fix.
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import { CliError } from './errors.ts';

export async function writeOutputFile(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw new CliError(`Could not write ${path}: ${describeFsError(error, path)}.`, undefined, {
      cause: error,
    });
  }
}

/** A few words for the usual filesystem failures, with the fix where there is an obvious one. */
export function describeFsError(error: unknown, path: string): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return `the directory ${dirname(path)} does not exist; create it or choose another -o`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; choose a file you may write with -o';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'the filesystem is read-only';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
