// /servers: create (202, visible at once, then booted by the node runtime), list, detail, show,
// rename and delete (synchronous: the node's processes are gone, its ports freed and its floating
// IPs disassociated before the 204, so "delete the servers, then their security groups" works).
// A server's ports, groups and floating IPs are the model's (model/servers-network.ts).
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { isAdmin } from '../../model/identity.ts';
import { portsOfServer } from '../../model/ports.ts';
import { fits, quotaOf, usageOf } from '../../model/quotas.ts';
import { defaultGroupOf, ensureDefaultGroupStored, projectGroups } from '../../model/security-groups.ts';
import { plugServer, unplugServer } from '../../model/servers-network.ts';
import { nextFixedAddresses } from '../../nodes/addresses.ts';
import type { CloudState, Flavor, Port, Server } from '../../state.ts';
import {
  badRequest,
  type Caller,
  callerOf,
  conflict,
  forbidden,
  notFound,
  selfAndBookmark,
} from './context.ts';
import { atLeast, microversionOf } from './microversion.ts';
import {
  formatMessage,
  isBase64,
  novaBoolean,
  novaName,
  parseBody,
  positiveInteger,
  toBoolean,
} from './validation.ts';
import { serverDetail, serverSummary, statusOf } from './views.ts';

const base64Text = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      if (!isBase64(value)) ctx.addIssue({ code: 'custom', message: formatMessage(value, 'base64') });
    });

const NetworkList = z.array(
  z.strictObject({
    fixed_ip: z.string().optional(),
    port: z.string().nullable().optional(),
    uuid: z.string().optional(),
  }),
);

/**
 * nova/api/openstack/compute/schemas/servers.py `create`, which refuses unknown keys. From 2.19 a
 * `description`; from 2.37 `networks` is required and may be "auto" (openstacksdk's cloud layer
 * sends it whenever no network is named) or "none".
 */
function createBody(version: { description: boolean; autoNetworks: boolean }) {
  return z.strictObject({
    server: z.strictObject({
      name: novaName,
      ...(version.description ? { description: z.string().max(255).nullable().optional() } : {}),
      imageRef: z.string().optional(),
      flavorRef: z.union([z.string().min(1), z.number().int()]),
      adminPass: z.string().optional(),
      metadata: z.record(z.string().min(1).max(255), z.string().max(255)).optional(),
      networks: version.autoNetworks
        ? z.union([NetworkList, z.enum(['auto', 'none'])])
        : NetworkList.optional(),
      'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
      accessIPv4: z.string().optional(),
      accessIPv6: z.string().optional(),
      // libcloud always sends `personality: []`.
      personality: z
        .array(z.strictObject({ path: z.string().max(255), contents: base64Text(Infinity) }))
        .optional(),
      availability_zone: z.string().optional(),
      block_device_mapping: z.array(z.unknown()).optional(),
      block_device_mapping_v2: z.array(z.unknown()).optional(),
      // libcloud sends "True", pkgcloud true.
      config_drive: novaBoolean.optional(),
      key_name: novaName.optional(),
      // The OSC and openstacksdk send min_count/max_count 1.
      min_count: positiveInteger.optional(),
      max_count: positiveInteger.optional(),
      return_reservation_id: novaBoolean.optional(),
      // The OSC puts the group's id in `name`; libcloud, pkgcloud and openstacksdk its name.
      security_groups: z.array(z.strictObject({ name: novaName.optional() })).optional(),
      user_data: base64Text(65535).optional(),
    }),
    'os:scheduler_hints': z.record(z.string(), z.unknown()).optional(),
    'OS-SCH-HNT:scheduler_hints': z.record(z.string(), z.unknown()).optional(),
  });
}

/** nova's `update` schema; from 2.19 with a `description`. */
const updateBody = (description: boolean) =>
  z.strictObject({
    server: z.strictObject({
      name: novaName.optional(),
      ...(description ? { description: z.string().max(255).nullable().optional() } : {}),
      accessIPv4: z.string().optional(),
      accessIPv6: z.string().optional(),
      'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
    }),
  });

