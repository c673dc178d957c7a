// startLocalCloud: the whole local cloud in one process — the state in its data dir, the node
// runtime, and the four OpenStack services on loopback ports, each a provider behind the gateway.
import type { FastifyInstance } from 'fastify';
import type { CloudStore, Endpoints, NodeRuntime, ProviderDeps } from './contracts.ts';
import { type Provider, type ServiceName, startGateway } from './gateway.ts';
import { type BackendUrls, realBackends } from './nodes/backends.ts';
import { createMemoryLimits, type MemoryLimitChoice } from './nodes/limits/memory-limits.ts';
import type { WatchOptions } from './nodes/limits/memory-watch.ts';
import { type CpuLimitChoice, createCpuLimits } from './nodes/limits/node-limits.ts';
import { defaultVcpuFraction, type VcpuChoice } from './nodes/limits/vcpu-fraction.ts';
import { createNodeRuntime, resumeNodes } from './nodes/runtime.ts';
import { computeProvider } from './providers/compute/index.ts';
import { identityProvider } from './providers/identity/index.ts';
import { imageProvider } from './providers/image/index.ts';
import { networkProvider } from './providers/network/index.ts';
import { DEFAULT_CREDENTIALS, openFileStore, seedState } from './store.ts';

export interface Credentials {
  username: string;
  password: string;
  projectName: string;
}

/** What a node runtime is built from once the ports are known. */
export interface RuntimeDeps {
  store: CloudStore;
  endpoints: Endpoints;
  dataDir: string;
  now: () => Date;
}

export interface LocalCloudOptions {
  /** Where the state (state.json) and the nodes' files live; created if missing. */
  dataDir: string;
  /** A loopback address; 127.0.0.1 unless told. */
  host?: string;
  /** Per-service ports that must be used; 0 → any free port. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Ports to try first for the others (e.g. the last run's); taken → any free port. */
  preferredPorts?: Partial<Record<ServiceName, number>>;
  /** The slot of a new cloud (its address ranges); an existing data dir keeps its own. */
  slot?: number;
  /** The user of a new cloud; an existing data dir keeps its own. */
  credentials?: Partial<Credentials>;
  /** The node runtime, or how to build it; the real one (nodes/) unless told. */
  runtime?: NodeRuntime | ((deps: RuntimeDeps) => NodeRuntime);
  /** The clock, for tests of token expiry. */
  now?: () => Date;
  /** One line per API request, node event and server error. */
  log?: (line: string) => void;
  /** A real RabbitMQ (amqp://…/vhost) and/or MariaDB (mysql://…/) instead of the embedded ones. */
  backends?: BackendUrls;
  /** Boot again the nodes that were running when the cloud last stopped (default true). */
  resume?: boolean;
  /** How big a vCPU is and what holds nodes to theirs (default: this host's share, the best mechanism). */
  cpu?: { vcpu?: VcpuChoice; limit?: CpuLimitChoice };
  /** What holds nodes to their flavor's RAM (default: the best this host allows). */
  memory?: { limit?: MemoryLimitChoice; watch?: WatchOptions };
}

/** How the cloud's nodes are held to their vCPUs (cloud.json, `cloud status`). */
export interface CloudCpuInfo {
  /** Share of a host core one vCPU gets. */
  vcpuFraction: number;
  /** Why that share. */
  reason: string;
  mechanism: string;
  description: string;
}

/** How the cloud's nodes are held to their flavor's RAM (cloud.json, `cloud status`). */
export interface CloudMemoryInfo {
  mechanism: string;
  description: string;
}

export interface LocalCloud {
  endpoints: Endpoints;
  store: CloudStore;
  runtime: NodeRuntime;
  apps: Record<ServiceName, FastifyInstance>;
  /** The nodes' CPU limits (absent with a runtime given by the caller). */
  cpu?: CloudCpuInfo;
  /** The nodes' memory limits (absent with a runtime given by the caller). */
  memory?: CloudMemoryInfo;
  /** Stops serving, ends every node's processes and writes the state. */
  close(): Promise<void>;
}

export const PROVIDERS: Record<ServiceName, Provider> = {
  identity: identityProvider,
  compute: computeProvider,
  network: networkProvider,
  image: imageProvider,
};

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const { dataDir, host = '127.0.0.1' } = options;
  const now = options.now ?? (() => new Date());
  // Checked before anything starts, so a mistyped URL fails `cloud up` (password masked).
  const backends = realBackends(options.backends ?? {});
  const realRuntime = () => {
    const vcpu = options.cpu?.vcpu ?? defaultVcpuFraction();
    const cpuLimits = createCpuLimits({
      dataDir,
      vcpu,
      choice: options.cpu?.limit ?? 'auto',
      log: options.log,
    });
    cpu = {
      vcpuFraction: vcpu.fraction,
      reason: vcpu.reason,
      mechanism: cpuLimits.mechanism.kind,
      description: cpuLimits.mechanism.description,
    };
    const memoryLimits = createMemoryLimits({
      dataDir,
      choice: options.memory?.limit ?? 'auto',
      ...(options.memory?.watch ? { watch: options.memory.watch } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    memory = { mechanism: memoryLimits.kind, description: memoryLimits.description };
    return createNodeRuntime({
      store,
      dataDir,
      now,
      cpuLimits,
      memoryLimits,
      ...(options.log ? { log: options.log } : {}),
      ...(backends ? { backends } : {}),
    });
  };
  const store = await openFileStore(dataDir, () =>
    seedState({ slot: options.slot ?? 0, ...DEFAULT_CREDENTIALS, ...options.credentials }),
  );
  let runtime: NodeRuntime | undefined;
  let cpu: CloudCpuInfo | undefined;
  let memory: CloudMemoryInfo | undefined;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway({
      host,
      ports: options.ports,
      preferredPorts: options.preferredPorts,
      providers: PROVIDERS,
      log: options.log,
      deps: (endpoints): ProviderDeps => {
        const given = options.runtime;
        runtime =
          typeof given === 'function' ? given({ store, endpoints, dataDir, now }) : (given ?? realRuntime());
        return { store, endpoints, runtime, now };
      },
    });
  } catch (error) {
    await runtime?.close();
    await store.flush();
    throw error;
  }
  const nodes = runtime!;
  // `cloud down` then `cloud up`: the same nodes, with the same addresses, ACTIVE again.
  if (options.resume !== false) resumeNodes(nodes, store);
  nodes.refreshNetwork();
  let closing: Promise<void> | undefined;
  return {
    endpoints: gateway.endpoints,
    store,
    runtime: nodes,
    apps: gateway.apps,
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memory } : {}),
    close() {
      closing ??= (async () => {
        await gateway.close();
        await nodes.close();
        await store.flush();
      })();
      return closing;
    },
  };
}
