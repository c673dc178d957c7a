// faafo's settings, from (highest first) command-line flags, FAAFO_* environment variables, a config
// file, and defaults. Option names are the original faafo's (`--database-url`, `--transport-url`,
// `--endpoint-url`, `--listen-address`, `--bind-port`); the file is INI like /etc/faafo/faafo.conf,
// with the same names in snake_case.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, homedir, hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { EXIT_USAGE, UserError } from '../shared/user-error.ts';

const int = (min: number, max: number) =>
  z.coerce
    .number('must be a whole number')
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}; choose a smaller value`);

/** What an API accepts unless its operator says otherwise (max_width, max_height, max_iterations). */
export const DEFAULT_SIZE_LIMITS = { maxWidth: 10_000, maxHeight: 10_000, maxIterations: 10_000 } as const;
/** The most an operator may raise those to, and the most threads one render may use. */
export const SIZE_LIMIT_CEILINGS = {
  maxWidth: 100_000,
  maxHeight: 100_000,
  maxIterations: 1_000_000,
} as const;
export const MAX_RENDER_THREADS = 256;

export const ConfigSchema = z.object({
  databaseUrl: z.string().min(1),
  transportUrl: z.string().regex(/^amqps?:\/\//, 'must start with amqp:// or amqps://'),
  endpointUrl: z.string().regex(/^https?:\/\//, 'must start with http:// or https://'),
  listenAddress: z.string().min(1),
  bindPort: int(0, 65535),
  /** How many unacknowledged tasks the broker hands one worker at a time. */
  prefetch: int(1, 1000),
  imageStore: z.enum(['database', 'disk']),
  /** For imageStore=disk: the API node's local directory. */
  imageDir: z.string().min(1),
  maxWidth: int(1, SIZE_LIMIT_CEILINGS.maxWidth),
  maxHeight: int(1, SIZE_LIMIT_CEILINGS.maxHeight),
  maxIterations: int(1, SIZE_LIMIT_CEILINGS.maxIterations),
  /** Threads one render uses; defaults to the node's vCPUs. */
  renderThreads: int(1, MAX_RENDER_THREADS),
  /** `generated_by`: the node's hostname unless FAAFO_NODE_NAME says otherwise. */
  nodeName: z.string().min(1).max(256),
});
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

/** camelCase key → the original's snake_case name (file keys; env is FAAFO_ + upper case). */
export function snakeName(key: ConfigKey): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'faafo-tutor');
}

export function defaults(env: NodeJS.ProcessEnv = process.env, hostname = osHostname()): Config {
  const dir = dataDir(env);
  return {
    databaseUrl: `sqlite:///${join(dir, 'faafo.db')}`,
    transportUrl: 'amqp://guest:guest@127.0.0.1:5672/',
    endpointUrl: 'http://127.0.0.1:8080',
    listenAddress: '127.0.0.1',
    // The original listens on 80; an unprivileged user cannot, so 8080 (the local cloud maps 80 → 8080).
    bindPort: 8080,
    prefetch: 1,
    imageStore: 'database',
    imageDir: join(dir, 'images'),
    ...DEFAULT_SIZE_LIMITS,
    renderThreads: availableParallelism(),
    nodeName: hostname,
  };
}

/** Parses INI text: `[section]` headers, `key = value` lines, `#`/`;` comments. All sections merge. */
export function parseIni(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** A setting the user gave that cannot be used: a mistake in the command line or config file. */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, { exitCode: EXIT_USAGE });
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  flags?: Partial<Record<ConfigKey, string | number | undefined>>;
  env?: NodeJS.ProcessEnv;
  /** Explicit config file (`--config-file`); else FAAFO_CONFIG_FILE; else /etc/faafo/faafo.conf if present. */
  configFile?: string;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const base = defaults(env);
  const filePath = sources.configFile ?? env.FAAFO_CONFIG_FILE ?? '/etc/faafo/faafo.conf';
  const explicitFile = Boolean(sources.configFile ?? env.FAAFO_CONFIG_FILE);
  let file: Record<string, string> = {};
  if (existsSync(filePath)) {
    file = parseIni(readFileSync(filePath, 'utf8'));
  } else if (explicitFile) {
    throw new ConfigError(`Config file ${filePath} does not exist.`);
  }

  const merged: Record<string, unknown> = { ...base };
  for (const key of Object.keys(base) as ConfigKey[]) {
    const snake = snakeName(key);
    const fromFile = file[snake];
    const fromEnv = env[`FAAFO_${snake.toUpperCase()}`];
    const fromFlag = sources.flags?.[key];
    if (fromFile !== undefined && fromFile !== '') merged[key] = fromFile;
    if (fromEnv !== undefined && fromEnv !== '') merged[key] = fromEnv;
    if (fromFlag !== undefined && fromFlag !== '') merged[key] = fromFlag;
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]) as ConfigKey;
    throw new ConfigError(`Invalid setting ${snakeName(key).replaceAll('_', '-')}: ${issue.message}.`);
  }
  return parsed.data;
}
