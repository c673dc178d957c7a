// Floating IPs, Neutron's view of the records Nova's os-floating-ips proxy also serves. Addresses
// come from the external network `public` (127.S.2.x, nodes/addresses.ts); an association is
// recorded on the FloatingIp as portId (the server's port), serverId (the port's device) and
// fixedAddress (the port's 10.S.0.x address), and the forwarders follow it via refreshNetwork().
//   POST /v2.0/floatingips {floatingip: {floating_network_id[, port_id]}} → 201
//   PUT  /v2.0/floatingips/{id} {floatingip: {port_id | null}}            → 200
import { randomUUID } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import { classify, nextFloatingAddress } from '../../nodes/addresses.ts';
import type { CloudState, FloatingIp, Port } from '../../state.ts';
import {
  type AttributeMap,
  invalidInput,
  isUuidLike,
  listResponse,
  networkNotFound,
  neutronFault,
  neutronTime,
  notAString,
  OWNER_ATTRIBUTES,
  overQuota,
  parseResource,
  portNotFound,
  projectOf,
  pyStr,
  type Query,
  resourceBadRequest,
  showResponse,
} from './common.ts';
import { visibleNetworks } from './networks.ts';
import { portView } from './ports.ts';
import { checkQuota, neutronLimits, neutronUsage } from './quotas.ts';

export function floatingIpView(state: Readonly<CloudState>, fip: FloatingIp) {
  const network = state.networks.find((n) => n.external);
  const port = fip.portId ? state.ports.find((p) => p.id === fip.portId) : undefined;
  const portDetails = port
    ? (() => {
        const view = portView(state, port);
        return {
          name: view.name,
          network_id: view.network_id,
          mac_address: view.mac_address,
          admin_state_up: view.admin_state_up,
          status: view.status,
          device_id: view.device_id,
          device_owner: view.device_owner,
        };
      })()
    : null;
  const time = neutronTime(fip.createdAt);
  return {
    id: fip.id,
    tenant_id: fip.projectId,
    project_id: fip.projectId,
    floating_ip_address: fip.address,
    floating_network_id: network?.id ?? '',
    router_id: null,
    port_id: fip.portId,
    fixed_ip_address: fip.fixedAddress,
    status: fip.portId ? 'ACTIVE' : 'DOWN',
    description: '',
    qos_policy_id: null,
    port_details: portDetails,
    port_forwardings: [],
    dns_domain: '',
    dns_name: '',
    tags: [],
    created_at: time,
    updated_at: time,
    revision_number: fip.portId ? 1 : 0,
  };
}

export type FloatingIpAllocation =
  | { ok: true; floatingIp: FloatingIp }
  | { ok: false; reason: 'quota'; limit: number; used: number }
  | { ok: false; reason: 'no-pool' }
  | { ok: false; reason: 'exhausted'; networkId: string }
  | { ok: false; reason: 'address-taken' | 'address-invalid'; networkId: string };

/**
 * Allocates a floating IP for `projectId` from the external network: the lowest free 127.S.2.x, or
 * `address` if asked for. The one allocator behind Neutron's POST /v2.0/floatingips and Nova's
 * POST /os-floating-ips; each maps a refusal to its own error. Call inside store.update().
 */
export function allocateFloatingIp(
  state: CloudState,
  options: { projectId: string; now: Date; address?: string },
): FloatingIpAllocation {
  const { projectId, now, address } = options;
  const limit = neutronLimits(state, projectId).floatingip;
  const used = neutronUsage(state, projectId).floatingip;
  if (limit >= 0 && used + 1 > limit) return { ok: false, reason: 'quota', limit, used };
  const network = state.networks.find((n) => n.external);
  if (!network) return { ok: false, reason: 'no-pool' };
  let chosen: string | undefined;
  if (address !== undefined) {
    if (classify(address, state.slot)?.range !== 'floating') {
      return { ok: false, reason: 'address-invalid', networkId: network.id };
    }
    if (state.floatingIps.some((f) => f.address === address)) {
      return { ok: false, reason: 'address-taken', networkId: network.id };
    }
    chosen = address;
  } else {
    chosen = nextFloatingAddress(state);
    if (!chosen) return { ok: false, reason: 'exhausted', networkId: network.id };
  }
  const floatingIp: FloatingIp = {
    id: randomUUID(),
    address: chosen,
    pool: 'public',
    projectId,
    portId: null,
    serverId: null,
    fixedAddress: null,
    createdAt: now.toISOString(),
  };
  state.floatingIps.push(floatingIp);
  return { ok: true, floatingIp };
}

