// Where a local cloud keeps its files. Everything lives in one data dir, chosen by `--data-dir`,
// $FAAFO_CLOUD_DIR or the XDG default:
//
//   state.json    the cloud's state (store.ts)           cloud.json   pid, slot, endpoints of the last run
//   cloud.log     the server's log (API requests, nodes)  clouds.yaml  the `faafo-local` entry, openrc too
//   openrc-admin  the administrator's OS_* (clouds.yaml's `faafo-local-admin`)
//   nodes/<id>/   each node's files (nodes/runtime.ts)
//   backends.json the configured real RabbitMQ/MariaDB URLs (backends.ts)
//
// The directory is the user's choice, so a path that cannot be one is the user's mistake and is
// told as such (user-dir.ts), never as an unexpected error.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { STATE_FILE } from '../store.ts';

/** `--data-dir`, else $FAAFO_CLOUD_DIR, else $XDG_DATA_HOME/faafo-tutor/cloud. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAAFO_CLOUD_DIR) return resolve(env.FAAFO_CLOUD_DIR);
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(dataHome, 'faafo-tutor', 'cloud');
}

export function cloudPaths(dataDir: string) {
  const dir = resolve(dataDir);
  return {
    dataDir: dir,
    state: join(dir, STATE_FILE),
    run: join(dir, 'cloud.json'),
    log: join(dir, 'cloud.log'),
    cloudsYaml: join(dir, 'clouds.yaml'),
    openrc: join(dir, 'openrc'),
    openrcAdmin: join(dir, 'openrc-admin'),
    nodes: join(dir, 'nodes'),
    backends: join(dir, 'backends.json'),
  };
}
export type CloudPaths = ReturnType<typeof cloudPaths>;

/** What a data dir holds; reset removes only these, so a mistaken --data-dir loses nothing else. */
export const OWNED_FILES = [
  'state.json',
  'cloud.json',
  'cloud.log',
  'clouds.yaml',
  'openrc',
  'openrc-admin',
  'nodes',
  'backends.json',
];

/** A JSON file of the data dir, or undefined when it is absent or unreadable (never a throw). */
export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
