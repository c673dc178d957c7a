// Writing a file so that readers see either the old content or the new, never half of it: the bytes
// go to a temporary file beside the target, which is then renamed over it (atomic on one
// filesystem). The local cloud's run files and the faafo CLI's downloads both need it.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';

/** `<file>.<pid>.<random>.tmp`: beside the target (same filesystem), unique per writer. */
function tempNameFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Small files (JSON, YAML, scripts) written in one go; `mode` applies to the new file. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, mode = 0o600): void {
  const temp = tempNameFor(file);
  try {
    writeFileSync(temp, data, { mode, flag: 'wx' });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Large files (a PNG the user asked for). A Ctrl-C in the middle must not leave the temporary file
 * behind either, so it is removed before the process exits on SIGINT/SIGTERM.
 */
export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const temp = tempNameFor(file);
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
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
