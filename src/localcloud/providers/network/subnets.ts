// Subnets, read-only: one per network, derived from the network's CIDR (gateway .1, pool .2–.254,
// as Neutron lays a subnet out by default).
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import type { CloudState, Network } from '../../state.ts';
import { cloudEpoch, listResponse, projectOf, type Query, showResponse, subnetNotFound } from './common.ts';
import { visibleNetworks } from './networks.ts';

/** Dotted quad ⇄ number, for the subnet's gateway and allocation pool. */
const toNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** Gateway and allocation pool of an IPv4 CIDR, as Neutron derives them by default. */
export function subnetLayout(cidr: string): { gateway: string; start: string; end: string } {
  const [base = '0.0.0.0', bits = '24'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = toNumber(base) - (toNumber(base) % size);
  return { gateway: toIp(first + 1), start: toIp(first + 2), end: toIp(first + size - 2) };
}

export function subnetView(state: Readonly<CloudState>, network: Network) {
  const time = cloudEpoch(state);
  const { gateway, start, end } = subnetLayout(network.cidr);
  return {
    id: network.subnetId,
    name: `${network.name}-subnet`,
    tenant_id: network.projectId,
    project_id: network.projectId,
    network_id: network.id,
    ip_version: 4,
    subnetpool_id: null,
    enable_dhcp: !network.external,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    gateway_ip: gateway,
    cidr: network.cidr,
    allocation_pools: [{ start, end }],
    host_routes: [],
    dns_nameservers: [],
    description: '',
    service_types: [],
    dns_publish_fixed_ip: false,
    tags: [],
    created_at: time,
    updated_at: time,
    revision_number: 0,
  };
}

export const subnetRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store, endpoints } = deps;

  app.get<{ Querystring: Query }>('/v2.0/subnets', async (request) => {
    const state = store.read();
    return listResponse({
      items: visibleNetworks(state, projectOf(request)).map((n) => subnetView(state, n)),
      query: request.query,
      collection: 'subnets',
      url: `${endpoints.network}/v2.0/subnets`,
    });
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/v2.0/subnets/:id', async (request) => {
    const state = store.read();
    const network = visibleNetworks(state, projectOf(request)).find((n) => n.subnetId === request.params.id);
    if (!network) throw subnetNotFound(request.params.id);
    return showResponse('subnet', subnetView(state, network), request.query);
  });
};