/** `common.get_id_from_href`: the last path segment of a URL, or the value itself. */
export function idFromHref(ref: string | number): string {
  const text = String(ref);
  if (!text.includes('/')) return text;
  return text.split('?')[0]!.replace(/\/+$/, '').split('/').pop() ?? text;
}

/** Nova's `utils.generate_password`: 12 characters without look-alikes. */
function generatePassword(): string {
  const symbols = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let password = '';
  for (let i = 0; i < 12; i++) password += symbols[randomInt(symbols.length)];
  return password;
}

/**
 * How many of min..max instances the quota lets through, or Nova's 403 (compute/utils.py
 * check_num_instances_quota: resources sorted, a partial grant when min ≤ allowed < max).
 */
export function instancesAllowed(
  state: Readonly<CloudState>,
  caller: Caller,
  flavor: Flavor,
  min: number,
  max: number,
): number {
  const quota = quotaOf(state, caller.projectId);
  const usage = usageOf(state, caller.projectId, caller.userId);
  const limits = { cores: quota.cores, instances: quota.instances, ram: quota.ram };
  const used = { cores: usage.cores, instances: usage.instances, ram: usage.ram };
  const deltas = { cores: max * flavor.vcpus, instances: max, ram: max * flavor.ram };
  const keys = ['cores', 'instances', 'ram'] as const;
  const overs = keys.filter((k) => !fits(limits[k], used[k], deltas[k]));
  if (overs.length === 0) return max;
  const headroom = (k: (typeof keys)[number]) => (limits[k] < 0 ? Infinity : limits[k] - used[k]);
  let allowed = headroom('instances');
  if (flavor.vcpus) allowed = Math.min(allowed, Math.floor(headroom('cores') / flavor.vcpus));
  if (flavor.ram) allowed = Math.min(allowed, Math.floor(headroom('ram') / flavor.ram));
  if (allowed > 0 && min <= allowed && allowed <= max) return allowed;
  const requested = {
    cores: deltas.cores,
    instances: min === max ? `${min}` : `${min}-${max}`,
    ram: deltas.ram,
  };
  const list = (f: (k: (typeof keys)[number]) => unknown) => overs.map((k) => String(f(k))).join(', ');
  throw forbidden(
    `Quota exceeded for ${list((k) => k)}: Requested ${list((k) => requested[k])}, ` +
      `but already used ${list((k) => used[k])} of ${list((k) => limits[k])} ${list((k) => k)}`,
  );
}

/** Security groups named by name or id (neutron.py _get_security_group_ids); the project's default if none. */
export function resolveSecurityGroups(
  state: Readonly<CloudState>,
  projectId: string,
  refs: readonly string[] | undefined,
): string[] {
  const groups = projectGroups(state, projectId);
  if (refs === undefined || refs.length === 0) {
    const fallback = defaultGroupOf(state, projectId);
    return fallback ? [fallback.id] : [];
  }
  const ids: string[] = [];
  for (const ref of new Set(refs)) {
    const byId = groups.find((g) => g.id === ref);
    const byName = groups.filter((g) => g.name === ref);
    if (byId) ids.push(byId.id);
    else if (byName.length > 1) {
      throw conflict(`Multiple security groups found matching '${ref}'. Use an ID to be more specific.`);
    } else if (byName[0]) ids.push(byName[0].id);
    else throw badRequest(`Unable to find security_group with name or id '${ref}'`);
  }
  return [...new Set(ids)];
}

/**
 * The project's server with this id, or Nova's 404 (another project's server is absent). With
 * `anyProject` (an admin's show and delete, as Nova's admin_or_owner policy) any project's.
 */
export function findServer(
  state: Readonly<CloudState>,
  caller: Caller,
  id: string,
  options: { anyProject?: boolean } = {},
): Server {
  const server = state.servers.find(
    (s) => s.id === id && (options.anyProject === true || s.projectId === caller.projectId),
  );
  if (!server || server.status === 'DELETED') throw notFound(`Instance ${id} could not be found.`);
  return server;
}

type Query = Record<string, string | string[] | undefined>;

const values = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const truthy = (v: string | undefined) => v !== undefined && !/^(0|false|no|off)$/i.test(v);

