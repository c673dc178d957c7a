// Networks, read-only: the cloud has devstack's two, `private` (10.S.0.0/24, shared by every
// project, as a provider network) and the external `public` (the floating range). The OSC finds `public` with
// `GET /v2.0/networks/public` (404) then `?name=public`; libcloud lists pools with
// `?router:external=True&fields=id&fields=name`.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import type { CloudState, Network } from '../../state.ts';
import { cloudEpoch, listResponse, networkNotFound, projectOf, type Query, showResponse } from './common.ts';

/** A project sees its own networks, the shared ones and every external one (Neutron's policy). */
export function visibleNetworks(state: Readonly<CloudState>, projectId: string): Network[] {
  return state.networks.filter((n) => n.projectId === projectId || n.external || n.shared === true);
}

export function networkView(state: Readonly<CloudState>, network: Network) {
  const time = cloudEpoch(state);
  return {
    id: network.id,
    name: network.name,
    tenant_id: network.projectId,
    project_id: network.projectId,
    admin_state_up: true,
    mtu: 1500,
    status: 'ACTIVE',
    subnets: [network.subnetId],
    shared: network.shared === true,
    availability_zone_hints: [],
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': network.external,
    description: '',
    port_security_enabled: true,
    is_default: network.external,
    l2_adjacency: true,
    qos_policy_id: null,
    tags: [],
    created_at: time,
    updated_at: time,
    revision_number: 1,
  };
}

export const networkRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints } = deps;

  app.get<{ Querystring: Query }>('/v2.0/networks', async (request) => {
    const state = store.read();
    return listResponse({
      items: visibleNetworks(state, projectOf(request)).map((n) => networkView(state, n)),
      query: request.query,
      collection: 'networks',
      url: `${endpoints.network}/v2.0/networks`,
    });
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/networks/:id', async (request) => {
    const state = store.read();
    const network = visibleNetworks(state, projectOf(request)).find((n) => n.id === request.params.id);
    if (!network) throw networkNotFound(request.params.id);
    return showResponse('network', networkView(state, network), request.query);
  });
};
