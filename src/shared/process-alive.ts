// Whether a recorded pid still names a process: the local cloud's slot claims, run file and node pid
// files, and the tests that check nothing survived, all ask the same question the same way.

/** Whether a process with this pid exists (one of another user's counts: signalling it is EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
