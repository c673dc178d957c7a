// `faafo-tutor cloud serve`: the cloud in this process (what `up` starts detached). It claims the
// data dir's address slot, starts the API services and nodes on free ports (the last run's again
// when possible, so URLs stay put across down/up), and records the run in cloud.json.
import { writeFileAtomicSync } from '../../shared/atomic-write.ts';
import { DEVSTACK_PORTS, type ServiceName } from '../gateway.ts';
import { MAX_SLOT, MIN_SLOT } from '../nodes/addresses.ts';
import type { BackendUrls } from '../nodes/backends.ts';
import { type MemoryLimitChoice, memoryLimitChoiceFrom } from '../nodes/limits/memory-limits.ts';
import { type CpuLimitChoice, cpuLimitChoiceFrom } from '../nodes/limits/node-limits.ts';
import { chooseVcpuFraction } from '../nodes/limits/vcpu-fraction.ts';
import { type Credentials, type LocalCloud, startLocalCloud } from '../server.ts';
import { checkBackends, readBackends, shownBackends } from './backends.ts';
import { CloudCliError } from './io.ts';
import { cloudPaths } from './paths.ts';
import { type RunInfo, readRunInfo, readState, runningCloud } from './run-info.ts';
import { claimFreeSlot, claimSlot } from './slots.ts';
import { DATA_DIR, ensureUserDir } from './user-dir.ts';

export interface ServeOptions {
  dataDir: string;
  host?: string;
  /** For a new cloud; an existing one keeps its slot. Default: the lowest free one on this host. */
  slot?: number;
  ports?: Partial<Record<ServiceName, number>>;
  log?: (line: string) => void;
  /** Real engines; by default the data dir's backends.json (see saveBackends). */
  backends?: BackendUrls;
  /** The user of a new cloud (default demo/password, project demo); an existing one keeps its own. */
  credentials?: Partial<Credentials>;
  /** Share of a host core one vCPU gets; else $FAAFO_CLOUD_VCPU_FRACTION, else this host's default. */
  vcpuFraction?: number;
  /** What holds nodes to their vCPUs; else $FAAFO_CLOUD_CPU_LIMIT, else the best this host allows. */
  cpuLimit?: CpuLimitChoice;
  /** What holds nodes to their flavor's RAM; else $FAAFO_CLOUD_MEMORY_LIMIT, else the best this host allows. */
  memoryLimit?: MemoryLimitChoice;
  /** Where the settings above are read from (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
}

export interface ServingCloud {
  cloud: LocalCloud;
  run: RunInfo;
  stop(): Promise<void>;
}

export async function serveCloud(options: ServeOptions): Promise<ServingCloud> {
  const paths = cloudPaths(options.dataDir);
  ensureUserDir(paths.dataDir, DATA_DIR, 0o700);
  const other = runningCloud(paths);
  if (other && other.pid !== process.pid) {
    throw new CloudCliError(`the local cloud in ${paths.dataDir} is already running (pid ${other.pid}).`);
  }
  const existingSlot = readState(paths)?.slot;
  if (existingSlot !== undefined && options.slot !== undefined && options.slot !== existingSlot) {
    throw new CloudCliError(
      `the cloud in ${paths.dataDir} uses slot ${existingSlot}; \`faafo-tutor cloud reset\` it to choose another.`,
    );
  }
  const chosen = existingSlot ?? options.slot;
  if (chosen !== undefined && (!Number.isInteger(chosen) || chosen < MIN_SLOT || chosen > MAX_SLOT)) {
    throw new CloudCliError(`the slot must be a whole number from ${MIN_SLOT} to ${MAX_SLOT}.`);
  }
  const { slot, release } =
    chosen === undefined
      ? claimFreeSlot(paths.dataDir)
      : { slot: chosen, release: claimSlot(chosen, paths.dataDir) };
  const previous = readRunInfo(paths);
  const portOf = (url: string | undefined) => (url ? Number(new URL(url).port) || undefined : undefined);
  // The last run's ports keep the URLs in clouds.yaml, notebooks and cached tokens valid.
  const preferredPorts = previous
    ? {
        identity: portOf(previous.endpoints.identity),
        compute: portOf(previous.endpoints.compute),
        network: portOf(previous.endpoints.network),
        image: portOf(previous.endpoints.image),
      }
    : DEVSTACK_PORTS;
  const backends = options.backends ?? readBackends(paths);
  let cloud: LocalCloud;
  try {
    const env = options.env ?? process.env;
    const cpu = {
      vcpu: chooseVcpuFraction(options.vcpuFraction, env),
      limit: options.cpuLimit ?? cpuLimitChoiceFrom(env),
    };
    checkBackends(backends);
    const shown = shownBackends(backends);
    if (shown.rabbitmqUrl) options.log?.(`messaging: the configured RabbitMQ ${shown.rabbitmqUrl}`);
    if (shown.mysqlUrl) options.log?.(`database: the configured MariaDB ${shown.mysqlUrl}`);
    cloud = await startLocalCloud({
      dataDir: paths.dataDir,
      host: options.host ?? '127.0.0.1',
      slot,
      ports: options.ports,
      preferredPorts,
      log: options.log,
      backends,
      cpu,
      memory: { limit: options.memoryLimit ?? memoryLimitChoiceFrom(env) },
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  } catch (error) {
    release();
    throw error;
  }
  const run: RunInfo = {
    pid: process.pid,
    slot,
    host: options.host ?? '127.0.0.1',
    endpoints: cloud.endpoints,
    dataDir: paths.dataDir,
    startedAt: new Date().toISOString(),
    ...(cloud.cpu ? { cpu: cloud.cpu } : {}),
    ...(cloud.memory ? { memory: cloud.memory } : {}),
  };
  writeFileAtomicSync(paths.run, `${JSON.stringify(run, null, 2)}\n`);
  let stopping: Promise<void> | undefined;
  return {
    cloud,
    run,
    stop() {
      stopping ??= (async () => {
        try {
          await cloud.close();
        } finally {
          writeFileAtomicSync(paths.run, `${JSON.stringify({ ...run, pid: null }, null, 2)}\n`);
          release();
        }
      })();
      return stopping;
    },
  };
}
