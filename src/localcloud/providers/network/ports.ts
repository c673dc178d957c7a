// Ports, read-only: the model (model/servers-network.ts) gives each server a port on `private` (10.S.0.x) and one on
// `public` (its 127.S.1.x loopback address). The OSC attaches a floating IP with
// `GET /v2.0/ports?device_id=<server>`, then `PUT /v2.0/floatingips/{id} {port_id}` port by port
// until one is accepted (the public one is refused with a 404, as Neutron refuses a port on the
// external network).
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { findPort, projectPorts } from '../../model/ports.ts';
import type { CloudState, Port } from '../../state.ts';
import {
  listResponse,
  neutronTime,
  portNotFound,
  projectOf,
  type Query,
  queryValues,
  showResponse,
} from './common.ts';

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
    let items = projectPorts(state, caller).map((p) => portView(state, p));
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
    const port = findPort(state, projectOf(request), request.params.id);
    if (!port) throw portNotFound(request.params.id);
    return showResponse('port', portView(state, port), request.query);
  });
};
