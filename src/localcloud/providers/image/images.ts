// Glance v2 images, read-only: the cloud's images, all public and active. The OSC finds an image by
// `GET /v2/images/<name>` (which must be a 404) and then `?name=`; libcloud's 2.x driver pages
// with the `next` link, which Glance sets whenever a page is full.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { glanceError, OpenStackError } from '../../errors.ts';
import type { CloudState, Image } from '../../state.ts';

/** Glance's limit_param_default and api_limit_max. */
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

/** webob's JSON error body, as Glance sends it for `HTTPNotFound(explanation=…)` and the like. */
function glanceFault(statusCode: number, explanation: string): OpenStackError {
  return new OpenStackError(glanceError(statusCode, `${explanation}<br /><br />\n\n\n`));
}

const glanceTime = (iso: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19)}Z`;
};

const digest = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');

/** A public image belongs to the cloud's first project, as devstack's belong to `admin`. */
function ownerOf(state: Readonly<CloudState>): string | null {
  return state.projects[0]?.id ?? null;
}

export function imageView(state: Readonly<CloudState>, image: Image) {
  const time = glanceTime(image.createdAt);
  return {
    id: image.id,
    name: image.name,
    status: 'active',
    visibility: 'public',
    protected: false,
    os_hidden: false,
    min_disk: image.minDisk,
    min_ram: image.minRam,
    disk_format: 'qcow2',
    container_format: 'bare',
    size: image.size,
    virtual_size: null,
    // No bytes behind these images; the digests only need to be stable and well-formed.
    checksum: digest('md5', image.id),
    os_hash_algo: 'sha512',
    os_hash_value: digest('sha512', image.id),
    owner: ownerOf(state),
    tags: [],
    created_at: time,
    updated_at: time,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

type Query = Record<string, string | string[] | undefined>;

const first = (query: Query, key: string): string | undefined => {
  const value = query[key];
  return Array.isArray(value) ? value[0] : value;
};

/** Filters Glance applies to image attributes; other parameters are ignored. */
const FILTERS: Record<string, (view: ReturnType<typeof imageView>, value: string) => boolean> = {
  name: (v, value) => v.name === value,
  id: (v, value) => v.id === value,
  status: (v, value) => v.status === value.toLowerCase(),
  visibility: (v, value) => value === 'all' || v.visibility === value,
  disk_format: (v, value) => v.disk_format === value,
  container_format: (v, value) => v.container_format === value,
  owner: (v, value) => v.owner === value,
  checksum: (v, value) => v.checksum === value,
  tag: () => false,
  // Glance lower-cases these (the openstack CLI sends os_hidden=True).
  protected: (v, value) => String(v.protected) === value.toLowerCase(),
  os_hidden: (v, value) => String(v.os_hidden) === value.toLowerCase(),
};

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^-?\d+$/.test(text.trim())) throw glanceFault(400, 'limit param must be an integer');
  const limit = Number(text);
  if (limit < 0) throw glanceFault(400, 'limit param must be positive');
  return Math.min(limit, MAX_LIMIT);
}

export const imageRoutes: FastifyPluginAsync<ProviderDeps> = async (app, deps) => {
  const { store } = deps;

  app.get<{ Querystring: Query }>('/v2/images', async (request) => {
    const state = store.read();
    const query = request.query;
    for (const key of ['protected', 'os_hidden']) {
      const value = first(query, key);
      if (value !== undefined && !['true', 'false'].includes(value.toLowerCase())) {
        throw glanceFault(
          400,
          `Invalid value '${value}' for '${key}' filter. Valid values are 'true' or 'false'.`,
        );
      }
    }
    const limit = parseLimit(first(query, 'limit'));
    // Newest first, as Glance sorts by default (created_at desc, then id desc).
    let views = [...state.images]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .map((image) => imageView(state, image));
    for (const [key, test] of Object.entries(FILTERS)) {
      const value = first(query, key);
      if (value !== undefined) views = views.filter((v) => test(v, value));
    }
    if (first(query, 'os_hidden') === undefined) views = views.filter((v) => !v.os_hidden);
    const marker = first(query, 'marker');
    if (marker !== undefined) {
      const at = views.findIndex((v) => v.id === marker);
      if (at < 0) throw glanceFault(400, `No image found with ID ${marker}`);
      views = views.slice(at + 1);
    }
    const page = views.slice(0, limit);
    // Glance's serializer: `first` without the marker, `next` whenever the page is full.
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (key === 'marker' || value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
    }
    const rest = params.toString();
    const body: Record<string, unknown> = {
      images: page,
      first: rest ? `/v2/images?${rest}` : '/v2/images',
      schema: '/v2/schemas/images',
    };
    const last = page.at(-1);
    if (last && page.length === limit) {
      params.set('marker', last.id);
      body.next = `/v2/images?${params.toString()}`;
    }
    return body;
  });

  app.get<{ Params: { id: string } }>('/v2/images/:id', async (request) => {
    const state = store.read();
    const image = state.images.find((i) => i.id === request.params.id);
    if (!image) throw glanceFault(404, `No image found with ID ${request.params.id}`);
    return imageView(state, image);
  });
};
