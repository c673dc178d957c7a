// Installer roles → the processes a node runs, with every URL from the userdata resolved to the
// node it names. The local cloud knows faafo only as these command lines (bin/faafo.mjs,
// bin/faafo-tutor.mjs) and the lines and ports that say they are up.
//
//   -i messaging          → faafo-tutor broker on <loopback>:5672, data in <nodeDir>/broker
//   -i database           → faafo-tutor pgserve (PGlite as a PostgreSQL) on <loopback>:5432, data in
//                           <nodeDir>/pgdata: the guide's MySQL, reached over TCP like it
//   -i faafo -r api       → faafo api on <loopback>:8080
//   -i faafo -r worker    → faafo worker, FAAFO_NODE_NAME=<server name>, --render-threads = vCPUs
//   -r demo (with api)    → faafo --endpoint-url E --debug create, once, after the API is up
//
// URL hosts: a node's fixed (10.x), loopback or floating address → that node's loopback address;
// localhost and the node's own name → itself; anything else → an address where nothing listens
// (nodes never reach outside the cloud). http on port 80 (or none) → 8080, where the API listens.
// `mysql://user:pass@<node>/db` → `postgresql://user:pass@<that node's loopback>:5432/db` when that
// node runs `-i database`: API nodes reach its database over the network only, so a stopped
// services node stops the app, as in the guide. No node reads another node's files.
import { join } from 'node:path';
import { FAAFO_BIN, TUTOR_BIN } from '../../shared/bins.ts';
import { redactText } from '../../shared/redact.ts';
import type { CloudState, Server } from '../state.ts';
import { loopbackFor, unreachableAddress } from './addresses.ts';
import { decodeUserData, type InstallPlan, isUnrecognised, parseUserData, type Role } from './userdata.ts';

/** The ports the guide's services use. */
export const GUIDE_PORTS = { amqp: 5672, api: 80, database: 3306 } as const;

/**
 * The ports a cloud's nodes really use. Port 80 needs root, so the API is on 8080; and a port some
 * other program holds on every address (a RabbitMQ on *:5672) cannot be bound on a node's address
 * either, so ports.ts picks another one for the whole cloud. Every URL shown says the real one.
 */
export interface ServicePorts {
  amqp: number;
  api: number;
  /** The database node's PostgreSQL port (the guide's MySQL is on 3306). */
  database: number;
}
export const DEFAULT_PORTS: ServicePorts = { amqp: 5672, api: 8080, database: 5432 };

/**
 * How to tell a process is up: a line it prints (so a port answered by someone else is not
 * mistaken for it), then a TCP connect where that applies; or, for a one-shot job, a clean exit.
 */
export type ReadyCheck = { line: RegExp; tcp?: { host: string; port: number } } | { exit: true };

/** A port the node answers on, and the port the guide (and security group rules) call it. */
export interface Listen {
  port: number;
  guidePort: number;
}

/** What the database stand-in may use beyond its node's flavor (see ProcessSpec.memoryAllowanceMib). */
export const PGLITE_MEMORY_ALLOWANCE_MIB = 1024;

/** How long the node waits for its database server before it is up without it. */
export const DATABASE_READY_TIMEOUT_MS = 120_000;

export interface ProcessSpec {
  role: 'messaging' | 'database' | 'api' | 'worker' | 'demo';
  /** How the console names it, e.g. "faafo api". */
  program: string;
  command: string;
  args: string[];
  /** Added to the node's environment. */
  env: Record<string, string>;
  ready: ReadyCheck;
  /** Start order: 0 infrastructure, 1 faafo services, 2 one-shot jobs once the rest is up. */
  phase: 0 | 1 | 2;
  /** Runs once and ends (the demo): its exit is not a fault. */
  oneshot: boolean;
  /** What the boot log says when starting it. */
  describe: string;
  /**
   * MiB its node's memory limit grants on top of the flavor's RAM: a stand-in that needs far more
   * than the engine of the guide it replaces, so the guide's flavors still hold the guide's nodes.
   */
  memoryAllowanceMib?: number;
  /** How long it may take to answer, when longer than the node's usual wait. */
  readyTimeoutMs?: number;
}

