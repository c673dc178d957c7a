// The lesson's cloud connection: libcloud's OpenStack driver surface, in TypeScript names, on
// pkgcloud's compute and network clients — so step-4.ts reads like the guide's step-4.
//
// Which API each call uses (checked against what real clients send, shared/spec/openstack-api.md):
// - servers, flavors, images, key pairs, limits, floating IPs: Nova 2.1, through pkgcloud compute;
// - security groups and rules: Neutron, through pkgcloud network (pkgcloud's Nova `addRule` sends
//   no group_id, so it cannot make the guide's source-group rules).
// Gaps in pkgcloud, filled here through its own authenticated `_request`/`_doServerAction`, so
// pkgcloud stays the one way we talk to the cloud: floating-IP pools (`os-floating-ip-pools`),
// console output (`os-getConsoleOutput`), server diagnostics (`servers/{id}/diagnostics`), and
// reading a server's raw body (its fault and metadata, which pkgcloud's Server model drops).
//
// Two things differ from libcloud on purpose, so a step can be run again:
// - a create whose name already exists returns what is there (and reports it: a `found` event);
// - an identical security-group rule that already exists is returned, not created twice.
// Everything created is recorded in `made` (and reported: a `created` event), so a failure can say
// what it left behind. What happens while it happens goes to `report` as events (./events.ts).
import type { ComputeClient, NetworkClient, PkgcloudError, RequestOptions } from 'pkgcloud';
import { CloudError, explain } from './errors.ts';
import type { CloudEvent, ResourceKind } from './events.ts';
import {
  FlavorSchema,
  type FloatingIp,
  FloatingIpPoolsSchema,
  floatingIpFrom,
  type Image,
  isBooting,
  type KeyPair,
  limitsFrom,
  type Node,
  nodeFrom,
  ruleFrom,
  type SecurityGroup,
  type SecurityGroupRule,
  type Size,
  securityGroupFrom,
} from './models.ts';

export interface Made {
  kind: ResourceKind;
  name: string;
  id: string;
}

export interface FloatingIpPool {
  name: string;
  /** Allocates a new floating IP from this pool (libcloud's pool.create_floating_ip()). */
  createFloatingIp(): Promise<FloatingIp>;
}

export interface CreateNodeOptions {
  name: string;
  image: Image;
  size: Size;
  exKeyname?: string;
  /** The script cloud-init runs at boot (plain text; encoded here). */
  exUserdata?: string;
  exSecurityGroups?: SecurityGroup[];
}

export interface RuleOptions {
  /** Only members of this group may connect (Neutron's remote_group_id). */
  sourceSecurityGroup?: SecurityGroup;
  /** Else this CIDR may connect; default everyone (0.0.0.0/0). */
  cidr?: string;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
}

export interface DriverOptions {
  compute: ComputeClient;
  network: NetworkClient;
  /** Which cloud this is, for messages: "the local cloud", "cloud 'x' from …". */
  label: string;
  /** Each thing worth telling while it happens (found, created, waiting): see ./events.ts. */
  report?: (event: CloudEvent) => void;
  /** A network id new servers are attached to (clouds with several networks need one). */
  networkId?: string;
  /** The longest pause between polls while waiting (they start at 0.2 s); libcloud's 5 s is slow for a local cloud. Default 2 s. */
  pollMs?: number;
}

export type Connection = ReturnType<typeof createDriver>;