/** Records the association of a floating IP with a server's port. */
export function associateFloatingIp(fip: FloatingIp, port: Port): void {
  fip.portId = port.id;
  fip.serverId = port.deviceId;
  fip.fixedAddress = port.fixedIp;
}

export function disassociateFloatingIp(fip: FloatingIp): void {
  fip.portId = null;
  fip.serverId = null;
  fip.fixedAddress = null;
}

/** Frees the floating IPs of a server that goes away (Neutron does so when the port is deleted). */
export function disassociateServer(state: CloudState, serverId: string): void {
  for (const fip of state.floatingIps) if (fip.serverId === serverId) disassociateFloatingIp(fip);
}

const floatingIpNotFound = (id: string) =>
  neutronFault(404, 'FloatingIPNotFound', `Floating IP ${id} could not be found`);

const ATTRIBUTES: AttributeMap = {
  id: { post: false, put: false },
  floating_ip_address: { post: true, put: false },
  subnet_id: { post: true, put: false },
  floating_network_id: { post: true, put: false, required: true },
  router_id: { post: false, put: false },
  port_id: { post: true, put: true },
  fixed_ip_address: { post: true, put: true },
  description: { post: true, put: true },
  ...OWNER_ATTRIBUTES,
  status: { post: false, put: false },
  port_details: { post: false, put: false },
  port_forwardings: { post: false, put: false },
  tags: { post: false, put: false },
  created_at: { post: false, put: false },
  updated_at: { post: false, put: false },
  revision_number: { post: false, put: false },
};

/** neutron_lib's `type:uuid` / `type:uuid_or_none` / `type:ip_address_or_none` validators. */
const uuid = (orNone: boolean) =>
  z.unknown().superRefine((value, ctx) => {
    if (orNone && value === null) return;
    if (typeof value !== 'string' || !isUuidLike(value)) {
      ctx.addIssue({ code: 'custom', message: `'${pyStr(value)}' is not a valid UUID` });
    }
  });
const ipOrNone = z.unknown().superRefine((value, ctx) => {
  if (value === null) return;
  if (typeof value !== 'string' || !isIPv4(value)) {
    ctx.addIssue({ code: 'custom', message: `'${pyStr(value)}' is not a valid IP address` });
  }
});

const floatingIpSchema = z.object({
  // Network ids are checked in the handler: a name or a stray id gets Neutron's own answer there.
  floating_network_id: z.unknown().optional(),
  floating_ip_address: ipOrNone.optional(),
  subnet_id: uuid(true).optional(),
  port_id: uuid(true).optional(),
  fixed_ip_address: ipOrNone.optional(),
  description: z
    .unknown()
    .superRefine((value, ctx) => {
      if (typeof value !== 'string') ctx.addIssue({ code: 'custom', message: notAString(value) });
    })
    .optional(),
  tenant_id: z.unknown().optional(),
  project_id: z.unknown().optional(),
});

/** Neutron's checks before it associates a floating IP with a port (l3_db._internal_fip_assoc_data). */
function portForAssociation(
  state: Readonly<CloudState>,
  fip: FloatingIp,
  portId: string,
  fixedIp: string | undefined,
): Port {
  const port = state.ports.find((p) => p.id === portId && p.projectId === fip.projectId);
  if (!port) throw portNotFound(portId);
  if (fixedIp !== undefined && fixedIp !== port.fixedIp) {
    throw resourceBadRequest('floatingip', `Port ${port.id} does not have fixed ip ${fixedIp}`);
  }
  const external = state.networks.find((n) => n.external);
  const portNetwork = state.networks.find((n) => n.id === port.networkId);
  if (portNetwork?.external) {
    throw neutronFault(
      404,
      'ExternalGatewayForFloatingIPNotFound',
      `External network ${external?.id ?? ''} is not reachable from subnet ${portNetwork.subnetId}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`,
    );
  }
  const other = state.floatingIps.find((f) => f.portId === port.id && f.id !== fip.id);
  if (other) {
    throw neutronFault(
      409,
      'FloatingIPPortAlreadyAssociated',
      `Cannot associate floating IP ${fip.address} (${fip.id}) with port ${port.id} using fixed IP ${port.fixedIp}, as that fixed IP already has a floating IP on external network ${external?.id ?? ''}.`,
    );
  }
  return port;
}

