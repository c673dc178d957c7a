// The seams of the local cloud. Providers (one per OpenStack service, LocalStack-style) are fastify
// plugins over a shared CloudStore; the compute provider boots and stops nodes through NodeRuntime,
// which knows faafo only as processes started from userdata.
import type { CloudState, Server } from './state.ts';

export interface CloudStore {
  /** The current state. Treat it as read-only; change it only inside update(). */
  read(): Readonly<CloudState>;
  /** Applies a change and schedules an atomic write to disk; returns what fn returns. */
  update<T>(fn: (state: CloudState) => T): T;
  /** Resolves once every change so far is on disk. */
  flush(): Promise<void>;
}

/** Public URLs as they appear in the service catalog (all on loopback). */
export interface Endpoints {
  /** Keystone root, e.g. http://127.0.0.1:5000 (clients append /v2.0 or /v3). */
  identity: string;
  /** Nova, with the version: http://127.0.0.1:8774/v2.1 */
  compute: string;
  /** Neutron, unversioned: http://127.0.0.1:9696 */
  network: string;
  /** Glance, unversioned: http://127.0.0.1:9292 */
  image: string;
}

export interface NodeRuntime {
  /** Starts the node's roles from its userdata; reports BUILD → ACTIVE (or ERROR) through the store. */
  boot(server: Server): void;
  /** os-stop / os-start / reboot: end or restart the node's processes, updating status. */
  stop(serverId: string): Promise<void>;
  start(serverId: string): Promise<void>;
  reboot(serverId: string): Promise<void>;
  /** Ends the node's processes and forgets them (DELETE /servers/{id}). */
  destroy(serverId: string): Promise<void>;
  /** What the node printed while booting and since (os-getConsoleOutput), last `length` lines. */
  consoleOutput(serverId: string, length?: number): string;
  /** Security groups, rules or floating IPs changed: re-plan the floating-IP forwarders. */
  refreshNetwork(): void;
  /** A running node's CPU, memory and load (GET /servers/{id}/diagnostics); undefined if not running. */
  diagnostics?(serverId: string): NodeDiagnostics | undefined;
  close(): Promise<void>;
}

/** What a running node's processes use, and what holds them to their flavor's vCPUs. */
export interface NodeDiagnostics {
  /** What holds the node to its vCPUs (nodes/limits/mechanism.ts). */
  mechanism: 'cgroup-v2' | 'cgroup-v1' | 'duty-cycle' | 'none';
  vcpus: number;
  /** Host cores the node may use: vCPUs × the cloud's vCPU fraction. */
  cores: number;
  /** 1, 5 and 15-minute load averages of the node's own runnable demand. */
  loadAverage: [number, number, number];
  /** CPU time its processes used since it booted, seconds. */
  cpuSeconds: number;
  /** Resident memory of its processes now, KiB (as its memory limit counts it, where it has one). */
  rssKib: number;
  /** What holds the node to its flavor's RAM (nodes/limits/memory-mechanism.ts), where known. */
  memoryLimit?: 'cgroup-v2' | 'cgroup-v1' | 'watch' | 'none';
}

export interface ProviderDeps {
  store: CloudStore;
  endpoints: Endpoints;
  runtime: NodeRuntime;
  /** Injected clock, so token expiry can be tested. */
  now: () => Date;
}
