// Writes a file so that it is either complete or absent: the bytes go to a temporary file in the
// same directory, which is then renamed over the target (atomic on one filesystem). An
// interrupted `faafo get` never leaves half a PNG behind.
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from './errors.ts';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Ctrl-C in the middle of a large write must not leave the temporary file behind either.
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      unlinkSync(temp);
    } catch {
      // Not created yet, or already renamed.
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw new CliError(`Could not write ${path}: ${describeFsError(error, path)}.`, undefined, {
      cause: error,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
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
