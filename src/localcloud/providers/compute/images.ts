// /images: Nova's image proxy (deprecated in Nova, still what the guide's libcloud code and
// pkgcloud call), over the same images Glance's view serves.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import type { CloudState, Image } from '../../state.ts';
import { isoTime, notFound, selfAndBookmark } from './context.ts';

type Query = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function links(image: Image, endpoints: ProviderDeps['endpoints']) {
  return [
    ...selfAndBookmark(endpoints, 'images', image.id),
    {
      rel: 'alternate',
      type: 'application/vnd.openstack.image',
      href: `${endpoints.image.replace(/\/+$/, '')}/images/${image.id}`,
    },
  ];
}

export function imageDetail(image: Image, endpoints: ProviderDeps['endpoints']) {
  return {
    id: image.id,
    name: image.name,
    minRam: image.minRam,
    minDisk: image.minDisk,
    metadata: {},
    created: isoTime(image.createdAt),
    updated: isoTime(image.createdAt),
    // libcloud drops images that are not ACTIVE.
    status: 'ACTIVE',
    progress: 100,
    'OS-EXT-IMG-SIZE:size': image.size,
    links: links(image, endpoints),
  };
}

/** Nova passes name and status filters to Glance; everything here is active. */
function listImages(state: Readonly<CloudState>, query: Query): Image[] {
  let images = [...state.images];
  const name = first(query.name);
  if (name !== undefined) images = images.filter((i) => i.name === name);
  const status = first(query.status);
  if (status !== undefined && status.toUpperCase() !== 'ACTIVE') images = [];
  const limit = first(query.limit);
  if (limit !== undefined && /^[0-9]+$/.test(limit)) images = images.slice(0, Number(limit));
  return images;
}

export const imageRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store, endpoints }) => {
  app.get('/images', async (request) => ({
    images: listImages(store.read(), request.query as Query).map((i) => ({
      id: i.id,
      name: i.name,
      links: links(i, endpoints),
    })),
  }));

  app.get('/images/detail', async (request) => ({
    images: listImages(store.read(), request.query as Query).map((i) => imageDetail(i, endpoints)),
  }));

  app.get<{ Params: { id: string } }>('/images/:id', async (request) => {
    const image = store.read().images.find((i) => i.id === request.params.id);
    if (!image) throw notFound('Image not found.');
    return { image: imageDetail(image, endpoints) };
  });
};
