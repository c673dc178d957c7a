// Where faafo-tutor keeps what it can always make again, only faster to reuse (the database node's
// fresh cluster): $XDG_CACHE_HOME/faafo-tutor, else ~/.cache/faafo-tutor. Deleting it loses nothing.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'faafo-tutor');
}
