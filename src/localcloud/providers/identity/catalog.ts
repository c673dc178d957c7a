// The service catalog, in Keystone v3's and v2.0's formats. Clients are strict about it (spec §2):
// libcloud filters on the service name as well as the type and refuses more than one public endpoint
// per region; pkgcloud keys services by name. So: exactly nova, neutron, glance and keystone, one
// public endpoint each, in RegionOne.
import { createHash } from 'node:crypto';
import type { Endpoints } from '../../contracts.ts';

export const REGION = 'RegionOne';

export interface CatalogService {
  type: 'compute' | 'network' | 'image' | 'identity';
  name: 'nova' | 'neutron' | 'glance' | 'keystone';
  url: string;
}

/** Ids that stay the same across restarts and token requests, as a real catalog's do. */
export function stableId(label: string): string {
  return createHash('sha256').update(`faafo-localcloud:${label}`).digest('hex').slice(0, 32);
}

export function catalogServices(endpoints: Endpoints, identityVersion: 'v3' | 'v2.0'): CatalogService[] {
  return [
    { type: 'compute', name: 'nova', url: endpoints.compute },
    { type: 'network', name: 'neutron', url: endpoints.network },
    { type: 'image', name: 'glance', url: endpoints.image },
    { type: 'identity', name: 'keystone', url: `${endpoints.identity}/${identityVersion}` },
  ];
}

export function v3Catalog(endpoints: Endpoints) {
  return catalogServices(endpoints, 'v3').map((service) => ({
    id: stableId(`service:${service.name}`),
    type: service.type,
    name: service.name,
    endpoints: [
      {
        id: stableId(`endpoint:${service.name}:public`),
        interface: 'public',
        region: REGION,
        region_id: REGION,
        url: service.url,
      },
    ],
  }));
}

export function v2Catalog(endpoints: Endpoints) {
  return catalogServices(endpoints, 'v2.0').map((service) => ({
    type: service.type,
    name: service.name,
    endpoints: [
      {
        id: stableId(`endpoint:${service.name}:public`),
        region: REGION,
        publicURL: service.url,
        internalURL: service.url,
        adminURL: service.url,
      },
    ],
    endpoints_links: [],
  }));
}
