// /flavors: the cloud's flavors as Nova 2.1 shows them (views/flavors.py), sorted by id as Nova
// sorts them. Every flavor is public and enabled; none has extra specs.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import type { CloudState, Flavor } from '../../state.ts';
import { badRequest, notFound, selfAndBookmark } from './context.ts';

type Query = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function flavorDetail(flavor: Flavor, endpoints: ProviderDeps['endpoints']) {
  return {
    id: flavor.id,
    name: flavor.name,
    ram: flavor.ram,
    disk: flavor.disk,
    // At 2.1 a flavor without swap says "" (libcloud and pkgcloud read it so).
    swap: '',
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'OS-FLV-DISABLED:disabled': false,
    vcpus: flavor.vcpus,
    'os-flavor-access:is_public': true,
    rxtx_factor: 1.0,
    links: selfAndBookmark(endpoints, 'flavors', flavor.id),
  };
}

function integerFilter(query: Query, name: string): number | undefined {
  const value = first(query[name]);
  if (value === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(value.trim())) throw badRequest(`Invalid ${name} filter [${value}]`);
  return Number(value);
}

/** GET /flavors[/detail] with Nova's filters (minRam, minDisk) and paging (limit, marker). */
export function listFlavors(state: Readonly<CloudState>, query: Query): Flavor[] {
  const minRam = integerFilter(query, 'minRam');
  const minDisk = integerFilter(query, 'minDisk');
  let flavors = [...state.flavors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (minRam !== undefined) flavors = flavors.filter((f) => f.ram >= minRam);
  if (minDisk !== undefined) flavors = flavors.filter((f) => f.disk >= minDisk);
  const marker = first(query.marker);
  if (marker !== undefined) {
    const at = flavors.findIndex((f) => f.id === marker);
    if (at < 0) throw badRequest(`marker [${marker}] not found`);
    flavors = flavors.slice(at + 1);
  }
  const limit = first(query.limit);
  if (limit !== undefined && /^[0-9]+$/.test(limit)) flavors = flavors.slice(0, Number(limit));
  return flavors;
}

function findFlavor(state: Readonly<CloudState>, id: string): Flavor {
  const flavor = state.flavors.find((f) => f.id === id);
  if (!flavor) throw notFound(`Flavor ${id} could not be found.`);
  return flavor;
}

export const flavorRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, endpoints }) => {
  app.get('/flavors', async (request) => ({
    flavors: listFlavors(store.read(), request.query as Query).map((f) => ({
      id: f.id,
      name: f.name,
      links: selfAndBookmark(endpoints, 'flavors', f.id),
    })),
  }));

  app.get('/flavors/detail', async (request) => ({
    flavors: listFlavors(store.read(), request.query as Query).map((f) => flavorDetail(f, endpoints)),
  }));

  // The OSC looks a flavor up by name here first and expects the 404.
  app.get<{ Params: { id: string } }>('/flavors/:id', async (request) => ({
    flavor: flavorDetail(findFlavor(store.read(), request.params.id), endpoints),
  }));

  app.get<{ Params: { id: string } }>('/flavors/:id/os-extra_specs', async (request) => {
    findFlavor(store.read(), request.params.id);
    return { extra_specs: {} };
  });

  app.get<{ Params: { id: string; key: string } }>('/flavors/:id/os-extra_specs/:key', async (request) => {
    findFlavor(store.read(), request.params.id);
    throw notFound(`Flavor ${request.params.id} has no extra specs with key ${request.params.key}.`);
  });
};
