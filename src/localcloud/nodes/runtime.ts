// The node runtime (NodeRuntime of contracts.ts): a server is a node, a node is a supervised
// group of local processes started from its userdata. Status goes through the store: BUILD while
// the roles start, ACTIVE once every one answers, ERROR (with a fault) if one cannot start,
// SHUTOFF (with a fault) when one dies unexpectedly — except a service its memory limit killed,
// which is started again as systemd would (service-supervision.ts) while the node stays ACTIVE,
// until the start limit is hit. Each node keeps its files in
// <dataDir>/nodes/<server id>/: console.log, faafo.conf, faafo.db, broker/, run/*.pid, and its
// sshd's host key and login shims (ssh/).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userCacheDir } from '../../shared/cache-dir.ts';
import { formatPortMap, PORT_MAP_METADATA_KEY } from '../../shared/port-map.ts';
import { redactText } from '../../shared/redact.ts';
import type { CloudStore, NodeRuntime } from '../contracts.ts';
import type { Server, ServerFault } from '../state.ts';
import { createForwarders, type Forwarders } from './forwarder.ts';
import { createMemoryLimits } from './limits/memory-limits.ts';
import { type MemoryMechanism, NO_MEMORY_LIMIT, type NodeMemoryLimit } from './limits/memory-mechanism.ts';
import { type CpuLimits, createCpuLimits, type NodeLimit } from './limits/node-limits.ts';
import { defaultVcpuFraction } from './limits/vcpu-fraction.ts';
import { kernelOomLine } from './oom-restart.ts';
import { chooseServicePorts } from './ports.ts';
import {
  type Listen,
  layoutNode,
  type ProcessSpec,
  type ServiceBackends,
  type ServicePorts,
} from './roles.ts';
import { superviseServices } from './service-supervision.ts';
import { type NodeSsh, startSshFor } from './ssh/boot.ts';
import { chooseSshPort } from './ssh/port.ts';
import {
  type ConsoleLog,
  describeExit,
  type ExitInfo,
  nodeEnv,
  openConsole,
  readConsoleTail,
  reapStale,
  type Supervised,
  startProcess,
} from './supervisor.ts';
import { decodeUserData, isUnrecognised, parseUserData } from './userdata.ts';

export interface NodeRuntimeOptions {
  store: CloudStore;
  /** The cloud's data dir; nodes live in <dataDir>/nodes/<server id>. */
  dataDir: string;
  /** The cloud's own log (one line per node event). */
  log?: (line: string) => void;
  /** vCPUs of a flavor (the worker's render threads); by default read from the state's flavors. */
  resolveFlavorVcpus?: (flavorId: string) => number | undefined;
  /** Real RabbitMQ/MariaDB instead of the embedded ones (backends.ts). */
  backends?: ServiceBackends;
  /** How long a role may take to answer before the node is declared up anyway. */
  readyTimeoutMs?: number;
  /** The host's cache for what nodes can make again; by default the user's (shared/cache-dir.ts). */
  cacheDir?: string;
  /** SIGTERM → SIGKILL grace when stopping a node. */
  stopGraceMs?: number;
  /** What holds each node to its flavor's vCPUs; by default the host's best, at the default vCPU size. */
  cpuLimits?: CpuLimits;
  /** What holds each node to its flavor's RAM; by default the host's best (memory-limits.ts). */
  memoryLimits?: MemoryMechanism;
  now?: () => Date;
}

export interface LocalNodeRuntime extends NodeRuntime {
  /** Pids of a node's running processes (tests and `cloud status`). */
  pids(serverId: string): number[];
  /** Resolves when the node's current boot has settled (ACTIVE, ERROR, or cancelled). */
  settled(serverId: string): Promise<void>;
  /** Ports the node answers on, if it is running. */
  listens(serverId: string): readonly Listen[] | undefined;
  /** The ports this cloud's brokers and APIs really listen on (see ports.ts). */
  servicePorts(): Promise<ServicePorts>;
  /** The floating-IP forwarders in place now. */
  routes(): Array<{ listen: string; target: string; serverId: string }>;
  /** The CPU limits its nodes run under. */
  readonly cpuLimits: CpuLimits;
  /** What holds its nodes to their flavor's RAM. */
  readonly memoryLimits: MemoryMechanism;
}

