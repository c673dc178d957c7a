// Floating IPs, Neutron's view of the records Nova's os-floating-ips proxy also serves. A translation
// over model/floating-ips.ts (allocation from the external network `public`, 127.S.2.x, association
// with a server's port, release): this file parses Neutron's bodies, resolves the network, calls the
// model and words its refusals as Neutron does; the forwarders follow via refreshNetwork().
//   POST /v2.0/floatingips {floatingip: {floating_network_id[, port_id]}} → 201
//   PUT  /v2.0/floatingips/{id} {floatingip: {port_id | null}}            → 200
import { isIPv4 } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ProviderDeps } from '../../contracts.ts';
import {
  allocateFloatingIp,
  associateFloatingIp,
  disassociateFloatingIp,
  findFloatingIp,
  projectFloatingIps,
  releaseFloatingIp,
} from '../../model/floating-ips.ts';
import { quotaRefusal } from '../../model/quotas.ts';
import { type Refusal, valueOr } from '../../model/refusals.ts';
import type { CloudState, FloatingIp, Network } from '../../state.ts';
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

/** A model refusal about a floating IP in Neutron's words (`network` for allocation refusals). */
function floatingIpRefusal(state: Readonly<CloudState>, refusal: Refusal, network?: Network): Error {
  const external = state.networks.find((n) => n.external);
  switch (refusal.kind) {
    case 'not-found':
      return refusal.resource === 'port' ? portNotFound(refusal.id) : floatingIpNotFound(refusal.id);
    case 'quota':
      return overQuota(refusal.resources);
    case 'fixed-ip-not-on-port':
      return resourceBadRequest(
        'floatingip',
        `Port ${refusal.portId} does not have fixed ip ${refusal.fixedIp}`,
      );
    case 'port-on-external-network': {
      const port = state.ports.find((p) => p.id === refusal.portId);
      const subnet = state.networks.find((n) => n.id === port?.networkId)?.subnetId ?? '';
      return neutronFault(
        404,
        'ExternalGatewayForFloatingIPNotFound',
        `External network ${external?.id ?? ''} is not reachable from subnet ${subnet}.  Therefore, cannot associate Port ${refusal.portId} with a Floating IP.`,
      );
    }
    case 'port-has-floating-ip': {
      const port = state.ports.find((p) => p.id === refusal.portId);
      const fip = state.floatingIps.find((f) => f.id === refusal.floatingIpId);
      return neutronFault(
        409,
        'FloatingIPPortAlreadyAssociated',
        `Cannot associate floating IP ${fip?.address ?? ''} (${refusal.floatingIpId}) with port ${refusal.portId} using fixed IP ${port?.fixedIp ?? ''}, as that fixed IP already has a floating IP on external network ${external?.id ?? ''}.`,
      );
    }
    case 'not-external':
      return resourceBadRequest('floatingip', `Network ${refusal.networkId} is not a valid external network`);
    case 'address-taken':
      return neutronFault(
        409,
        'IpAddressAlreadyAllocated',
        `IP address ${refusal.address} already allocated in subnet ${network?.subnetId ?? ''}`,
      );
    case 'address-invalid':
      return neutronFault(
        400,
        'InvalidIpForNetwork',
        `IP address ${refusal.address} is not a valid IP for any of the subnets on the specified network.`,
      );
    case 'pool-exhausted':
      return neutronFault(
        409,
        'IpAddressGenerationFailure',
        `No more IP addresses available on network ${refusal.networkId}.`,
      );
    default:
      return neutronFault(409, 'HTTPConflict', `The floating IP change was refused (${refusal.kind}).`);
  }
}

export const floatingIpRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints, runtime, now } = deps;

  app.get<{ Querystring: Query }>('/v2.0/floatingips', async (request) => {
    const state = store.read();
    return listResponse({
      items: projectFloatingIps(state, projectOf(request)).map((f) => floatingIpView(state, f)),
      query: request.query,
      collection: 'floatingips',
      url: `${endpoints.network}/v2.0/floatingips`,
    });
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/floatingips/:id', async (request) => {
    const state = store.read();
    const fip = findFloatingIp(state, projectOf(request), request.params.id);
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
      // Neutron's API layer reserves quota before the plugin looks at the network.
      const overQuotaNow = quotaRefusal(state, caller, { floatingip: 1 });
      if (overQuotaNow) throw floatingIpRefusal(state, overQuotaNow);
      if (!network) throw networkNotFound(networkId as string);
      if (!network.external) throw floatingIpRefusal(state, { kind: 'not-external', networkId: network.id });
      if (body.subnet_id && body.subnet_id !== network.subnetId) {
        throw invalidInput(
          `Failed to create port on network ${network.id}, because fixed_ips included invalid subnet ${body.subnet_id}`,
        );
      }
      if (body.fixed_ip_address && !body.port_id) {
        throw resourceBadRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
      }
      const address = (body.floating_ip_address as string | null | undefined) ?? undefined;
      const refused = (refusal: Refusal) => floatingIpRefusal(state, refusal, network);
      let fip = valueOr(
        allocateFloatingIp(state, { projectId: caller, network, now: now(), address }),
        refused,
      );
      if (typeof body.port_id === 'string') {
        const fixedIp = (body.fixed_ip_address as string | null | undefined) ?? undefined;
        fip = valueOr(
          associateFloatingIp(state, {
            projectId: caller,
            floatingIpId: fip.id,
            portId: body.port_id,
            fixedIp,
          }),
          refused,
        );
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
      const floatingIpId = request.params.id;
      let fip = findFloatingIp(state, caller, floatingIpId);
      if (!fip) throw floatingIpNotFound(floatingIpId);
      if (body.fixed_ip_address && !body.port_id) {
        throw resourceBadRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
      }
      const refused = (refusal: Refusal) => floatingIpRefusal(state, refusal);
      if (typeof body.port_id === 'string') {
        const fixedIp = (body.fixed_ip_address as string | null | undefined) ?? undefined;
        fip = valueOr(
          associateFloatingIp(state, { projectId: caller, floatingIpId, portId: body.port_id, fixedIp }),
          refused,
        );
      } else if (body.port_id === null) {
        fip = valueOr(disassociateFloatingIp(state, { projectId: caller, floatingIpId }), refused);
      }
      return floatingIpView(state, fip);
    });
    runtime.refreshNetwork();
    return { floatingip: view };
  });

  app.delete<{ Params: { id: string } }>('/v2.0/floatingips/:id', async (request, reply) => {
    const caller = projectOf(request);
    store.update((state) =>
      valueOr(releaseFloatingIp(state, { projectId: caller, id: request.params.id }), (refusal) =>
        floatingIpRefusal(state, refusal),
      ),
    );
    runtime.refreshNetwork();
    return reply.code(204).send();
  });
};