export const floatingIpRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints, runtime, now } = deps;

  const visible = (state: Readonly<CloudState>, projectId: string) =>
    state.floatingIps.filter((f) => f.projectId === projectId);

  app.get<{ Querystring: Query }>('/v2.0/floatingips', async (request) => {
    const state = store.read();
    return listResponse({
      items: visible(state, projectOf(request)).map((f) => floatingIpView(state, f)),
      query: request.query,
      collection: 'floatingips',
      url: `${endpoints.network}/v2.0/floatingips`,
    });
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/floatingips/:id', async (request) => {
    const state = store.read();
    const fip = visible(state, projectOf(request)).find((f) => f.id === request.params.id);
    if (!fip) throw floatingIpNotFound(request.params.id);
    return showResponse('floatingip', floatingIpView(state, fip), request.query);
  });

  app.post('/v2.0/floatingips', async (request, reply) => {
    const caller = projectOf(request);
    const body = parseResource({
      body: request.body,
      resource: 'floatingip',
      attributes: ATTRIBUTES,
      schema: floatingIpSchema,
      method: 'POST',
      projectId: caller,
    });
    const view = store.update((state) => {
      const networkId = body.floating_network_id;
      const network = visibleNetworks(state, caller).find((n) => n.id === networkId);
      if (!network) {
        if (typeof networkId !== 'string' || !isUuidLike(networkId)) {
          throw neutronFault(
            400,
            'HTTPBadRequest',
            `Invalid input for floating_network_id. Reason: '${pyStr(networkId)}' is not a valid UUID.`,
          );
        }
      }
      checkQuota(state, caller, { floatingip: 1 });
      if (!network) throw networkNotFound(networkId as string);
      if (!network.external) {
        throw resourceBadRequest('floatingip', `Network ${network.id} is not a valid external network`);
      }
      if (body.subnet_id && body.subnet_id !== network.subnetId) {
        throw invalidInput(
          `Failed to create port on network ${network.id}, because fixed_ips included invalid subnet ${body.subnet_id}`,
        );
      }
      if (body.fixed_ip_address && !body.port_id) {
        throw resourceBadRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
      }
      const address = (body.floating_ip_address as string | null | undefined) ?? undefined;
      const allocation = allocateFloatingIp(state, { projectId: caller, now: now(), address });
      if (!allocation.ok) {
        switch (allocation.reason) {
          case 'quota':
            throw overQuota(['floatingip']);
          case 'address-taken':
            throw neutronFault(
              409,
              'IpAddressAlreadyAllocated',
              `IP address ${address} already allocated in subnet ${network.subnetId}`,
            );
          case 'address-invalid':
            throw neutronFault(
              400,
              'InvalidIpForNetwork',
              `IP address ${address} is not a valid IP for any of the subnets on the specified network.`,
            );
          default:
            throw neutronFault(
              409,
              'IpAddressGenerationFailure',
              `No more IP addresses available on network ${network.id}.`,
            );
        }
      }
      const fip = allocation.floatingIp;
      if (typeof body.port_id === 'string') {
        const fixedIp = (body.fixed_ip_address as string | null | undefined) ?? undefined;
        associateFloatingIp(fip, portForAssociation(state, fip, body.port_id, fixedIp));
      }
      return floatingIpView(state, fip);
    });
    runtime.refreshNetwork();
    return reply.code(201).send({ floatingip: view });
  });

  app.put<{ Params: { id: string } }>('/v2.0/floatingips/:id', async (request) => {
    const caller = projectOf(request);
    const body = parseResource({
      body: request.body,
      resource: 'floatingip',
      attributes: ATTRIBUTES,
      schema: floatingIpSchema,
      method: 'PUT',
      projectId: caller,
    });
    const view = store.update((state) => {
      const fip = visible(state, caller).find((f) => f.id === request.params.id);
      if (!fip) throw floatingIpNotFound(request.params.id);
      if (body.fixed_ip_address && !body.port_id) {
        throw resourceBadRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
      }
      if (typeof body.port_id === 'string') {
        const fixedIp = (body.fixed_ip_address as string | null | undefined) ?? undefined;
        associateFloatingIp(fip, portForAssociation(state, fip, body.port_id, fixedIp));
      } else if (body.port_id === null) {
        disassociateFloatingIp(fip);
      }
      return floatingIpView(state, fip);
    });
    runtime.refreshNetwork();
    return { floatingip: view };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/floatingips/:id', async (request, reply) => {
    const caller = projectOf(request);
    store.update((state) => {
      const fip = visible(state, caller).find((f) => f.id === request.params.id);
      if (!fip) throw floatingIpNotFound(request.params.id);
      state.floatingIps = state.floatingIps.filter((f) => f.id !== fip.id);
    });
    runtime.refreshNetwork();
    return reply.code(204).send();
  });
};