export interface NodeLayout {
  processes: ProcessSpec[];
  /** Ports the node answers on, on its loopback address (for the floating-IP forwarders). */
  listens: Listen[];
  /** Boot log lines: how URLs were resolved, what the installer set up. */
  log: string[];
  /** Roles that cannot run (the script's part that failed), as console lines. */
  failures: string[];
  /** The settings install.sh would have written to /etc/faafo/faafo.conf (resolved). */
  config: { transportUrl: string; databaseUrl: string; endpointUrl: string };
}

/**
 * Real services instead of the embedded ones (backends.ts): given a node that runs
 * `-i messaging` / `-i database`, the URL its clients should use (a vhost or database of its own).
 * Such a node then starts no process for that role; `prepare` runs when it boots (the engine
 * answers, its database exists) and throws if the role cannot be served.
 */
export interface ServiceBackends {
  messaging?: (node: Server) => string;
  database?: (node: Server) => string;
  prepare?: (node: Server, role: 'messaging' | 'database') => Promise<void>;
}

export interface RoleContext {
  server: Server;
  state: Readonly<CloudState>;
  /** Where a node keeps its files. */
  nodeDir: (serverId: string) => string;
  vcpus: number;
  ports: ServicePorts;
  backends?: ServiceBackends;
  /** The host's cache for what nodes can make again (the database's fresh cluster). */
  cacheDir: string;
}

