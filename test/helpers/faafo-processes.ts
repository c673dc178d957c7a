// Real faafo processes for end-to-end tests: `faafo api`, `faafo worker` and the CLI, started from
// bin/faafo.mjs exactly as a user would, on loopback ports nobody else holds.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { FAAFO_BIN } from '../../src/shared/bins.ts';

export { FAAFO_BIN, PACKAGE_ROOT as ROOT } from '../../src/shared/bins.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface FaafoProcess {
  name: string;
  child: ChildProcess;
  /** Every line it printed so far (stdout and stderr). */
  lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // Never let a developer's own faafo settings leak into a test's processes.
  for (const key of Object.keys(env)) if (key.startsWith('FAAFO_') && !(key in extra)) delete env[key];
  return env;
}

export function startFaafo(name: string, args: string[], env: Record<string, string> = {}): FaafoProcess {
  const child = spawn(process.execPath, [FAAFO_BIN, ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (process.env.FAAFO_TEST_VERBOSE) console.log(`[${name}] ${line}`);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    name,
    child,
    lines,
    waitForLine(pattern, timeoutMs = 30_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `${name} did not print ${pattern} within ${timeoutMs} ms. Output:\n${lines.join('\n')}`,
            ),
          );
        }, timeoutMs);
        const onExit = () => {
          clearTimeout(timer);
          reject(new Error(`${name} exited before printing ${pattern}. Output:\n${lines.join('\n')}`));
        };
        child.once('exit', onExit);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(line);
          },
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timeout = sleep(10_000).then(() => child.kill('SIGKILL'));
      await Promise.race([exited, timeout]);
      await exited;
    },
  };
}

export interface ApiProcess extends FaafoProcess {
  url: string;
}

export async function startApi(options: {
  databaseUrl: string;
  transportUrl: string;
  extraArgs?: string[];
  env?: Record<string, string>;
}): Promise<ApiProcess> {
  const port = await freePort();
  const api = startFaafo(
    'api',
    [
      'api',
      '--listen-address',
      '127.0.0.1',
      '--bind-port',
      String(port),
      '--database-url',
      options.databaseUrl,
      '--transport-url',
      options.transportUrl,
      ...(options.extraArgs ?? []),
    ],
    options.env,
  );
  await api.waitForLine(/listening on http/);
  return { ...api, url: `http://127.0.0.1:${port}` };
}

export async function startWorker(options: {
  name: string;
  endpointUrl: string;
  transportUrl: string;
  threads?: number;
}): Promise<FaafoProcess> {
  const worker = startFaafo(
    options.name,
    [
      'worker',
      '--endpoint-url',
      options.endpointUrl,
      '--transport-url',
      options.transportUrl,
      '--render-threads',
      String(options.threads ?? 1),
    ],
    { FAAFO_NODE_NAME: options.name },
  );
  await worker.waitForLine(/consuming queue/);
  return worker;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runFaafo(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [FAAFO_BIN, ...args],
      { env: cleanEnv(env), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