/**
 * The project's servers as GET /servers filters them: name (a regex, as Nova's DB), status, image,
 * flavor. An admin's `all_tenants` (`server list --all-projects`) lists every project's, or one
 * project's with `project_id`; anybody else asking for it is refused, as Nova's policy does.
 */
export function listServers(
  state: Readonly<CloudState>,
  caller: Caller,
  query: Query,
  options: { admin?: boolean; strictStatus?: boolean } = {},
): Server[] {
  const allTenants = truthy(values(query.all_tenants)[0]);
  if (allTenants && options.admin !== true) {
    throw forbidden("Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.");
  }
  const projectFilter = values(query.project_id)[0] ?? values(query.tenant_id)[0];
  let servers = state.servers.filter(
    (s) =>
      s.status !== 'DELETED' &&
      (allTenants
        ? projectFilter === undefined || s.projectId === projectFilter
        : s.projectId === caller.projectId),
  );
  const name = values(query.name)[0];
  if (name !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(name);
    } catch {
      pattern = new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
    servers = servers.filter((s) => pattern.test(s.name));
  }
  const statuses = values(query.status).map((s) => s.toUpperCase());
  // An unknown status lists nothing; from 2.38 Nova refuses it.
  if (options.strictStatus === true && statuses.some((s) => !NOVA_STATUSES.has(s))) {
    throw badRequest('Invalid status value');
  }
  if (statuses.length > 0) servers = servers.filter((s) => statuses.includes(statusOf(s)));
  const image = values(query.image)[0];
  if (image !== undefined) servers = servers.filter((s) => s.imageId === idFromHref(image));
  const flavor = values(query.flavor)[0];
  if (flavor !== undefined) servers = servers.filter((s) => s.flavorId === idFromHref(flavor));
  // Nova's default order: newest first.
  servers = [...servers].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const marker = values(query.marker)[0];
  if (marker !== undefined) {
    const at = servers.findIndex((s) => s.id === marker);
    if (at < 0) throw badRequest(`marker [${marker}] not found`);
    servers = servers.slice(at + 1);
  }
  const limit = values(query.limit)[0];
  if (limit !== undefined) {
    if (!/^[0-9]+$/.test(limit))
      throw badRequest(
        `Invalid input for query parameters limit. Value: ${limit}. '${limit}' does not match '^[0-9]*$'`,
      );
    servers = servers.slice(0, Number(limit));
  }
  return servers;
}

/** The statuses Nova's status filter knows (common.task_and_vm_state_from_status). */
const NOVA_STATUSES = new Set([
  'ACTIVE',
  'BUILD',
  'DELETED',
  'ERROR',
  'HARD_REBOOT',
  'MIGRATING',
  'PASSWORD',
  'PAUSED',
  'REBOOT',
  'REBUILD',
  'RESCUE',
  'RESIZE',
  'REVERT_RESIZE',
  'SHELVED',
  'SHELVED_OFFLOADED',
  'SHUTOFF',
  'SOFT_DELETED',
  'SUSPENDED',
  'UNKNOWN',
  'VERIFY_RESIZE',
]);

/** Removes a server with its ports and lets go of its floating IPs; true if one was associated. */
export function forgetServer(state: CloudState, serverId: string): boolean {
  const hadFloating = unplugServer(state, serverId);
  state.servers = state.servers.filter((s) => s.id !== serverId);
  return hadFloating;
}

