// Floating IPs: a floating address (127.S.2.x) listens on each port the node's security groups
// open and the node really answers on, and pipes each allowed connection to the node's loopback
// address. A connection is allowed when an ingress TCP rule of one of the node's groups covers the
// port and its source: a CIDR (0.0.0.0/0 is everyone), or a remote group (the source is the
// loopback address of a node in that group). Anything else is dropped, as a security group would.
// Loopback only: floating addresses are 127.x.
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import type { CloudState, SecurityGroupRule, Server } from '../state.ts';
import type { Listen } from './roles.ts';

export interface ForwarderOptions {
  read: () => Readonly<CloudState>;
  /** After a route could not listen (its address still held a moment), the next try; default 1 s. */
  retryMs?: number;
  /** The ports a running node answers on (its loopback address), or undefined if it is not running. */
  listensOf: (serverId: string) => readonly Listen[] | undefined;
  log?: (line: string) => void;
}

export interface Forwarders {
  /** Re-plans the listeners from the state (security groups, rules or floating IPs changed). */
  refresh(): Promise<void>;
  /** What is being forwarded now: `<floating>:<port>` → `<loopback>:<port>`. */
  routes(): Array<{ listen: string; target: string; serverId: string }>;
  close(): Promise<void>;
}

const isTcp = (rule: SecurityGroupRule) =>
  rule.protocol === null || rule.protocol.toLowerCase() === 'tcp' || rule.protocol === '6';

/** Does the rule's port range open this port? A rule for the guide's port 80 opens the API's real port. */
function coversPort(rule: SecurityGroupRule, listen: Listen): boolean {
  const min = rule.portMin ?? 1;
  const max = rule.portMax ?? rule.portMin ?? 65535;
  const within = (p: number) => p >= min && p <= max;
  return within(listen.port) || within(listen.guidePort);
}

function ipv4ToInt(address: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function cidrContains(cidr: string, address: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const a = ipv4ToInt(address);
  const b = ipv4ToInt(base ?? '');
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (~0 << (32 - bits)) >>> 0;
  return (a & mask) === (b & mask);
}

const normalise = (address: string) => address.replace(/^::ffff:/i, '');

function ingressRules(state: Readonly<CloudState>, server: Server): SecurityGroupRule[] {
  const groups = new Set(server.securityGroupIds);
  return state.securityGroupRules.filter(
    (r) => groups.has(r.groupId) && r.direction === 'ingress' && r.ethertype === 'IPv4' && isTcp(r),
  );
}

/** Would the node's security groups let a TCP connection from `source` reach `port`? */
export function allows(state: Readonly<CloudState>, server: Server, listen: Listen, source: string): boolean {
  const from = normalise(source);
  return ingressRules(state, server).some((rule) => {
    if (!coversPort(rule, listen)) return false;
    if (rule.remoteGroupId) {
      return state.servers.some(
        (s) =>
          s.securityGroupIds.includes(rule.remoteGroupId!) && (s.loopbackIp === from || s.fixedIp === from),
      );
    }
    return cidrContains(rule.remoteIpPrefix ?? '0.0.0.0/0', from);
  });
}

interface Route {
  listen: string;
  floating: string;
  port: Listen;
  target: string;
  serverId: string;
}

/** The listeners the state calls for now. */
export function planRoutes(
  state: Readonly<CloudState>,
  listensOf: (serverId: string) => readonly Listen[] | undefined,
): Route[] {
  const routes: Route[] = [];
  for (const fip of state.floatingIps) {
    if (!fip.serverId) continue;
    const server = state.servers.find((s) => s.id === fip.serverId);
    const listens = server && listensOf(server.id);
    if (!server || !listens) continue;
    const rules = ingressRules(state, server);
    for (const listen of listens) {
      if (!rules.some((rule) => coversPort(rule, listen))) continue;
      routes.push({
        listen: `${fip.address}:${listen.port}`,
        floating: fip.address,
        port: listen,
        target: `${server.loopbackIp}:${listen.port}`,
        serverId: server.id,
      });
    }
  }
  return routes;
}

export function createForwarders(options: ForwarderOptions): Forwarders {
  const log = options.log ?? (() => {});
  const active = new Map<string, { route: Route; server: NetServer; sockets: Set<Socket> }>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  /** A refresh planned because a route could not listen; one at a time, none after close. */
  let retry: NodeJS.Timeout | undefined;
  const retryLater = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void refresh().catch((error: unknown) => log(`floating IPs: ${String(error)}`));
    }, options.retryMs ?? 1000);
    retry.unref();
  };

  const open = (route: Route) =>
    new Promise<void>((resolve) => {
      const sockets = new Set<Socket>();
      const server = createServer((client) => {
        const state = options.read();
        const node = state.servers.find((s) => s.id === route.serverId);
        if (!node || !allows(state, node, route.port, client.remoteAddress ?? '')) {
          client.destroy(); // dropped by the security group
          return;
        }
        const [host, port] = [node.loopbackIp, route.port.port];
        const upstream = connect({ host, port });
        sockets.add(client);
        sockets.add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once('error', (error: NodeJS.ErrnoException) => {
        log(`floating IP ${route.listen}: cannot listen (${error.code ?? error.message}); trying again`);
        retryLater();
        resolve();
      });
      server.listen({ host: route.floating, port: route.port.port }, () => {
        active.set(route.listen, { route, server, sockets });
        log(`floating IP ${route.listen} → ${route.target}`);
        resolve();
      });
    });

  const shut = async (key: string) => {
    const entry = active.get(key);
    if (!entry) return;
    active.delete(key);
    for (const socket of entry.sockets) socket.destroy();
    await new Promise<void>((resolve) => entry.server.close(() => resolve()));
  };

  const refresh = (): Promise<void> => {
    // A refresh that failed must not stop the ones after it: each starts from the last one's end.
    chain = chain
      .catch(() => {})
      .then(async () => {
        if (closed) return;
        const wanted = new Map(planRoutes(options.read(), options.listensOf).map((r) => [r.listen, r]));
        for (const [key, entry] of [...active]) {
          const want = wanted.get(key);
          if (!want || want.target !== entry.route.target) await shut(key);
        }
        for (const [key, route] of wanted) if (!active.has(key)) await open(route);
      });
    return chain;
  };

  return {
    refresh,
    routes: () =>
      [...active.values()].map(({ route }) => ({
        listen: route.listen,
        target: route.target,
        serverId: route.serverId,
      })),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      chain = chain
        .catch(() => {})
        .then(async () => {
          for (const key of [...active.keys()]) await shut(key);
        });
      await chain;
    },
  };
}
