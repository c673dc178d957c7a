// `faafo-tutor cloud up`: starts `serve` detached (its output into cloud.log), waits until Keystone
// answers, and writes what real clients need to find it (clouds.yaml, openrc). Already running:
// says so and changes nothing but the client files. Real engine URLs given here are remembered.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TUTOR_BIN } from '../../shared/bins.ts';
import { backendLines, readBackends, saveBackends } from './backends.ts';
import {
  ADMIN_CLOUD_NAME,
  adminCredentialsOf,
  CLOUD_NAME,
  credentialsOf,
  mergeUserCloudsYaml,
  writeClientFiles,
} from './client-files.ts';
import { CloudCliError, type CloudIo } from './io.ts';
import { type CloudPaths, cloudPaths } from './paths.ts';
import { type RunInfo, readRunInfo, readState, runningCloud } from './run-info.ts';
import { checkSlotRegistry, slotRegistry } from './slots.ts';
import { cpuLine, memoryLine, nodeStatuses, webAddressLines } from './status.ts';
import { DATA_DIR, ensureUserDir } from './user-dir.ts';

export interface UpOptions {
  dataDir: string;
  slot?: number;
  /** Also add the entry to ~/.config/openstack/clouds.yaml. */
  userCloudsYaml?: boolean;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** A real RabbitMQ (amqp://user:pass@host:5672/vhost); else $FAAFO_CLOUD_RABBITMQ_URL; '' removes it. */
  rabbitmqUrl?: string;
  /** A real MariaDB (mysql://user:pass@host:3306/); else $FAAFO_CLOUD_MYSQL_URL; '' removes it. */
  mysqlUrl?: string;
  /** Share of a host core one vCPU gets (see limits/vcpu-fraction.ts); applies from the next start. */
  vcpuFraction?: number;
}

function logTail(paths: CloudPaths, lines = 15): string {
  try {
    return readFileSync(paths.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function answers(identityUrl: string): Promise<boolean> {
  try {
    const response = await fetch(identityUrl, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 300;
  } catch {
    return false;
  }
}

const optional = (line: string | undefined) => (line === undefined ? [] : [line]);

export async function cloudUp(options: UpOptions, io: CloudIo): Promise<RunInfo> {
  const paths = cloudPaths(options.dataDir);
  ensureUserDir(paths.dataDir, DATA_DIR, 0o700);
  const env = options.env ?? process.env;
  // `serve` claims a slot there; a bad path is told here as one line, not at the end of its log.
  checkSlotRegistry(slotRegistry(env));
  const given = {
    rabbitmqUrl: options.rabbitmqUrl ?? env.FAAFO_CLOUD_RABBITMQ_URL,
    mysqlUrl: options.mysqlUrl ?? env.FAAFO_CLOUD_MYSQL_URL,
  };
  const changed = given.rabbitmqUrl !== undefined || given.mysqlUrl !== undefined;
  const before = JSON.stringify(readBackends(paths));
  const backends = saveBackends(paths, given);
  const already = runningCloud(paths);
  if (already && changed && JSON.stringify(backends) !== before) {
    io.stdout.write(
      'The configured RabbitMQ/MariaDB changed; they apply from the next start (faafo-tutor cloud down, then up).\n',
    );
  }
  if (already && options.vcpuFraction !== undefined && options.vcpuFraction !== already.cpu?.vcpuFraction) {
    io.stdout.write(
      'The vCPU fraction applies from the next start (faafo-tutor cloud down, then up --vcpu-fraction).\n',
    );
  }
  const run: RunInfo = already ?? (await startDetached(paths, options));
  io.stdout.write(
    already
      ? `The local cloud is already running (pid ${run.pid}), data in ${paths.dataDir}.\n`
      : `The local cloud is up (pid ${run.pid}), data in ${paths.dataDir}.\n`,
  );
  const state = readState(paths);
  if (!state) throw new CloudCliError(`the cloud wrote no state in ${paths.dataDir}; see ${paths.log}.`);
  const credentials = credentialsOf(state, run);
  writeClientFiles(paths, credentials, adminCredentialsOf(state, run));
  const web = webAddressLines(nodeStatuses(paths));
  const lines = [
    '',
    ...(['identity', 'compute', 'network', 'image'] as const).map(
      (s) => `  ${s.padEnd(9)} ${run.endpoints[s]}`,
    ),
    '',
    `  user ${credentials.username} / ${credentials.password}, project ${credentials.projectName}, region RegionOne`,
    '',
    `For the openstack CLI:  eval "$(faafo-tutor cloud env)"   (or: source ${paths.openrc})`,
    `clouds.yaml entry '${CLOUD_NAME}': ${paths.cloudsYaml}`,
    `The administrator (projects, users, quotas): eval "$(faafo-tutor cloud env --admin)", or the entry '${ADMIN_CLOUD_NAME}'`,
    ...backendLines(backends),
    ...optional(cpuLine(run.cpu)),
    ...optional(memoryLine(run.memory)),
  ];
  if (options.userCloudsYaml) {
    const file = mergeUserCloudsYaml(credentials, options.env);
    lines.push(`                and in ${file} (openstack --os-cloud ${CLOUD_NAME} …)`);
  }
  if (web.length > 0) lines.push('', ...web);
  io.stdout.write(`${lines.join('\n')}\n`);
  return run;
}

async function startDetached(paths: CloudPaths, options: UpOptions): Promise<RunInfo> {
  const args = [TUTOR_BIN, 'cloud', 'serve', '--data-dir', paths.dataDir];
  if (options.slot !== undefined) args.push('--slot', String(options.slot));
  if (options.vcpuFraction !== undefined) args.push('--vcpu-fraction', String(options.vcpuFraction));
  const logFd = openSync(paths.log, 'a', 0o600);
  let exited: string | undefined;
  const child = spawn(process.execPath, args, {
    cwd: paths.dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: options.env ?? process.env,
  });
  closeSync(logFd);
  child.on('exit', (code, signal) => {
    exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  child.on('error', (error) => {
    exited = `could not start: ${error.message}`;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    while (Date.now() < deadline) {
      if (exited) break;
      const run = readRunInfo(paths);
      if (run && run.pid === child.pid && (await answers(run.endpoints.identity))) return run;
      await sleep(100);
    }
  } finally {
    child.unref();
  }
  if (!exited && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  const tail = logTail(paths);
  throw new CloudCliError(
    `the local cloud ${exited ?? 'did not answer in time'}.${tail ? ` Its log (${paths.log}) ends with:\n${tail}` : ''}`,
  );
}
