// The Glance provider through the gateway's service app, over a seeded memory store.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/localcloud/auth.ts';
import type { CloudStore, NodeRuntime, ProviderDeps } from '../../src/localcloud/contracts.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { imageProvider } from '../../src/localcloud/providers/image/index.ts';
import { createMemoryStore, seedState, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');

const idleRuntime: NodeRuntime = {
  boot: () => {},
  stop: async () => {},
  start: async () => {},
  reboot: async () => {},
  destroy: async () => {},
  consoleOutput: () => '',
  refreshNetwork: () => {},
  close: async () => {},
};

let app: FastifyInstance;
let store: CloudStore;
let token: string;

beforeEach(async () => {
  store = createMemoryStore(seedState({ slot: 3 }));
  const deps: ProviderDeps = {
    store,
    runtime: idleRuntime,
    now: () => NOW,
    endpoints: {
      identity: 'http://127.0.0.1:5000',
      compute: 'http://127.0.0.1:8774/v2.1',
      network: 'http://127.0.0.1:9696',
      image: 'http://127.0.0.1:9292',
    },
  };
  app = buildServiceApp('image', imageProvider, deps);
  await app.ready();
  const state = store.read();
  token = issueToken(store, { userId: state.users[0]!.id, projectId: state.projects[0]!.id }, NOW).id;
});

afterEach(async () => {
  await app.close();
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } });

function addImages(count: number) {
  store.update((state) => {
    for (let i = 0; i < count; i++) {
      state.images.push({
        id: `00000000-0000-4000-8000-00000000000${i}`,
        name: `cirros-${i}`,
        createdAt: `2025-0${i + 1}-01T00:00:00Z`,
        minDisk: 1,
        minRam: 64,
        size: 16_000_000,
      });
    }
  });
}

function glanceError(response: { statusCode: number; json: () => unknown }) {
  const body = response.json() as { code: string; title: string; message: string };
  return { status: response.statusCode, ...body };
}

describe('version discovery', () => {
  it('answers GET / with 300 and GET /versions with 200, both without a token', async () => {
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(300);
    expect(root.headers['content-type']).toMatch(/^application\/json/);
    const versions = root.json().versions as {
      id: string;
      status: string;
      links: { rel: string; href: string }[];
    }[];
    expect(versions[0]).toEqual({
      id: 'v2.16',
      status: 'CURRENT',
      links: [{ rel: 'self', href: 'http://127.0.0.1:9292/v2/' }],
    });
    // keystoneauth skips ids it cannot parse as numbers, so every id is v2.<n>.
    for (const version of versions) expect(version.id).toMatch(/^v2\.\d+$/);
    const explicit = await app.inject({ method: 'GET', url: '/versions' });
    expect(explicit.statusCode).toBe(200);
    expect(explicit.json()).toEqual(root.json());
  });

  it('wants a token for the images', async () => {
    const response = await app.inject({ method: 'GET', url: '/v2/images' });
    expect(response.statusCode).toBe(401);
  });
});

describe('images', () => {
  it('lists the seeded image with the fields clients read', async () => {
    const response = await get('/v2/images');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.first).toBe('/v2/images');
    expect(body.schema).toBe('/v2/schemas/images');
    expect(body.next).toBeUndefined();
    expect(body.images).toHaveLength(1);
    const image = body.images[0];
    expect(image).toMatchObject({
      id: UBUNTU_IMAGE_ID,
      name: 'ubuntu-22.04',
      status: 'active',
      visibility: 'public',
      protected: false,
      min_disk: 0,
      min_ram: 0,
      disk_format: 'qcow2',
      container_format: 'bare',
      size: 668_991_488,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      tags: [],
      self: `/v2/images/${UBUNTU_IMAGE_ID}`,
      file: `/v2/images/${UBUNTU_IMAGE_ID}/file`,
      schema: '/v2/schemas/image',
      owner: store.read().projects[0]!.id,
    });
    expect(image.checksum).toMatch(/^[0-9a-f]{32}$/);
  });

  it('shows an image by id, and answers a name in the path with Glance’s 404', async () => {
    const shown = await get(`/v2/images/${UBUNTU_IMAGE_ID}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json().name).toBe('ubuntu-22.04');
    expect(glanceError(await get('/v2/images/ubuntu-22.04'))).toEqual({
      status: 404,
      code: '404 Not Found',
      title: 'Not Found',
      message: 'No image found with ID ubuntu-22.04<br /><br />\n\n\n',
    });
  });

  it('filters by name, as the OSC does after the 404', async () => {
    addImages(2);
    const response = await get('/v2/images?name=ubuntu-22.04');
    expect(response.json().images.map((i: { id: string }) => i.id)).toEqual([UBUNTU_IMAGE_ID]);
    expect(response.json().first).toBe('/v2/images?name=ubuntu-22.04');
    expect((await get('/v2/images?name=nothing')).json().images).toEqual([]);
  });

  it('takes os_hidden and protected in any case, as the OSC sends os_hidden=True', async () => {
    const byName = await get('/v2/images?name=no-such-image&os_hidden=True');
    expect(byName.statusCode).toBe(200);
    expect(byName.json().images).toEqual([]);
    expect((await get('/v2/images?os_hidden=False')).json().images.map((i: { id: string }) => i.id)).toEqual([
      UBUNTU_IMAGE_ID,
    ]);
    expect((await get('/v2/images?protected=FALSE')).statusCode).toBe(200);
    expect(glanceError(await get('/v2/images?os_hidden=yes'))).toMatchObject({ status: 400 });
  });

  it('pages newest first with limit, marker and a next link while pages are full', async () => {
    addImages(2);
    const firstPage = (await get('/v2/images?limit=2')).json();
    expect(firstPage.images.map((i: { name: string }) => i.name)).toEqual(['cirros-1', 'cirros-0']);
    expect(firstPage.next).toBe(`/v2/images?limit=2&marker=${firstPage.images[1].id}`);
    const secondPage = (await get(firstPage.next)).json();
    expect(secondPage.images.map((i: { name: string }) => i.name)).toEqual(['ubuntu-22.04']);
    expect(secondPage.next).toBeUndefined();
  });

  it('refuses a bad limit or an unknown marker with 400', async () => {
    expect(glanceError(await get('/v2/images?limit=ten'))).toMatchObject({
      status: 400,
      code: '400 Bad Request',
      message: 'limit param must be an integer<br /><br />\n\n\n',
    });
    expect(glanceError(await get('/v2/images?limit=-1'))).toMatchObject({
      status: 400,
      message: 'limit param must be positive<br /><br />\n\n\n',
    });
    expect(glanceError(await get('/v2/images?marker=nope'))).toMatchObject({
      status: 400,
      message: 'No image found with ID nope<br /><br />\n\n\n',
    });
  });
});
