// `faafo api` and `faafo worker`: the long-running processes (the original's faafo-api and
// faafo-worker). Settings come from flags, FAAFO_* variables and the config file (config.ts); the
// server modules are imported only here, so `faafo list` does not load fastify or amqplib.

import { redactText } from '../../../shared/redact.ts';
import { type Config, type ConfigKey, loadConfig } from '../../config.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';

/** The flags both roles accept; each role uses the ones that concern it (see `--help`). */
export type ServerFlags = Partial<Record<ConfigKey, string | number>>;

export interface Running {
  close(): Promise<void>;
}

/** How long a graceful stop may take before a second signal or this timer forces the exit. */
const STOP_TIMEOUT_MS = 15_000;

/** The server's settings; one that cannot be used is a ConfigError (a UserError, usage exit code). */
export function serverConfig(flags: ServerFlags, configFile: string | undefined): Config {
  return loadConfig({ flags, configFile });
}

export async function apiCommand(ctx: CliContext, config: Config): Promise<void> {
  const { runApi } = await import('../../api/main.ts');
  const api = await startOrExplain('faafo api', () => runApi(config));
  stopOnSignal(ctx, 'faafo api', api);
}

export async function workerCommand(ctx: CliContext, config: Config): Promise<void> {
  const { runWorker } = await import('../../worker/main.ts');
  stopOnSignal(ctx, 'faafo worker', await startOrExplain('faafo worker', () => runWorker(config)));
}

/** A server that cannot start (port taken, database unreachable) is reported in one line. */
async function startOrExplain<T>(name: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as { code?: unknown }).code;
    const message = redactText(error instanceof Error ? error.message : String(error)).replace(/[.\s]+$/, '');
    const fix = code === 'EADDRINUSE' ? '; stop the other process or choose another --bind-port' : '';
    throw new CliError(`${name} could not start: ${message}${fix}.`, undefined, { cause: error });
  }
}

/** SIGINT/SIGTERM: close (finish or hand back the current work), then exit 0. */
function stopOnSignal(ctx: CliContext, name: string, running: Running): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      ctx.stderr.write(`${name}: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    ctx.info(`${name}: ${signal} received, stopping`);
    setTimeout(() => {
      ctx.stderr.write(`${name}: did not stop within ${STOP_TIMEOUT_MS / 1000} seconds, exiting\n`);
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        ctx.stderr.write(
          `${name}: error while stopping: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