function call<T>(run: (callback: (error: PkgcloudError | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(error) : resolve(value)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A timeout for a message: "0.5", "600". */
const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);

const sameRule = (rule: SecurityGroupRule, want: Omit<SecurityGroupRule, 'id'>): boolean =>
  rule.protocol === want.protocol &&
  rule.fromPort === want.fromPort &&
  rule.toPort === want.toPort &&
  (want.sourceGroupId
    ? rule.sourceGroupId === want.sourceGroupId
    : !rule.sourceGroupId && rule.cidr === want.cidr);

export function createDriver(options: DriverOptions) {
  const { compute, network, label } = options;
  const report = options.report ?? (() => {});
  const pollMs = options.pollMs ?? 2000;
  /** Poll delays: quick at first (a local node is up in about a second), then every pollMs. */
  const backoff = (ceiling: number) => {
    let next = Math.min(200, ceiling);
    return () => {
      const now = next;
      next = Math.min(ceiling, Math.round(next * 1.5));
      return now;
    };
  };
  const made: Made[] = [];
  const record = (kind: ResourceKind, name: string, id: string) => {
    made.push({ kind, name, id });
    report({ type: 'created', kind, name, id });
  };
  /** Waiting events for servers not ready yet: one when the list changes, else one every 10 s. */
  const waitingReporter = () => {
    const started = Date.now();
    let lastSaid = '';
    let lastSaidAt = 0;
    return (servers: Node[]) => {
      const said = servers.map((n) => `${n.name} ${n.status}`).join(', ');
      if (said === lastSaid && Date.now() - lastSaidAt < 10_000) return;
      report({
        type: 'waiting',
        servers: servers.map((n) => ({ name: n.name, status: n.status })),
        elapsedS: Math.round((Date.now() - started) / 1000),
      });
      lastSaid = said;
      lastSaidAt = Date.now();
    };
  };

  /** Runs a cloud call; its failure becomes one readable CloudError about `doing`. */
  const attempt = async <T>(doing: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw explain(error, { doing, cloud: label });
    }
  };
  const request = <T = unknown>(client: ComputeClient | NetworkClient, req: RequestOptions) =>
    call<T>((cb) => client._request(req, cb as (e: PkgcloudError | null, v: unknown) => void));

  const listNodes = () =>
    attempt('list the servers', async () => {
      const servers = await call<Array<{ original: unknown }>>((cb) => compute.getServers(cb));
      return servers.map((s) => nodeFrom(s.original)).filter((n) => n.status !== 'DELETED');
    });

  const getNode = (id: string) =>
    attempt(`read the server ${id}`, async () => {
      const server = await call<{ original: unknown }>((cb) => compute.getServer(id, cb));
      return nodeFrom(server.original);
    });

  const exListSecurityGroups = () =>
    attempt('list the security groups', async () => {
      // Only this project's groups: Neutron shows an admin every project's, names included.
      const projectId = compute._identity?.token?.tenant?.id;
      const groups = await request<{ security_groups: unknown[] }>(network, {
        path: '/security-groups',
        ...(projectId ? { qs: { project_id: projectId } } : {}),
      });
      return groups.security_groups.map(securityGroupFrom);
    });

  /** One group with its current rules (a rule added since `group` was read is in them). */
  const exGetSecurityGroup = async (id: string): Promise<SecurityGroup> => {
    const body = await request<{ security_group: unknown }>(network, { path: `/security-groups/${id}` });
    return securityGroupFrom(body.security_group);
  };

  return {
    label,
    /** What this connection created, in order. */
    made: made as readonly Made[],

    listNodes,
    getNode,

    /** Deletes the server (Nova deletes asynchronously: see waitUntilGone). */
    destroyNode: (node: Node) =>
      attempt(`delete the server ${node.name}`, async () => {
        await call((cb) => compute.destroyServer(node.id, cb));
        return true;
      }),

    /** Until none of the servers is listed any more; deleting their groups before that fails ("in use"). */
    async waitUntilGone(nodes: Node[], wait: WaitOptions = {}): Promise<void> {
      const deadline = Date.now() + (wait.timeoutMs ?? 300_000);
      const ids = new Set(nodes.map((n) => n.id));
      const delay = backoff(wait.pollMs ?? pollMs);
      for (;;) {
        const left = (await listNodes()).filter((n) => ids.has(n.id));
        if (left.length === 0) return;
        if (Date.now() > deadline) {
          throw new CloudError(
            `The cloud did not finish deleting ${left.map((n) => n.name).join(', ')} in ${Math.round((wait.timeoutMs ?? 300_000) / 1000)} s; look at them with \`openstack server list\` and try again.`,
          );
        }
        await sleep(delay());
      }
    },

    exListSecurityGroups,

    /** A new group, or the group of that name already there (reported as found). */
    exCreateSecurityGroup: (name: string, description: string) =>
      attempt(`create the security group ${name}`, async () => {
        const existing = (await exListSecurityGroups()).find((g) => g.name === name);
        if (existing) {
          report({
            type: 'found',
            kind: 'security group',
            name,
            status: `${existing.rules.length} rules`,
            outcome: 'kept',
          });
          return existing;
        }
        const body = await request<{ security_group: unknown }>(network, {
          path: '/security-groups',
          method: 'POST',
          body: { security_group: { name, description } },
        });
        const group = securityGroupFrom(body.security_group);
        record('security group', name, group.id);
        return group;
      }),

    exDeleteSecurityGroup: (group: SecurityGroup) =>
      attempt(`delete the security group ${group.name}`, async () => {
        await call((cb) => network.destroySecurityGroup(group.id, cb));
        return true;
      }),

    /** libcloud's ex_create_security_group_rule(group, 'TCP', from, to, source_security_group=…). */
    exCreateSecurityGroupRule: (
      group: SecurityGroup,
      ipProtocol: string,
      fromPort: number,
      toPort: number,
      rule: RuleOptions = {},
    ) => {
      const source = rule.sourceSecurityGroup;
      const what = `${ipProtocol} ${fromPort}-${toPort} to ${group.name}${source ? ` from ${source.name}` : ''}`;
      return attempt(`add the rule ${what}`, async () => {
        const want = {
          protocol: ipProtocol.toLowerCase(),
          fromPort,
          toPort,
          cidr: source ? null : (rule.cidr ?? '0.0.0.0/0'),
          sourceGroupId: source?.id ?? null,
        };
        const current = await exGetSecurityGroup(group.id);
        const existing = current.rules.find((r) => sameRule(r, want));
        if (existing) {
          report({ type: 'found', kind: 'security group rule', name: what, outcome: 'kept' });
          return existing;
        }
        // Neutron lower-cases the protocol; libcloud sends "TCP" and both accept it.
        const created = await call<unknown>((cb) =>
          network.createSecurityGroupRule(
            {
              direction: 'ingress',
              ethertype: 'IPv4',
              securityGroupId: group.id,
              protocol: want.protocol,
              portRangeMin: fromPort,
              portRangeMax: toPort,
              ...(source ? { remoteGroupId: source.id } : { remoteIpPrefix: want.cidr }),
            },
            cb,
          ),
        );
        // pkgcloud wraps the body in its SecurityGroupRule model; its fields are the wire names.
        const raw = created as Record<string, unknown>;
        const parsed = ruleFrom({
          id: raw.id,
          direction: 'ingress',
          protocol: raw.protocol ?? want.protocol,
          port_range_min: raw.portRangeMin ?? raw.port_range_min ?? fromPort,
          port_range_max: raw.portRangeMax ?? raw.port_range_max ?? toPort,
          remote_ip_prefix: raw.remoteIpPrefix ?? raw.remote_ip_prefix ?? want.cidr,
          remote_group_id: raw.remoteGroupId ?? raw.remote_group_id ?? want.sourceGroupId,
        });
        const { ingressIpv4: _, ...result } = parsed;
        record('security group rule', what, result.id);
        return result;
      });
    },

    exListFloatingIps: () =>
      attempt('list the floating IPs', async () => {
        const list = await call<unknown[]>((cb) => compute.getFloatingIps(cb));
        return list.map(floatingIpFrom);
      }),

    /** Nova's os-floating-ip-pools: pkgcloud has no call for it (it takes a pool name as given). */
    exListFloatingIpPools: () =>
      attempt('list the floating IP pools', async () => {
        const body = FloatingIpPoolsSchema.parse(await request(compute, { path: 'os-floating-ip-pools' }));
        return body.floating_ip_pools.map(
          ({ name }): FloatingIpPool => ({
            name,
            createFloatingIp: () =>
              attempt(`allocate a floating IP from the pool ${name}`, async () => {
                const fip = floatingIpFrom(
                  await call<unknown>((cb) => compute.allocateNewFloatingIp(name, cb)),
                );
                record('floating IP', fip.ipAddress, fip.id);
                return fip;
              }),
          }),
        );
      }),

    exAttachFloatingIpToNode: (node: Node, floatingIp: FloatingIp) =>
      attempt(`attach the floating IP ${floatingIp.ipAddress} to ${node.name}`, async () => {
        await call((cb) => compute.addFloatingIp(node.id, floatingIp.ipAddress, cb));
        return true;
      }),

    exReleaseFloatingIp: (floatingIp: FloatingIp) =>
      attempt(`release the floating IP ${floatingIp.ipAddress}`, async () => {
        await call((cb) => compute.deallocateFloatingIp(floatingIp.id, cb));
        return true;
      }),

    listImages: () =>
      attempt('list the images', async () => {
        const images = await call<Array<{ id: string; name: string; status?: string }>>((cb) =>
          compute.getImages(cb),
        );
        return images.map((i): Image => ({ id: i.id, name: i.name, status: i.status ?? 'UNKNOWN' }));
      }),

    listSizes: () =>
      attempt('list the flavors', async () => {
        const flavors = await request<{ flavors: unknown[] }>(compute, { path: 'flavors/detail' });
        return flavors.flavors.map((f): Size => {
          const { id, name, vcpus, ram, disk } = FlavorSchema.parse(f);
          return { id, name, vcpus, ram, disk };
        });
      }),

    listKeyPairs: () =>
      attempt('list the key pairs', async () => {
        const keys = await call<Array<{ keypair?: { name: string; fingerprint: string } }>>((cb) =>
          compute.listKeys(cb as never),
        );
        return keys.map(
          (k): KeyPair => ({ name: k.keypair?.name ?? '', fingerprint: k.keypair?.fingerprint ?? '' }),
        );
      }),

    /** Imports a public key; without one the cloud generates the pair and returns the private key once. */
    importKeyPair: (name: string, publicKey?: string) =>
      attempt(`add the key pair ${name}`, async () => {
        const key = (await call<unknown>((cb) =>
          compute.addKey(publicKey ? { name, public_key: publicKey } : { name }, cb),
        )) as { name: string; fingerprint: string; private_key?: string };
        record('key pair', name, name);
        return {
          name: key.name,
          fingerprint: key.fingerprint,
          ...(key.private_key ? { privateKey: key.private_key } : {}),
        } satisfies KeyPair;
      }),

    /**
     * Boots a server from an image and a flavor with cloud-init userdata. A server of that name
     * already there is returned instead (a stopped one is started, one in ERROR replaced).
     */
    async createNode(spec: CreateNodeOptions): Promise<Node> {
      const existing = (await listNodes()).find((n) => n.name === spec.name);
      if (existing && existing.state !== 'error') {
        report({ type: 'found', kind: 'server', name: spec.name, status: existing.status, outcome: 'kept' });
        if (existing.state === 'stopped') {
          report({ type: 'server-starting', name: spec.name });
          await attempt(`start ${spec.name}`, () => call((cb) => compute.startServer(existing.id, cb)));
        }
        return existing;
      }
      if (existing) {
        report({
          type: 'found',
          kind: 'server',
          name: spec.name,
          status: existing.status,
          ...(existing.fault ? { fault: existing.fault } : {}),
          outcome: 'replaced',
        });
        await attempt(`delete the server ${spec.name}`, () =>
          call((cb) => compute.destroyServer(existing.id, cb)),
        );
      }
      return attempt(`create the server ${spec.name}`, async () => {
        const created = await call<{ id: string }>((cb) =>
          compute.createServer(
            {
              name: spec.name,
              image: spec.image.id,
              flavor: spec.size.id,
              ...(spec.exKeyname ? { keyname: spec.exKeyname } : {}),
              ...(spec.exSecurityGroups
                ? { securityGroups: spec.exSecurityGroups.map((g) => ({ name: g.name })) }
                : {}),
              // pkgcloud sends cloudConfig verbatim as user_data, which Nova wants in base64.
              ...(spec.exUserdata ? { cloudConfig: Buffer.from(spec.exUserdata).toString('base64') } : {}),
              ...(options.networkId ? { networks: [{ uuid: options.networkId }] } : {}),
            },
            cb,
          ),
        );
        record('server', spec.name, created.id);
        const server = await call<{ original: unknown }>((cb) => compute.getServer(created.id, cb));
        return nodeFrom(server.original);
      });
    },

    /**
     * libcloud's wait_until_running: polls until every node is ACTIVE and has an address, then
     * returns [node, addresses] pairs. A node in ERROR ends the wait with its fault.
     */
    async waitUntilRunning<const T extends readonly Node[]>(
      nodes: T,
      wait: WaitOptions = {},
    ): Promise<{ -readonly [K in keyof T]: [Node, string[]] }> {
      const timeoutMs = wait.timeoutMs ?? 600_000;
      const started = Date.now();
      const ids = nodes.map((n) => n.id);
      const waiting = waitingReporter();
      const delay = backoff(wait.pollMs ?? pollMs);
      for (;;) {
        const all = await listNodes();
        const current = ids.map((id) => all.find((n) => n.id === id));
        const missing = nodes.filter((_, k) => !current[k]);
        if (missing.length > 0) {
          throw new CloudError(
            `The server ${missing.map((n) => n.name).join(', ')} disappeared while booting; look at \`openstack server list\`, then run the step again.`,
          );
        }
        const ready = current as Node[];
        const failed = ready.find((n) => n.state === 'error');
        if (failed) {
          throw new CloudError(
            `The server ${failed.name} failed to boot: ${failed.fault ?? 'the cloud gave no reason'}. ` +
              'Read its console (`openstack console log show ' +
              `${failed.name}\`), then run the step again: it replaces a server in ERROR.`,
          );
        }
        const running = (n: Node) => n.state === 'running' && n.privateIps.length + n.publicIps.length > 0;
        if (ready.every(running)) {
          return ready.map((n) => [n, [...n.publicIps, ...n.privateIps]]) as {
            -readonly [K in keyof T]: [Node, string[]];
          };
        }
        if (Date.now() - started > timeoutMs) {
          const late = ready.filter((n) => !running(n));
          throw new CloudError(
            `Timed out after ${seconds(timeoutMs)} seconds waiting for ${late.map((n) => `${n.name} (${n.status})`).join(', ')}; look at its console log and the cloud's status.`,
          );
        }
        waiting(ready.filter((n) => !running(n)));
        await sleep(delay());
      }
    },

    /**
     * Until none of the servers named (default: all the project's) is still booting (BUILD,
     * REBUILD, REBOOT): a cloud that was just started again boots every server it had, and their
     * addresses show only once they are up. Each ends ACTIVE or in ERROR; the checks say which.
     * Returns all the project's servers as they are then.
     */
    async waitUntilBooted(wait: WaitOptions & { names?: readonly string[] } = {}): Promise<Node[]> {
      const timeoutMs = wait.timeoutMs ?? 600_000;
      const started = Date.now();
      const waiting = waitingReporter();
      const delay = backoff(wait.pollMs ?? pollMs);
      const named = (n: Node) => !wait.names || wait.names.includes(n.name);
      for (;;) {
        const all = await listNodes();
        const booting = all.filter((n) => named(n) && isBooting(n));
        if (booting.length === 0) return all;
        if (Date.now() - started > timeoutMs) {
          throw new CloudError(
            `Timed out after ${seconds(timeoutMs)} seconds waiting for ${booting.map((n) => `${n.name} (${n.status})`).join(', ')} to boot; look at ${booting.length > 1 ? 'their' : 'its'} console log (\`openstack console log show ${booting[0]!.name}\`) and the cloud's status.`,
          );
        }
        waiting(booting);
        await sleep(delay());
      }
    },

    exStopNode: (node: Node) =>
      attempt(`stop ${node.name}`, async () => {
        await call((cb) => compute.stopServer(node.id, cb));
        return true;
      }),

    exStartNode: (node: Node) =>
      attempt(`start ${node.name}`, async () => {
        await call((cb) => compute.startServer(node.id, cb));
        return true;
      }),

    /** Nova's os-getConsoleOutput (pkgcloud has no call for it): the node's boot log. */
    exGetConsoleOutput: (node: Node, length?: number) =>
      attempt(`read the console of ${node.name}`, async () => {
        const body = (await call<unknown>((cb) =>
          compute._doServerAction(node.id, { 'os-getConsoleOutput': length ? { length } : {} }, cb),
        )) as { output?: string } | undefined;
        return body?.output ?? '';
      }),

    /**
     * Nova's server diagnostics (`GET /servers/{id}/diagnostics`; pkgcloud has no call for it): the
     * hypervisor's counters for the server, its raw body (the lab's node meter reads it).
     */
    exGetServerDiagnostics: (node: { id: string; name: string }) =>
      attempt(`read the diagnostics of ${node.name}`, () =>
        request<unknown>(compute, { path: `servers/${node.id}/diagnostics` }),
      ),

    /** Nova's absolute limits (what the quota allows and what is used). */
    exGetLimits: () =>
      attempt('read the quota', async () => limitsFrom(await call<unknown>((cb) => compute.getLimits(cb)))),

    /**
     * Where this machine reaches a service the guide runs on `port` at `address`: the same, except
     * on the local cloud, whose nodes publish the ports that had to move (80 needs root) in their
     * metadata (`local-cloud:ports`, e.g. "80=8080").
     */
    serviceUrl(node: Node, address: string, port: number, scheme = 'http'): string {
      const moved = new Map(
        (node.metadata['local-cloud:ports'] ?? '')
          .split(',')
          .map((pair) => pair.split('=').map(Number) as [number, number])
          // Number('') is 0: "3306=" or "=8080" is no pair, not a move to or from port 0.
          .filter(([from, to]) => Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0),
      );
      const real = moved.get(port) ?? port;
      const defaultPort = scheme === 'https' ? 443 : 80;
      return `${scheme}://${address}${real === defaultPort ? '' : `:${real}`}`;
    },
  };
}