/** A node's installer roles, from its userdata (none if it has none or it is not understood). */
export function rolesOf(server: Pick<Server, 'userData'>): Role[] {
  if (!server.userData) return [];
  const result = parseUserData(decodeUserData(server.userData));
  return isUnrecognised(result) ? [] : result.roles;
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*):\/\/(?:([^/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?(.*)$/i;

interface Target {
  address: string;
  node?: Server;
  why?: string;
}

function resolveHost(host: string, ctx: RoleContext): Target {
  const { server, state } = ctx;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (
    h === 'localhost' ||
    h === '127.0.0.1' ||
    h === '::1' ||
    h === '0.0.0.0' ||
    h === server.name.toLowerCase()
  ) {
    return { address: server.loopbackIp, node: server };
  }
  const loopback = loopbackFor(h, state);
  if (loopback !== undefined) {
    const node = state.servers.find((s) => s.loopbackIp === loopback);
    return node ? { address: loopback, node } : { address: loopback, why: `no node has ${host}` };
  }
  return {
    address: unreachableAddress(state.slot),
    why: `${host} is not an address of this cloud, so nothing answers there`,
  };
}

interface Resolved {
  url: string;
  target: Target;
  scheme: string;
}

function resolveUrl(url: string, ctx: RoleContext): Resolved | undefined {
  const m = URL_PARTS.exec(url);
  if (!m) return undefined;
  const [, scheme, userinfo, host, port, rest] = m;
  const target = resolveHost(host ?? '', ctx);
  let newPort = port;
  const kind = scheme!.toLowerCase();
  // The guide's ports (and our defaults) → the ports this cloud's services really listen on.
  if (kind === 'http' && (!port || port === '80' || port === String(DEFAULT_PORTS.api))) {
    newPort = String(ctx.ports.api);
  }
  if (
    kind === 'amqp' &&
    (!port || port === String(GUIDE_PORTS.amqp)) &&
    ctx.ports.amqp !== GUIDE_PORTS.amqp
  ) {
    newPort = String(ctx.ports.amqp);
  }
  const auth = userinfo !== undefined ? `${userinfo}@` : '';
  const portPart = newPort ? `:${newPort}` : '';
  return {
    url: `${scheme}://${auth}${target.address}${portPart}${rest}`,
    target,
    scheme: scheme!.toLowerCase(),
  };
}

/**
 * The PostgreSQL URL of a database node's PGlite server for a guide `mysql://` URL: same user,
 * password and database name, that node's loopback address and the cloud's database port.
 */
function postgresUrlFor(mysqlUrl: string, node: Server, port: number): string {
  const m = URL_PARTS.exec(mysqlUrl);
  const userinfo = m?.[2] !== undefined ? `${m[2]}@` : '';
  const database = /^\/([^/?#]+)/.exec(m?.[5] ?? '')?.[1] ?? 'faafo';
  return `postgresql://${userinfo}${node.loopbackIp}:${port}/${database}`;
}

function explain(from: string, to: string, target: Target, what: string): string {
  const where = target.why ? `; ${target.why}` : target.node ? ` (${what}${target.node.name})` : '';
  return `${redactText(from)} → ${redactText(to)}${where}`;
}

/** Works out what the node runs and where everything it talks to really is. */
export function layoutNode(plan: InstallPlan, ctx: RoleContext): NodeLayout {
  const { server } = ctx;
  const roles = new Set(plan.roles);
  const dir = ctx.nodeDir(server.id);
  const loopback = server.loopbackIp;
  const log: string[] = [];
  const failures: string[] = [];
  const processes: ProcessSpec[] = [];
  const listens: Listen[] = [];
  const { amqp: amqpPort, api: apiPort, database: databasePort } = ctx.ports;
  const rolesOfNode = (node: Server) => (node.id === server.id ? roles : new Set(rolesOf(node)));
  // The boot log explains only the URLs a process of this node uses.
  const runs = (...which: Role[]) => which.some((r) => roles.has(r));
  const uses = { transport: runs('api', 'worker'), database: runs('api'), endpoint: runs('worker', 'demo') };

  // Transport URL → the broker on the node it names (or a configured real RabbitMQ).
  let transportUrl = plan.transportUrl;
  const amqp = resolveUrl(plan.transportUrl, ctx);
  if (amqp) {
    const node = amqp.target.node;
    transportUrl =
      node && ctx.backends?.messaging && rolesOfNode(node).has('messaging')
        ? ctx.backends.messaging(node)
        : amqp.url;
    if (uses.transport && transportUrl !== plan.transportUrl)
      log.push(explain(plan.transportUrl, transportUrl, amqp.target, 'the broker of '));
  }

  // Database URL: the database server of the node it names; a SQLite path is on this node's disk.
  let databaseUrl = plan.databaseUrl;
  if (/^sqlite:/i.test(plan.databaseUrl)) {
    databaseUrl = `sqlite:///${join(dir, 'faafo.db')}`;
    if (uses.database) log.push(`${plan.databaseUrl} → ${databaseUrl} (this node's disk)`);
  } else if (/^(mysql|mariadb)(\+[a-z0-9_]+)?:\/\//i.test(plan.databaseUrl)) {
    const db = resolveUrl(plan.databaseUrl, ctx);
    const node = db?.target.node;
    if (db && node && rolesOfNode(node).has('database')) {
      databaseUrl = ctx.backends?.database
        ? ctx.backends.database(node)
        : postgresUrlFor(plan.databaseUrl, node, databasePort);
      if (uses.database)
        log.push(explain(plan.databaseUrl, databaseUrl, db.target, 'the database server of '));
    } else if (db) {
      databaseUrl = db.url;
      if (uses.database) {
        log.push(
          explain(plan.databaseUrl, databaseUrl, db.target, '') +
            (node ? `; ${node.name} runs no database (-i database), so connections are refused` : ''),
        );
      }
    }
  }

  // Endpoint URL → the API on the node it names, on the port it really listens on.
  let endpointUrl = plan.endpointUrl;
  const http = resolveUrl(plan.endpointUrl, ctx);
  if (http) {
    endpointUrl = http.url;
    if (uses.endpoint && endpointUrl !== plan.endpointUrl)
      log.push(explain(plan.endpointUrl, endpointUrl, http.target, 'the API of '));
  }

  if (roles.has('database')) {
    if (ctx.backends?.database) {
      log.push(`database: ${redactText(ctx.backends.database(server))} (a configured MariaDB)`);
    } else {
      log.push(
        `database: PGlite (PostgreSQL in WebAssembly) stands in for the guide's MySQL: it listens on ` +
          `${loopback}:${databasePort} (port 3306 in the guide), data in ${join(dir, 'pgdata')}`,
      );
      processes.push({
        role: 'database',
        program: 'faafo-tutor pgserve',
        command: process.execPath,
        args: [
          TUTOR_BIN,
          'pgserve',
          '--listen',
          `${loopback}:${databasePort}`,
          '--data-dir',
          join(dir, 'pgdata'),
          '--cache-dir',
          ctx.cacheDir,
        ],
        env: {},
        ready: { line: /pgserve listening on /, tcp: { host: loopback, port: databasePort } },
        phase: 0,
        oneshot: false,
        // A first initdb on one vCPU, on a busy host, took over 30 s (initdb-cache.ts makes it rare).
        readyTimeoutMs: DATABASE_READY_TIMEOUT_MS,
        describe: `starting the database server (faafo-tutor pgserve: PGlite, as MySQL) on ${loopback}:${databasePort}`,
        // PGlite holds about 850 MB (PostgreSQL in WebAssembly); the guide's MySQL runs in a fraction.
        memoryAllowanceMib: PGLITE_MEMORY_ALLOWANCE_MIB,
      });
      listens.push({ port: databasePort, guidePort: GUIDE_PORTS.database });
    }
  }

  if (roles.has('messaging')) {
    if (ctx.backends?.messaging) {
      log.push(`messaging: ${redactText(ctx.backends.messaging(server))} (a configured RabbitMQ)`);
    } else {
      processes.push({
        role: 'messaging',
        program: 'faafo-tutor broker',
        command: process.execPath,
        args: [TUTOR_BIN, 'broker', '--listen', `${loopback}:${amqpPort}`, '--data-dir', join(dir, 'broker')],
        env: {},
        ready: { line: /broker listening on /, tcp: { host: loopback, port: amqpPort } },
        phase: 0,
        oneshot: false,
        describe: `starting the message broker (faafo-tutor broker, as RabbitMQ) on ${loopback}:${amqpPort}`,
      });
      listens.push({ port: amqpPort, guidePort: GUIDE_PORTS.amqp });
    }
  }

  const needsFaafo = (flag: string, program: string) => {
    if (roles.has('faafo')) return true;
    failures.push(
      `supervisor: ${program}: ERROR (no such file): ${flag} needs faafo installed; add -i faafo`,
    );
    return false;
  };

  if (roles.has('api') && needsFaafo('-r api', 'faafo_api')) {
    processes.push({
      role: 'api',
      program: 'faafo api',
      command: process.execPath,
      args: [
        FAAFO_BIN,
        'api',
        '--listen-address',
        loopback,
        '--bind-port',
        String(apiPort),
        '--database-url',
        databaseUrl,
        '--transport-url',
        transportUrl,
        '--image-store',
        'database',
      ],
      env: {},
      ready: { line: /faafo api listening on /, tcp: { host: loopback, port: apiPort } },
      phase: 1,
      oneshot: false,
      describe: `starting faafo api on ${loopback}:${apiPort} (port 80 in the guide)`,
    });
    listens.push({ port: apiPort, guidePort: GUIDE_PORTS.api });
  }

  if (roles.has('worker') && needsFaafo('-r worker', 'faafo_worker')) {
    processes.push({
      role: 'worker',
      program: 'faafo worker',
      command: process.execPath,
      args: [
        FAAFO_BIN,
        'worker',
        '--endpoint-url',
        endpointUrl,
        '--transport-url',
        transportUrl,
        '--render-threads',
        String(Math.max(1, ctx.vcpus)),
      ],
      env: { FAAFO_NODE_NAME: server.name },
      ready: { line: /consuming queue/ },
      phase: 1,
      oneshot: false,
      describe: `starting faafo worker ${server.name} (${ctx.vcpus} render thread${ctx.vcpus === 1 ? '' : 's'}), reporting to ${endpointUrl}`,
    });
  }

  if (roles.has('demo') && processes.some((p) => p.role === 'api')) {
    processes.push({
      role: 'demo',
      program: 'faafo create',
      command: process.execPath,
      args: [FAAFO_BIN, '--endpoint-url', endpointUrl, '--debug', 'create'],
      env: {},
      ready: { exit: true },
      phase: 2,
      oneshot: true,
      describe: `running the demo: faafo --endpoint-url ${endpointUrl} --debug create`,
    });
  }

  if (roles.has('faafo') && !roles.has('api') && !roles.has('worker')) {
    log.push('faafo is installed; no -r api or -r worker was given, so it runs nothing');
  }
  return { processes, listens, log, failures, config: { transportUrl, databaseUrl, endpointUrl } };
}