interface Run {
  cancelled: boolean;
  procs: Supervised[];
  /** Its CPU limit and load average, from the first process started to the last one ended. */
  limit?: NodeLimit;
  /** Its memory limit, over the same span. */
  memory?: NodeMemoryLimit;
  /** Set once every role answered. */
  listens?: Listen[];
  /** The node's sshd (ssh/), from boot until the node stops. */
  ssh?: NodeSsh;
}

interface Node {
  id: string;
  dir: string;
  console: ConsoleLog;
  run?: Run;
  /** Operations on one node run one after another. */
  queue: Promise<void>;
}

type Reason = 'boot' | 'start' | 'reboot';

/** The node's metadata with its moved ports published (see shared/port-map.ts). */
function withPortMap(
  metadata: Record<string, string> | undefined,
  listens: readonly Listen[],
): Record<string, string> {
  const { [PORT_MAP_METADATA_KEY]: _old, ...rest } = metadata ?? {};
  const map = formatPortMap(listens);
  return map === undefined ? rest : { ...rest, [PORT_MAP_METADATA_KEY]: map };
}

export function createNodeRuntime(options: NodeRuntimeOptions): LocalNodeRuntime {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const cacheDir = options.cacheDir ?? userCacheDir();
  /** How long a role may take to answer: its own wait (the database's) or the node's. */
  const readyWaitOf = (spec: ProcessSpec) => spec.readyTimeoutMs ?? readyTimeoutMs;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const nodesDir = join(options.dataDir, 'nodes');
  const nodeDir = (id: string) => join(nodesDir, id);
  const nodes = new Map<string, Node>();
  let closed = false;
  // Chosen once per runtime, before the first node starts; every node of the cloud uses them.
  let portsChoice: Promise<ServicePorts> | undefined;
  const servicePorts = () => {
    portsChoice ??= chooseServicePorts(store.read().slot, join(nodesDir, 'ports.json'));
    return portsChoice;
  };
  let sshPortChoice: Promise<number> | undefined;
  const sshPort = () => {
    sshPortChoice ??= chooseSshPort(store.read().slot, join(nodesDir, 'ssh-port.json'));
    return sshPortChoice;
  };

  const forwarders: Forwarders = createForwarders({
    read: () => store.read(),
    listensOf: (id) => nodes.get(id)?.run?.listens,
    log,
  });
  const refresh = () => {
    if (closed) return;
    forwarders.refresh().catch((error: unknown) => log(`floating IPs: ${String(error)}`));
  };

  // No process of ours may outlive the cloud: kill every group if the process exits without close().
  const onExit = () => {
    for (const node of nodes.values()) for (const proc of node.run?.procs ?? []) proc.killNow();
  };
  process.on('exit', onExit);
  // What a cloud that ended abruptly left running (cloud down never came): end it now.
  for (const id of existsSync(nodesDir) ? readdirSync(nodesDir) : []) {
    const pids = reapStale(join(nodeDir(id), 'run'), nodeDir(id));
    if (pids.length > 0) log(`node ${id}: ended ${pids.length} process(es) left over from an earlier run`);
  }

  const cpuLimits =
    options.cpuLimits ?? createCpuLimits({ dataDir: options.dataDir, vcpu: defaultVcpuFraction(), log });
  const memoryLimits = options.memoryLimits ?? createMemoryLimits({ dataDir: options.dataDir, log });

  /** Ends a run's processes: the limit lifted first (a stopped process cannot act on SIGTERM). */
  const endRun = async (run: Run) => {
    run.limit?.lift();
    await Promise.all(run.procs.map((p) => p.stop(stopGraceMs)));
    await run.ssh?.close();
    run.limit?.remove();
    try {
      run.memory?.remove();
    } catch (error) {
      log(`a node's memory limit could not be removed (${String(error)}); the next start retries`);
    }
  };

  const patch = (id: string, fields: Partial<Server>) => {
    store.update((state) => {
      const server = state.servers.find((s) => s.id === id);
      if (!server || server.status === 'DELETED') return;
      Object.assign(server, fields, { updatedAt: now().toISOString() });
    });
  };
  const fault = (message: string, details?: string): ServerFault => ({
    code: 500,
    message,
    created: now().toISOString(),
    ...(details ? { details } : {}),
  });

  const nodeOf = (id: string): Node => {
    let node = nodes.get(id);
    if (!node) {
      const dir = nodeDir(id);
      mkdirSync(dir, { recursive: true });
      node = { id, dir, console: openConsole(join(dir, 'console.log'), now), queue: Promise.resolve() };
      nodes.set(id, node);
    }
    return node;
  };
  const enqueue = (node: Node, op: () => Promise<void>): Promise<void> => {
    const next = node.queue.then(op, op);
    node.queue = next.catch((error: unknown) => {
      node.console.write(
        'cloud-init',
        `internal error: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    return node.queue;
  };

  /** Ends the node's processes (expected: no fault). */
  const halt = async (node: Node) => {
    const run = node.run;
    if (!run) return;
    run.cancelled = true;
    node.run = undefined;
    await endRun(run);
    refresh();
  };

  /** Cancels a boot in progress at once (its processes get SIGTERM), rather than after it settles. */
  const preempt = (id: string) => {
    const run = nodes.get(id)?.run;
    if (!run) return;
    run.cancelled = true;
    void endRun(run);
  };

  /** The flavor's RAM, MiB (undefined for a flavor the state does not know: no limit then). */
  const ramOf = (server: Server) => store.read().flavors.find((f) => f.id === server.flavorId)?.ram;

  const vcpusOf = (server: Server) =>
    options.resolveFlavorVcpus?.(server.flavorId) ??
    store.read().flavors.find((f) => f.id === server.flavorId)?.vcpus ??
    1;

  /** Boots the node from its userdata; settles with the node ACTIVE, ERROR, or cancelled. */
  const boot = async (node: Node, reason: Reason) => {
    const server = store.read().servers.find((s) => s.id === node.id);
    if (!server || closed) return;
    const t0 = performance.now();
    const run: Run = { cancelled: false, procs: [] };
    node.run = run;
    try {
      await bootRun(node, server, run, reason, t0, node.console);
    } catch (error) {
      // Our own failure (no free port, a full disk): the node cannot boot, and says why.
      const message = `the node could not boot: ${error instanceof Error ? error.message : String(error)}`;
      node.console.write('cloud-init', message);
      log(`node ${server.name} ERROR: ${message}`);
      await halt(node);
      patch(server.id, { status: 'ERROR', powerState: 0, taskState: null, fault: fault(message) });
    }
  };

  const bootRun = async (
    node: Node,
    server: Server,
    run: Run,
    reason: Reason,
    t0: number,
    out: ConsoleLog,
  ) => {
    const say = (line: string) => out.write('cloud-init', line);
    const reaped = reapStale(join(node.dir, 'run'), node.dir);
    if (reaped.length > 0) say(`ended processes left over from an earlier run: ${reaped.join(', ')}`);
    say(
      `${reason === 'boot' ? 'booting' : reason === 'start' ? 'starting' : 'rebooting'} ${server.name} ` +
        `(${server.fixedIp} on private, ${server.loopbackIp} on public)`,
    );
    // Every running node has its vCPUs and a load average, whatever it runs (an idle one reads 0.00).
    const vcpus = vcpusOf(server);
    run.limit ??= cpuLimits.startNode(node.id, node.dir, vcpus);
    say(
      `CPU: ${vcpus} vCPU${vcpus === 1 ? '' : 's'} = ${(vcpus * cpuLimits.vcpu.fraction).toFixed(2)} of a host core, held by ${cpuLimits.mechanism.description}`,
    );
    // sshd comes up with the node, whatever its userdata runs; what a login runs is the node's load.
    const port = await sshPort();
    run.ssh = await startSshFor({
      server,
      state: store.read(),
      dir: node.dir,
      port,
      say,
      onSession: (pid) => {
        run.limit?.attach(pid);
        run.memory?.attach(pid);
      },
    });
    if (run.cancelled) {
      await endRun(run);
      return;
    }
    const active = (note: string) => {
      if (run.cancelled) return;
      run.listens = [...(run.listens ?? []), ...(run.ssh ? [run.ssh.listen] : [])];
      const seconds = ((performance.now() - t0) / 1000).toFixed(2);
      say(`finished: ${server.name} is up after ${seconds} s${note}`);
      log(`node ${server.name} ACTIVE after ${seconds} s`);
      patch(server.id, {
        status: 'ACTIVE',
        powerState: 1,
        taskState: null,
        fault: null,
        metadata: withPortMap(store.read().servers.find((s) => s.id === server.id)?.metadata, run.listens),
      });
      refresh();
    };

    if (!server.userData) {
      say('no userdata; nothing to run');
      return active('');
    }
    const result = parseUserData(decodeUserData(server.userData));
    for (const note of result.notes) say(note);
    if (isUnrecognised(result)) {
      // As a real VM whose script failed: it is up, and its console says what went wrong.
      say(`userdata script failed: ${result.unrecognised}`);
      return active(' (its userdata script failed; nothing runs on it)');
    }
    say(`running userdata: ${redactText(result.command)}`);
    const ports = await servicePorts();
    if (run.cancelled) return;
    const layout = layoutNode(result, {
      server,
      state: store.read(),
      nodeDir,
      cacheDir,
      vcpus: vcpusOf(server),
      ports,
      ...(options.backends ? { backends: options.backends } : {}),
    });
    for (const line of layout.log) say(line);
    for (const line of layout.failures) say(line);
    // Roles served by a configured real engine: it must answer (and hold this node's database).
    const prepare = options.backends?.prepare;
    for (const role of ['messaging', 'database'] as const) {
      if (!prepare || !result.roles.includes(role) || !options.backends?.[role]) continue;
      await prepare(server, role);
      if (run.cancelled) return;
      say(`${role}: the configured ${role === 'messaging' ? 'RabbitMQ' : 'MariaDB'} answers`);
    }
    // What install.sh writes to /etc/faafo/faafo.conf; the processes read it through
    // FAAFO_CONFIG_FILE, so no config file of the host leaks in.
    const conf = join(node.dir, 'faafo.conf');
    writeFileSync(
      conf,
      `[DEFAULT]\ntransport_url = ${layout.config.transportUrl}\ndatabase_url = ${layout.config.databaseUrl}\n` +
        `endpoint_url = ${layout.config.endpointUrl}\n`,
    );
    const env = nodeEnv({ FAAFO_CONFIG_FILE: conf });

    const ram = ramOf(server);
    const allowances = layout.processes.filter((p) => p.memoryAllowanceMib);
    const allowance = allowances.reduce((sum, p) => sum + (p.memoryAllowanceMib ?? 0), 0);
    run.memory ??= ram ? memoryLimits.forNode(node.id, ram + allowance) : NO_MEMORY_LIMIT.forNode(node.id, 0);
    say(
      ram
        ? `Memory: ${ram} MB${allowance ? ` + ${allowance} MB for ${allowances.map((p) => p.program).join(', ')} (a stand-in that needs more than the guide's engine)` : ''}, held by ${memoryLimits.description}`
        : 'Memory: the flavor is unknown, so the node has no memory limit',
    );
    /** Starts a process under the node's limits (not yet in run.procs). */
    const launch = (spec: ProcessSpec) => {
      const proc = startProcess(spec, {
        cwd: node.dir,
        env,
        console: out,
        runDir: join(node.dir, 'run'),
        readyTimeoutMs: readyWaitOf(spec),
      });
      if (proc.pid) {
        run.limit?.attach(proc.pid);
        run.memory?.attach(proc.pid);
      }
      return proc;
    };
    const start = (spec: ProcessSpec) => {
      say(spec.describe);
      const proc = launch(spec);
      run.procs.push(proc);
      return proc;
    };
    /** The OOM kill that ended this process, if its memory limit killed it (claimed once). */
    const oomKillOf = (proc: Supervised, exit: ExitInfo) =>
      exit.signal === 'SIGKILL' && proc.pid !== undefined ? run.memory?.claimOomKill(proc.pid) : undefined;

    const notes: string[] = [];
    for (const phase of [0, 1] as const) {
      const started = layout.processes.filter((p) => p.phase === phase).map(start);
      const outcomes = await Promise.all(started.map(async (proc) => ({ proc, outcome: await proc.ready })));
      if (run.cancelled) return;
      for (const { proc, outcome } of outcomes) {
        if ('ready' in outcome) {
          say(`${proc.spec.program} is up (${outcome.ms} ms)`);
        } else if ('timeout' in outcome) {
          say(
            `${proc.spec.program} did not answer within ${readyWaitOf(proc.spec) / 1000} s; the node is up without it`,
          );
          notes.push(`${proc.spec.program} not answering`);
        }
      }
      const failed = outcomes.find(({ outcome }) => 'exited' in outcome);
      if (failed && 'exited' in failed.outcome) {
        const { proc } = failed;
        // Too big for its node even to start: the kernel says so, and the fault names the cause.
        const oom = oomKillOf(proc, failed.outcome.exited);
        if (oom) out.write('kernel', kernelOomLine(oom));
        const how = oom
          ? `killed for lack of memory: the node has ${ram} MB`
          : describeExit(failed.outcome.exited);
        const message = `${proc.spec.program} failed to start (${how})`;
        say(`${message}; the node is in ERROR`);
        log(`node ${server.name} ERROR: ${message}`);
        run.cancelled = true;
        node.run = undefined;
        await endRun(run);
        patch(server.id, {
          status: 'ERROR',
          powerState: 0,
          taskState: null,
          fault: fault(message, proc.recentOutput().join('\n')),
        });
        refresh();
        return;
      }
    }

    // From now on a service that ends on its own is restarted (out of memory) or a fault (SHUTOFF).
    const supervise = superviseServices({
      nodeName: server.name,
      ramMib: ram,
      console: out,
      log,
      current: () => !run.cancelled && node.run === run,
      enqueue: (op) => void enqueue(node, op),
      oomKillOf,
      relaunch(ended) {
        const next = launch(ended.spec);
        run.procs[run.procs.indexOf(ended)] = next;
        return next;
      },
      async shutOff(message, details) {
        log(`node ${server.name} SHUTOFF: ${message}`);
        await halt(node);
        patch(server.id, {
          status: 'SHUTOFF',
          powerState: 4,
          taskState: null,
          fault: fault(message, details),
        });
      },
    });
    for (const proc of run.procs) supervise(proc);
    run.listens = layout.listens;
    active(
      layout.failures.length > 0
        ? ' (part of its userdata script failed)'
        : notes.length > 0
          ? ` (${notes.join(', ')})`
          : '',
    );

    // One-shot jobs (the demo) run once the services answer; how they end is only logged.
    if (run.cancelled) return;
    for (const spec of layout.processes.filter((p) => p.phase === 2)) {
      const proc = launch(spec);
      say(spec.describe);
      proc.exited.then((exit) => {
        const oom = oomKillOf(proc, exit);
        if (oom) out.write('kernel', kernelOomLine(oom));
        say(`${spec.program} finished (${describeExit(exit)})`);
      });
      run.procs.push(proc);
    }
  };

  const withNode = (id: string, op: (node: Node) => Promise<void>) =>
    enqueue(nodeOf(id), () => op(nodeOf(id)));

  const runtime: LocalNodeRuntime = {
    boot(server) {
      if (closed) return;
      const node = nodeOf(server.id);
      patch(server.id, { status: 'BUILD', taskState: 'spawning', powerState: 0 });
      void enqueue(node, async () => {
        await halt(node);
        await boot(node, 'boot');
      });
    },

    stop(serverId) {
      preempt(serverId);
      // The task state (powering-off, …) is the compute API's to set; the outcome is ours.
      return withNode(serverId, async (node) => {
        node.console.write('cloud-init', 'shutting down (os-stop)');
        await halt(node);
        patch(serverId, { status: 'SHUTOFF', powerState: 4, taskState: null });
      });
    },

    start(serverId) {
      return withNode(serverId, async (node) => {
        await halt(node);
        await boot(node, 'start');
      });
    },

    reboot(serverId) {
      preempt(serverId);
      return withNode(serverId, async (node) => {
        patch(serverId, { status: 'REBOOT' });
        node.console.write('cloud-init', 'rebooting');
        await halt(node);
        await boot(node, 'reboot');
      });
    },

    destroy(serverId) {
      preempt(serverId);
      const node = nodes.get(serverId);
      if (!node) {
        rmSync(nodeDir(serverId), { recursive: true, force: true });
        return Promise.resolve();
      }
      return enqueue(node, async () => {
        await halt(node);
        node.console.close();
        nodes.delete(serverId);
        rmSync(node.dir, { recursive: true, force: true });
        refresh();
      });
    },

    consoleOutput(serverId, length) {
      return readConsoleTail(join(nodeDir(serverId), 'console.log'), length ?? undefined);
    },

    refreshNetwork() {
      refresh();
    },

    async close() {
      if (closed) return;
      closed = true;
      // Statuses stay as they are: `cloud up` boots the ACTIVE nodes again (resumeNodes).
      await Promise.all(
        [...nodes.values()].map(async (node) => {
          if (node.run) node.run.cancelled = true;
          if (node.run) await endRun(node.run);
          await node.queue;
          // Anything a boot still in progress started before it saw the cancellation.
          if (node.run) await endRun(node.run);
          node.console.close();
        }),
      );
      cpuLimits.close();
      memoryLimits.close();
      await forwarders.close();
      process.off('exit', onExit);
    },

    pids(serverId) {
      return (nodes.get(serverId)?.run?.procs ?? []).flatMap((p) => (p.pid ? [p.pid] : []));
    },
    async settled(serverId) {
      const node = nodes.get(serverId);
      if (!node) return;
      await node.queue;
    },
    diagnostics(serverId) {
      const run = nodes.get(serverId)?.run;
      const view = run?.limit?.view();
      if (!view || !run?.memory) return view;
      // Its memory as the memory limit counts it (a cgroup's usage, or the watched RSS).
      return { ...view, rssKib: run.memory.usageKib(), memoryLimit: memoryLimits.kind };
    },
    cpuLimits,
    memoryLimits,
    listens: (serverId) => nodes.get(serverId)?.run?.listens,
    servicePorts,
    routes: () => forwarders.routes(),
  };
  return runtime;
}

/**
 * `cloud up` after `cloud down`: boots again every node that was running (ACTIVE, or caught in
 * BUILD/REBOOT), with the addresses it had. Returns how many.
 */
export function resumeNodes(runtime: NodeRuntime, store: CloudStore): number {
  const servers = store
    .read()
    .servers.filter((s) => s.status === 'ACTIVE' || s.status === 'BUILD' || s.status === 'REBOOT');
  for (const server of servers) runtime.boot(server);
  return servers.length;
}
