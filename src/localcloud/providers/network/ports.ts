// Ports, read-only: each server's interface on `private`, created by the compute provider when it
// boots a server (createServerPort below). The OSC attaches a floating IP with
// `GET /v2.0/ports?device_id=<server>` and then `PUT /v2.0/floatingips/{id} {port_id}`.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import type { CloudState, Port, Server } from '../../state.ts';
import {
  listResponse,
  neutronTime,
  portNotFound,
  projectOf,
  type Query,
  queryValues,
  showResponse,
} from './common.ts';

/** Nova's (and devstack's) MAC prefix for instance ports. */
const MAC_PREFIX = 'fa:16:3e';

/**
 * Records a new port for `server` on the project's non-external network, with the server's fixed
 * address. For the compute provider, inside its store.update() when it creates a server.
 */
export function createServerPort(state: CloudState, server: Server): Port {
  const network =
    state.networks.find((n) => !n.external && n.projectId === server.projectId) ??
    state.networks.find((n) => !n.external);
  if (!network) throw new Error('The cloud has no private network to put the server on.');
  const mac = `${MAC_PREFIX}:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const port: Port = {
    id: randomUUID(),
    networkId: network.id,
    deviceId: server.id,
    macAddress: mac,
    fixedIp: server.fixedIp,
    projectId: server.projectId,
  };
  state.ports.push(port);
  return port;
}

/** The server's port on a non-external network (the one floating IPs attach to). */
export function serverPort(state: Readonly<CloudState>, serverId: string): Port | undefined {
  const external = new Set(state.networks.filter((n) => n.external).map((n) => n.id));
  return state.ports.find((p) => p.deviceId === serverId && !external.has(p.networkId));
}

export function portView(state: Readonly<CloudState>, port: Port) {
  const server = state.servers.find((s) => s.id === port.deviceId);
  const network = state.networks.find((n) => n.id === port.networkId);
  const time = neutronTime(server?.createdAt ?? new Date(0).toISOString());
  return {
    id: port.id,
    name: '',
    network_id: port.networkId,
    tenant_id: port.projectId,
    project_id: port.projectId,
    mac_address: port.macAddress,
    admin_state_up: true,
    // A port is up while its instance runs (the hypervisor unplugs it when the instance stops).
    status: server?.status === 'ACTIVE' ? 'ACTIVE' : 'DOWN',
    device_id: port.deviceId,
    device_owner: 'compute:nova',
    fixed_ips: [{ subnet_id: network?.subnetId ?? '', ip_address: port.fixedIp }],
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    security_groups: server?.securityGroupIds ?? [],
    description: '',
    'binding:vnic_type': 'normal',
    port_security_enabled: true,
    dns_name: '',
    dns_assignment: [],
    qos_policy_id: null,
    qos_network_policy_id: null,
    propagate_uplink_status: false,
    tags: [],
    created_at: time,
    updated_at: time,
    revision_number: 1,
  };
}

/** `fixed_ips=ip_address=10.0.0.3` / `fixed_ips=subnet_id=…`, as the OSC's `port list --fixed-ip` sends them. */
function fixedIpsFilter(wanted: string[]) {
  const conditions = wanted.map((w) => {
    const [key = '', value = ''] = w.split('=', 2);
    return { key, value };
  });
  return (view: ReturnType<typeof portView>) =>
    conditions.every(({ key, value }) =>
      view.fixed_ips.some((ip) =>
        key === 'ip_address'
          ? ip.ip_address === value
          : key === 'subnet_id'
            ? ip.subnet_id === value
            : key === 'ip_address_substr'
              ? ip.ip_address.includes(value)
              : true,
      ),
    );
}

export const portRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints } = deps;

  app.get<{ Querystring: Query }>('/v2.0/ports', async (request) => {
    const state = store.read();
    const caller = projectOf(request);
    let items = state.ports.filter((p) => p.projectId === caller).map((p) => portView(state, p));
    const fixedIps = queryValues(request.query, 'fixed_ips');
    if (fixedIps.length > 0) items = items.filter(fixedIpsFilter(fixedIps));
    return listResponse({
      items,
      query: request.query,
      collection: 'ports',
      url: `${endpoints.network}/v2.0/ports`,
      handled: ['fixed_ips'],
    });
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/ports/:id', async (request) => {
    const state = store.read();
    const port = state.ports.find((p) => p.id === request.params.id && p.projectId === projectOf(request));
    if (!port) throw portNotFound(request.params.id);
    return showResponse('port', portView(state, port), request.query);
  });
};