export const serverRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints, runtime, now } = deps;

  app.post('/servers', async (request, reply) => {
    const caller = callerOf(request);
    const schema = createBody({ description: atLeast(request, 19), autoNetworks: atLeast(request, 37) });
    const body = parseBody(schema, request.body);
    const spec = body.server;
    const state = store.read();

    const min = spec.min_count ?? 1;
    const max = spec.max_count ?? min;
    if (min > max) throw badRequest('min_count must be <= max_count');
    if (!spec.imageRef) throw badRequest('Missing imageRef attribute');
    const imageId = idFromHref(spec.imageRef);
    if (!state.images.some((i) => i.id === imageId)) throw badRequest('Can not find requested image');
    // "auto" is the shared `private` network, as every server here is plugged; "none" no port at all.
    const unplugged = spec.networks === 'none';
    for (const network of Array.isArray(spec.networks) ? spec.networks : []) {
      if (network.uuid !== undefined && !state.networks.some((n) => n.id === network.uuid)) {
        throw badRequest(`Network ${network.uuid} could not be found.`);
      }
    }
    const flavorId = idFromHref(spec.flavorRef);
    const flavor = state.flavors.find((f) => f.id === flavorId);
    if (!flavor) throw badRequest(`Flavor ${flavorId} could not be found.`);
    const keyName = spec.key_name ?? null;
    if (keyName !== null && !state.keypairs.some((k) => k.name === keyName && k.userId === caller.userId)) {
      throw badRequest('Invalid key_name provided.');
    }
    const groupRefs = spec.security_groups?.flatMap((g) => (g.name ? [g.name.trim()] : []));
    // Nova looks the groups up through Neutron, which makes the project's default group first.
    if (ensureDefaultGroupStored(store, caller.projectId, now())) runtime.refreshNetwork();
    const securityGroupIds = resolveSecurityGroups(store.read(), caller.projectId, groupRefs);
    const adminPass = spec.adminPass ?? generatePassword();

    const created = store.update((draft) => {
      const count = instancesAllowed(draft, caller, flavor, min, max);
      const servers: Server[] = [];
      for (let i = 1; i <= count; i++) {
        const at = now().toISOString();
        const addresses = nextFixedAddresses(draft);
        const server: Server = {
          id: randomUUID(),
          name: count > 1 ? `${spec.name.trim()}-${i}` : spec.name.trim(),
          projectId: caller.projectId,
          userId: caller.userId,
          imageId,
          flavorId,
          keyName,
          securityGroupIds,
          metadata: { ...spec.metadata },
          userData: spec.user_data ?? null,
          configDrive: toBoolean(spec.config_drive),
          description: (spec as { description?: string | null }).description ?? null,
          status: 'BUILD',
          taskState: 'spawning',
          powerState: 0,
          fault: null,
          fixedIp: addresses?.fixedIp ?? '',
          loopbackIp: addresses?.loopbackIp ?? '',
          createdAt: at,
          updatedAt: at,
        };
        if (addresses) {
          if (!unplugged) plugServer(draft, server);
        } else {
          // What Nova shows when Neutron has no address left: the build fails, the server stays.
          Object.assign(server, {
            status: 'ERROR',
            taskState: null,
            fault: {
              code: 500,
              message: `Build of instance ${server.id} aborted: Failed to allocate the network(s), not rescheduling.`,
              created: at,
            },
          });
        }
        draft.servers.push(server);
        servers.push(server);
      }
      return servers;
    });

    for (const server of created) {
      if (server.status !== 'BUILD') continue;
      try {
        runtime.boot(server);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        store.update((draft) => {
          const s = draft.servers.find((x) => x.id === server.id);
          if (!s) return;
          s.status = 'ERROR';
          s.taskState = null;
          s.fault = { code: 500, message, created: now().toISOString() };
          s.updatedAt = now().toISOString();
        });
      }
    }

    if (toBoolean(spec.return_reservation_id)) {
      return reply.code(202).send({ reservation_id: `r-${randomBytes(4).toString('hex')}` });
    }
    const first = created[0]!;
    const links = selfAndBookmark(endpoints, 'servers', first.id);
    reply.code(202).header('location', links[0]!.href);
    return {
      server: {
        id: first.id,
        links,
        'OS-DCF:diskConfig': 'MANUAL',
        security_groups: spec.security_groups ?? [{ name: 'default' }],
        adminPass,
      },
    };
  });

  app.get('/servers', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const servers = listServers(state, caller, request.query as Query, {
      admin: isAdmin(state, caller),
      strictStatus: atLeast(request, 38),
    });
    return { servers: servers.map((s) => serverSummary(s, endpoints)) };
  });

  app.get('/servers/detail', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const servers = listServers(state, caller, request.query as Query, {
      admin: isAdmin(state, caller),
      strictStatus: atLeast(request, 38),
    });
    return { servers: servers.map((s) => serverDetail(state, s, endpoints, microversionOf(request))) };
  });

  app.get<{ Params: { id: string } }>('/servers/:id', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const anyProject = isAdmin(state, caller);
    return {
      server: serverDetail(
        state,
        findServer(state, caller, request.params.id, { anyProject }),
        endpoints,
        microversionOf(request),
      ),
    };
  });

  app.put<{ Params: { id: string } }>('/servers/:id', async (request) => {
    const caller = callerOf(request);
    findServer(store.read(), caller, request.params.id);
    const { server: changes } = parseBody(updateBody(atLeast(request, 19)), request.body);
    const description = (changes as { description?: string | null }).description;
    store.update((draft) => {
      const server = findServer(draft, caller, request.params.id);
      if (changes.name !== undefined) server.name = changes.name.trim();
      if (description !== undefined) server.description = description;
      server.updatedAt = now().toISOString();
    });
    const state = store.read();
    return {
      server: serverDetail(
        state,
        findServer(state, caller, request.params.id),
        endpoints,
        microversionOf(request),
      ),
    };
  });

  app.delete<{ Params: { id: string } }>('/servers/:id', async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params;
    // An admin deletes any project's server (a room's teacher clearing a student's project).
    const anyProject = isAdmin(store.read(), caller);
    const server = findServer(store.read(), caller, id, { anyProject });
    if (server.taskState !== 'deleting') {
      store.update((draft) => {
        const s = findServer(draft, caller, id, { anyProject });
        s.taskState = 'deleting';
        s.updatedAt = now().toISOString();
      });
      try {
        await runtime.destroy(id);
      } catch (error) {
        // The record goes regardless: a node that cannot be stopped must not pin its addresses.
        request.log.error({ err: error }, `destroying node ${id} failed`);
      }
      const hadFloating = store.update((draft) => forgetServer(draft, id));
      if (hadFloating) runtime.refreshNetwork();
    }
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/servers/:id/ips', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    return {
      addresses: serverDetail(state, findServer(state, caller, request.params.id), endpoints).addresses,
    };
  });

  app.get<{ Params: { id: string; network: string } }>('/servers/:id/ips/:network', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const server = findServer(state, caller, request.params.id);
    const addresses = serverDetail(state, server, endpoints).addresses as Record<string, unknown>;
    const list = addresses[request.params.network];
    if (list === undefined) throw notFound('There is no such network');
    return { [request.params.network]: list };
  });

  app.get<{ Params: { id: string } }>('/servers/:id/metadata', async (request) => {
    const caller = callerOf(request);
    return { metadata: { ...findServer(store.read(), caller, request.params.id).metadata } };
  });

  /** Which ports a server has (libcloud ≥ 3.6 reads interfaceAttachments[].port_id before attaching a floating IP). */
  app.get<{ Params: { id: string } }>('/servers/:id/os-interface', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const server = findServer(state, caller, request.params.id);
    return {
      interfaceAttachments: portsOfServer(state, server.id).map((p) => interfaceAttachment(state, server, p)),
    };
  });

  app.get<{ Params: { id: string; portId: string } }>(
    '/servers/:id/os-interface/:portId',
    async (request) => {
      const caller = callerOf(request);
      const state = store.read();
      const server = findServer(state, caller, request.params.id);
      const port = portsOfServer(state, server.id).find((p) => p.id === request.params.portId);
      if (!port) throw notFound(`Port ${request.params.portId} could not be found.`);
      return { interfaceAttachment: interfaceAttachment(state, server, port) };
    },
  );
};

function interfaceAttachment(state: Readonly<CloudState>, server: Server, port: Port) {
  const network = state.networks.find((n) => n.id === port.networkId);
  return {
    port_state: server.status === 'ACTIVE' ? 'ACTIVE' : 'DOWN',
    fixed_ips: [{ subnet_id: network?.subnetId ?? '', ip_address: port.fixedIp }],
    port_id: port.id,
    net_id: port.networkId,
    mac_addr: port.macAddress,
  };
}
