// The API through fastify's inject(), on the real SQLite repository. The one test double is the
// task publisher (it records tasks, or fails like a broker that is down); the real broker path
// is covered end to end elsewhere.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApi } from '../../src/faafo/api/main.ts';
import { buildApi } from '../../src/faafo/api/server.ts';
import { type Config, defaults } from '../../src/faafo/config.ts';
import { openRepository } from '../../src/faafo/db/open.ts';
import type { FractalRepository } from '../../src/faafo/db/repository.ts';
import { openImageStore } from '../../src/faafo/images/open.ts';
import type { Task } from '../../src/faafo/model.ts';
import { QueueUnavailableError, type TaskPublisher } from '../../src/faafo/queue/publisher.ts';

/** Records what it publishes; `failWith` makes it fail like a broker that is down. */
class TestPublisher implements TaskPublisher {
  tasks: Task[] = [];
  failWith: Error | undefined;
  async publish(task: Task): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.tasks.push(task);
  }
  async close(): Promise<void> {}
}

function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...defaults({}, 'test-node'), ...overrides };
}

function png(width = 4, height = 3): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < image.data.length; i += 4) {
    image.data[i] = (i * 7) % 256;
    image.data[i + 1] = (i * 13) % 256;
    image.data[i + 2] = 128;
    image.data[i + 3] = 255;
  }
  return PNG.sync.write(image);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const params = { width: 64, height: 48, iterations: 128, xa: -1.5, xb: 1.5, ya: -0.75, yb: 0.75 };

/** Every error: the status, JSON `{message}`, and nothing that looks like a stack trace or a path. */
function expectError(res: LightMyRequestResponse, status: number, message?: string | RegExp): string {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as { message: unknown };
  expect(Object.keys(body)).toEqual(['message']);
  expect(typeof body.message).toBe('string');
  expect(res.body).not.toMatch(/\n\s+at |\bat \S+ \(|\.ts:\d+|node_modules|\/work\//);
  if (message !== undefined) expect(body.message).toMatch(message);
  return body.message as string;
}

interface Harness {
  app: FastifyInstance;
  repo: FractalRepository;
  publisher: TestPublisher;
}

async function harness(options: { bodyLimit?: number } = {}): Promise<Harness> {
  const repo = await openRepository('sqlite:///:memory:');
  const config = testConfig();
  const publisher = new TestPublisher();
  const images = openImageStore('database', repo, config.imageDir);
  const app = buildApi({ config, repo, images, publisher, ...options });
  await app.ready();
  return { app, repo, publisher };
}

const post = (app: FastifyInstance, payload: unknown) =>
  app.inject({ method: 'POST', url: '/v1/fractal', payload: payload as object });
const put = (app: FastifyInstance, uuid: string, payload: unknown) =>
  app.inject({ method: 'PUT', url: `/v1/fractal/${uuid}`, payload: payload as object });

async function create(app: FastifyInstance, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await post(app, { ...params, uuid: randomUUID(), ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { uuid: string }).uuid;
}

/** What the worker sends: the original's PUT body. */
function report(uuid: string, image = png()) {
  return {
    uuid,
    duration: 0.25,
    image: image.toString('base64'),
    checksum: sha(image),
    size: image.length,
    generated_by: 'worker-1',
  };
}

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.app.close();
  await h.repo.close();
});

describe('GET /healthz', () => {
  it('is ok while the database answers, 503 JSON once it does not', async () => {
    const ok = await h.app.inject('/healthz');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok' });
    await h.repo.close();
    const down = await h.app.inject('/healthz');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/database/) });
  });
});

describe('POST /v1/fractal', () => {
  it('stores a pending fractal, publishes its task, then answers 201 with Location', async () => {
    const uuid = randomUUID();
    const res = await post(h.app, { ...params, uuid });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`/v1/fractal/${uuid}`);
    expect(res.json()).toEqual({
      uuid,
      ...params,
      checksum: null,
      url: null,
      duration: null,
      size: null,
      generated_by: null,
      state: 'pending',
      failure: null,
    });
    expect(h.publisher.tasks).toEqual([{ uuid, ...params }]);
  });

  it('generates a uuid v4 when the client sends none, and lower-cases one it sends', async () => {
    const res = await post(h.app, params);
    expect(res.statusCode).toBe(201);
    const { uuid } = res.json() as { uuid: string };
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const upper = randomUUID().toUpperCase();
    const res2 = await post(h.app, { ...params, uuid: upper });
    expect(res2.json()).toMatchObject({ uuid: upper.toLowerCase() });
    expect((await h.app.inject(`/v1/fractal/${upper}`)).statusCode).toBe(200);
  });

  it('refuses a duplicate uuid with 409 and publishes nothing for it', async () => {
    const uuid = await create(h.app);
    expectError(await post(h.app, { ...params, uuid }), 409, uuid);
    expect(h.publisher.tasks).toHaveLength(1);
  });

  it('refuses bodies that are not JSON, or not the right JSON', async () => {
    const raw = (payload: string, type?: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/fractal',
        payload,
        headers: type === undefined ? {} : { 'content-type': type },
      });
    expectError(await raw('{"width": 1,', 'application/json'), 400, /^Unable to decode data: /);
    expectError(await raw('', 'application/json'), 400, /^Unable to decode data/);
    expectError(await raw(JSON.stringify(params), 'text/plain'), 415, 'Content-Type: application/json');
    expectError(await raw(JSON.stringify(params), 'application/x-www-form-urlencoded'), 415);
    expectError(await raw(''), 415);
    expectError(await raw('[1, 2]', 'application/json'), 400, /object/);
    expectError(await raw('{"width": 1}', 'application/json; charset=utf-8'), 400, /height: is required/);
  });

  it('names the field and the problem', async () => {
    const bad = (patch: Record<string, unknown>) => post(h.app, { ...params, ...patch });
    expectError(await bad({ width: 0 }), 400, 'width: must be greater than 0');
    expectError(await bad({ width: 1e9 }), 400, 'width: must be at most 10000');
    expectError(await bad({ height: 10_001 }), 400, 'height: must be at most 10000');
    expectError(await bad({ iterations: 1_000_000 }), 400, 'iterations: must be at most 10000');
    expectError(await bad({ width: 2.5 }), 400, 'width: must be an integer');
    expectError(await bad({ width: -3 }), 400, 'width: must be greater than 0');
    expectError(await bad({ xa: 'abc' }), 400, 'xa: must be a number, not string "abc"');
    expectError(await bad({ yb: null }), 400, 'yb: must be a number, not null');
    expectError(await bad({ uuid: 'not-a-uuid' }), 400, /^uuid: must be a uuid/);
    expectError(await bad({ colour: 'red' }), 400, 'colour: unknown field');
    expectError(await bad({ state: 'done' }), 400, 'state: unknown field');
    const { xa: _, ...noXa } = params;
    expectError(await post(h.app, noXa), 400, 'xa: is required');
    expect(h.publisher.tasks).toEqual([]);
    expect((await h.app.inject('/v1/fractal')).json()).toMatchObject({ num_results: 0 });
  });

  it('answers 503 and leaves no orphan row when the queue is down', async () => {
    h.publisher.failWith = new QueueUnavailableError('connect ECONNREFUSED 127.0.0.1:5672');
    const uuid = randomUUID();
    const message = expectError(await post(h.app, { ...params, uuid }), 503);
    expect(message).toBe(
      'The task queue is unavailable: connect ECONNREFUSED 127.0.0.1:5672. Try again later.',
    );
    const list = await h.app.inject('/v1/fractal');
    expect(list.json()).toMatchObject({ num_results: 0, objects: [] });
    expectError(await h.app.inject(`/v1/fractal/${uuid}`), 404);
    // Once the queue is back, the same uuid can be created.
    h.publisher.failWith = undefined;
    expect((await post(h.app, { ...params, uuid })).statusCode).toBe(201);
  });

  it('hides an unexpected failure behind 500 "Internal server error", still without an orphan', async () => {
    h.publisher.failWith = new Error('boom at /srv/secret/path.ts:12 amqp://guest:hunter2@mq/');
    const res = await post(h.app, params);
    expect(expectError(res, 500)).toBe('Internal server error');
    expect(res.body).not.toContain('hunter2');
    expect((await h.app.inject('/v1/fractal')).json()).toMatchObject({ num_results: 0 });
  });
});

describe('GET /v1/fractal', () => {
  it('is empty with total_pages 0 and a Link to page 1', async () => {
    const res = await h.app.inject({ url: '/v1/fractal', headers: { host: 'api.example:8080' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ num_results: 0, objects: [], page: 1, total_pages: 0 });
    expect(res.headers.link).toBe(
      '<http://api.example:8080/v1/fractal?page=1&results_per_page=10>; rel="last"',
    );
  });

  it('pages as Flask-Restless did, ordered by uuid', async () => {
    const uuids: string[] = [];
    for (let i = 0; i < 23; i++) uuids.push(await create(h.app));
    uuids.sort();
    const page = async (query: string) => {
      const res = await h.app.inject({ url: `/v1/fractal${query}`, headers: { host: 'api' } });
      expect(res.statusCode).toBe(200);
      const body = res.json() as {
        num_results: number;
        objects: { uuid: string }[];
        page: number;
        total_pages: number;
      };
      return { ...body, uuids: body.objects.map((o) => o.uuid), link: res.headers.link };
    };

    const first = await page('');
    expect(first).toMatchObject({ num_results: 23, page: 1, total_pages: 3 });
    expect(first.uuids).toEqual(uuids.slice(0, 10));
    expect(first.link).toBe(
      '<http://api/v1/fractal?page=2&results_per_page=10>; rel="next", ' +
        '<http://api/v1/fractal?page=3&results_per_page=10>; rel="last"',
    );
    expect(first.objects[0]).not.toHaveProperty('image');

    const third = await page('?page=3');
    expect(third.uuids).toEqual(uuids.slice(20));
    expect(third.link).toBe('<http://api/v1/fractal?page=3&results_per_page=10>; rel="last"');

    const beyond = await page('?page=9');
    expect(beyond).toMatchObject({ num_results: 23, objects: [], page: 9, total_pages: 3 });

    const fives = await page('?page=2&results_per_page=5');
    expect(fives).toMatchObject({ total_pages: 5, uuids: uuids.slice(5, 10) });
    expect(fives.link).toContain('<http://api/v1/fractal?page=3&results_per_page=5>; rel="next"');

    // The durability sample's results_per_page=-1 (and any garbage) falls back to 10; 100 at most.
    for (const q of ['-1', '0', 'abc', '']) {
      expect(await page(`?results_per_page=${q}`)).toMatchObject({
        total_pages: 3,
        uuids: uuids.slice(0, 10),
      });
    }
    expect(await page('?results_per_page=500')).toMatchObject({ total_pages: 1, uuids });
  });

  it('refuses a page that is not a positive integer, and search queries', async () => {
    expectError(await h.app.inject('/v1/fractal?page=0'), 400, /^page: /);
    expectError(await h.app.inject('/v1/fractal?page=abc'), 400, 'page: must be a positive integer');
    expectError(await h.app.inject('/v1/fractal?page=-2'), 400, /^page: /);
    expectError(await h.app.inject('/v1/fractal?q={"filters":[]}'), 400, /^q: /);
  });

  it('refuses a page beyond 1000000 with a 400 that says the limit and the way round it', async () => {
    const message =
      'page: must be at most 1000000; to reach further, ask for more results_per_page (up to 100)';
    expectError(await h.app.inject('/v1/fractal?page=1000001'), 400, message);
    expectError(await h.app.inject(`/v1/fractal?page=${'9'.repeat(30)}`), 400, message);
    const last = await h.app.inject('/v1/fractal?page=1000000&results_per_page=100');
    expect(last.statusCode, last.body).toBe(200);
    expect(last.json()).toMatchObject({ objects: [], page: 1_000_000 });
    // The gallery's pages share the limit; a person gets its "no such page" HTML.
    const gallery = await h.app.inject('/index/1000001');
    expect(gallery.statusCode).toBe(404);
    expect(gallery.headers['content-type']).toMatch(/^text\/html/);
  });
});

describe('GET /v1/fractal/<uuid>', () => {
  it('returns the record; unknown or malformed uuids are 404 JSON', async () => {
    const uuid = await create(h.app);
    const res = await h.app.inject(`/v1/fractal/${uuid}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ uuid, state: 'pending', ...params });
    const unknown = randomUUID();
    expectError(await h.app.inject(`/v1/fractal/${unknown}`), 404, `Fractal ${unknown} not found.`);
    expectError(await h.app.inject('/v1/fractal/not-a-uuid'), 404, 'Fractal not-a-uuid not found.');
    expectError(await h.app.inject("/v1/fractal/'%20OR%201=1"), 404);
  });
});

describe('PUT /v1/fractal/<uuid>', () => {
  it("takes the original worker's report, stores the image first, and returns the full record", async () => {
    const uuid = await create(h.app);
    const image = png(5, 7);
    const res = await put(h.app, uuid, report(uuid, image));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      uuid,
      ...params,
      checksum: sha(image),
      url: null,
      duration: 0.25,
      size: image.length,
      generated_by: 'worker-1',
      state: 'done',
      failure: null,
    });
    const served = await h.app.inject(`/fractal/${uuid}`);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(Number(served.headers['content-length'])).toBe(image.length);
    expect(served.headers['cache-control']).toContain('immutable');
    expect(served.rawPayload.equals(image)).toBe(true);
  });

  it('defaults size and checksum from the image', async () => {
    const uuid = await create(h.app);
    const image = png();
    const res = await put(h.app, uuid, { image: image.toString('base64'), duration: 1 });
    expect(res.json()).toMatchObject({ size: image.length, checksum: sha(image), state: 'done' });
  });

  it('is a partial update, and a failure report marks the fractal failed', async () => {
    const uuid = await create(h.app);
    expect((await put(h.app, uuid, { generated_by: 'w2' })).json()).toMatchObject({
      generated_by: 'w2',
      state: 'pending',
      width: params.width,
    });
    const failed = await put(h.app, uuid, { failure: 'RangeError: width 1 divides by zero' });
    expect(failed.json()).toMatchObject({ state: 'failed', failure: 'RangeError: width 1 divides by zero' });
    expectError(await h.app.inject(`/fractal/${uuid}`), 409, /failed.*divides by zero/);
    const long = await put(h.app, uuid, { failure: 'x'.repeat(20_000) });
    expect(long.statusCode).toBe(200);
    expect((long.json() as { failure: string }).failure).toHaveLength(10_000);
  });

  it('refuses an image whose checksum or size does not match, storing nothing', async () => {
    const uuid = await create(h.app);
    const image = png();
    expectError(
      await put(h.app, uuid, { ...report(uuid, image), checksum: 'f'.repeat(64) }),
      400,
      /^checksum: /,
    );
    expectError(await put(h.app, uuid, { ...report(uuid, image), size: 3 }), 400, /^size: /);
    expect((await h.app.inject(`/v1/fractal/${uuid}`)).json()).toMatchObject({
      state: 'pending',
      checksum: null,
    });
    expect(await h.repo.getImage(uuid)).toBeUndefined();
  });

  it('refuses an image that is not base64 of a PNG', async () => {
    const uuid = await create(h.app);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expectError(await put(h.app, uuid, { image: jpeg.toString('base64') }), 400, /not a PNG/);
    expectError(await put(h.app, uuid, { image: 'this is not base64!' }), 400, /^image: /);
    expectError(await put(h.app, uuid, { image: 42 }), 400, 'image: must be a string, not number');
  });

  it('refuses unknown fields, a different uuid, unknown fractals and non-JSON', async () => {
    const uuid = await create(h.app);
    expectError(await put(h.app, uuid, { colour: 'red' }), 400, 'colour: unknown field');
    expectError(await put(h.app, uuid, { width: 10 }), 400, 'width: unknown field');
    expectError(await put(h.app, uuid, { uuid: randomUUID() }), 400, /^uuid: .* does not match/);
    expectError(await put(h.app, uuid, { duration: -1 }), 400, 'duration: must be at least 0');
    const unknown = randomUUID();
    expectError(await put(h.app, unknown, report(unknown)), 404, `Fractal ${unknown} not found.`);
    expectError(await put(h.app, 'nope', { duration: 1 }), 404);
    const text = await h.app.inject({
      method: 'PUT',
      url: `/v1/fractal/${uuid}`,
      payload: 'duration=1',
      headers: { 'content-type': 'text/plain' },
    });
    expectError(text, 415);
  });

  it('keeps both fractals when two results have the same checksum (the original lost one)', async () => {
    const a = await create(h.app);
    const b = await create(h.app);
    const image = png();
    expect((await put(h.app, a, report(a, image))).statusCode).toBe(200);
    expect((await put(h.app, b, report(b, image))).statusCode).toBe(200);
    const list = (await h.app.inject('/v1/fractal')).json() as { objects: { state: string }[] };
    expect(list.objects.map((o) => o.state)).toEqual(['done', 'done']);
  });

  it('answers 413 JSON for a body over the limit', async () => {
    const small = await harness({ bodyLimit: 1024 });
    try {
      const uuid = await create(small.app);
      expectError(await put(small.app, uuid, { image: 'A'.repeat(4096) }), 413, /too large/);
    } finally {
      await small.app.close();
      await small.repo.close();
    }
  });

  it('allows PATCH no more than the original did (405)', async () => {
    const uuid = await create(h.app);
    const res = await h.app.inject({ method: 'PATCH', url: `/v1/fractal/${uuid}`, payload: { duration: 1 } });
    expectError(res, 405, /PUT/);
    expect(res.headers.allow).toContain('PUT');
  });
});

describe('DELETE /v1/fractal/<uuid>', () => {
  it('deletes the row and its image: 204, then 404 JSON', async () => {
    const uuid = await create(h.app);
    await put(h.app, uuid, report(uuid));
    const res = await h.app.inject({ method: 'DELETE', url: `/v1/fractal/${uuid}` });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expectError(await h.app.inject({ method: 'DELETE', url: `/v1/fractal/${uuid}` }), 404, uuid);
    expectError(await h.app.inject(`/v1/fractal/${uuid}`), 404);
    expectError(await h.app.inject(`/fractal/${uuid}`), 404, `Fractal ${uuid} not found.`);
    expect(await h.repo.getImage(uuid)).toBeUndefined();
    expectError(await h.app.inject({ method: 'DELETE', url: '/v1/fractal/xyz' }), 404);
  });
});

describe('GET /fractal/<uuid>', () => {
  it('says why there is no image: unknown 404, pending 409', async () => {
    const unknown = randomUUID();
    expectError(await h.app.inject(`/fractal/${unknown}`), 404, `Fractal ${unknown} not found.`);
    expectError(await h.app.inject('/fractal/garbage'), 404);
    const uuid = await create(h.app);
    expectError(
      await h.app.inject(`/fractal/${uuid}`),
      409,
      `Fractal ${uuid} is still pending: no worker has rendered it yet.`,
    );
  });
});

describe('errors everywhere are JSON', () => {
  it('unknown routes are 404 JSON', async () => {
    expectError(await h.app.inject('/v2/fractal'), 404, /Not found: GET \/v2\/fractal/);
    expectError(await h.app.inject({ method: 'POST', url: '/nothing', payload: {} }), 404);
  });

  it('a closed database is 503 JSON on every route', async () => {
    const uuid = await create(h.app);
    await h.repo.close();
    const pattern = /^The database is unavailable: /;
    expectError(await h.app.inject('/v1/fractal'), 503, pattern);
    expectError(await post(h.app, params), 503, pattern);
    expectError(await h.app.inject(`/v1/fractal/${uuid}`), 503, pattern);
    expectError(await put(h.app, uuid, { duration: 1 }), 503, pattern);
    expectError(await h.app.inject({ method: 'DELETE', url: `/v1/fractal/${uuid}` }), 503, pattern);
    expectError(await h.app.inject(`/fractal/${uuid}`), 503, pattern);
    const gallery = await h.app.inject('/');
    expect(gallery.statusCode).toBe(503);
    expect(gallery.headers['content-type']).toMatch(/^text\/html/);
    expect(gallery.body).toContain('The database is unavailable');
  });
});

describe('the gallery (HTML)', () => {
  it('shows a friendly empty state', async () => {
    const res = await h.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<title>First App Application for OpenStack</title>');
    expect(res.body).toContain('No fractals yet');
    expect(res.body).not.toMatch(/https?:\/\/(?!www\.w3)/); // self-contained: no CDN
  });

  it('lists finished fractals only, escapes every value, and 404s past the end', async () => {
    const done = await create(h.app);
    const pending = await create(h.app);
    await put(h.app, done, { ...report(done), generated_by: '<script>alert(1)</script>' });
    for (const url of ['/', '/index', '/index/1', '/index/1/']) {
      const res = await h.app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain(`<img src="/fractal/${done}" loading="lazy"`);
      expect(res.body).toContain(`<a class="thumb" href="/fractal/${done}">`);
      expect(res.body).not.toContain(pending);
      expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(res.body).not.toContain('<script>');
      expect(res.body).toContain('<pre>xa = -1.5\nxb = 1.5\nya = -0.75\nyb = 0.75</pre>');
      expect(res.body).toContain('64 x 48 px');
      expect(res.body).toContain('0.250000 seconds');
    }
    for (const url of ['/index/2', '/index/abc', '/index/0']) {
      const res = await h.app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('href="/"');
    }
  });
});

describe('the disk image store on two API nodes (the guide IOError story)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'faafo-api-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the image on the node that stored it, and an IOError 404 on the other', async () => {
    const databaseUrl = `sqlite:///${join(dir, 'shared.db')}`;
    const node = async (name: string) => {
      const config = testConfig({ databaseUrl, imageStore: 'disk', imageDir: join(dir, name) });
      const repo = await openRepository(databaseUrl);
      const images = openImageStore('disk', repo, config.imageDir);
      const app = buildApi({ config, repo, images, publisher: new TestPublisher() });
      return { app, repo, config };
    };
    const api1 = await node('api-1');
    const api2 = await node('api-2');
    try {
      const uuid = await create(api1.app);
      const image = png();
      expect((await put(api1.app, uuid, report(uuid, image))).statusCode).toBe(200);
      const here = await api1.app.inject(`/fractal/${uuid}`);
      expect(here.statusCode).toBe(200);
      expect(here.rawPayload.equals(image)).toBe(true);
      // The other node shares the database, so it knows the fractal is done, but not the file.
      expect((await api2.app.inject(`/v1/fractal/${uuid}`)).json()).toMatchObject({ state: 'done' });
      const message = expectError(await api2.app.inject(`/fractal/${uuid}`), 404);
      expect(message).toContain('IOError: [Errno 2] No such file or directory');
      expect(message).toContain(uuid);
      expect(message).toContain(api2.config.imageDir);
      // Deleting through the node that has the file removes it.
      expect((await api1.app.inject({ method: 'DELETE', url: `/v1/fractal/${uuid}` })).statusCode).toBe(204);
      expectError(await api1.app.inject(`/fractal/${uuid}`), 404, 'not found');
    } finally {
      for (const n of [api1, api2]) {
        await n.app.close();
        await n.repo.close();
      }
    }
  });
});

describe('runApi', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'faafo-api-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on port 0, logs the real URL once with passwords masked, and closes', async () => {
    const lines: string[] = [];
    const api = await runApi(
      testConfig({
        databaseUrl: `sqlite:///${join(dir, 'faafo.db')}`,
        // Nothing listens there: the publisher connects lazily, so the API still starts.
        transportUrl: 'amqp://guest:s3cret@127.0.0.1:1/',
        listenAddress: '127.0.0.1',
        bindPort: 0,
      }),
      { log: (line) => lines.push(line), logger: false },
    );
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(api.url).not.toMatch(/:0$/);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`faafo api listening on ${api.url}`);
      expect(lines[0]).not.toContain('s3cret');
      const health = await fetch(`${api.url}/healthz`);
      expect(health.status).toBe(200);
      const res = await fetch(`${api.url}/v1/fractal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { message: string };
      expect(body.message).toMatch(/^The task queue is unavailable: .* Try again later\.$/);
      expect(body.message).not.toContain('s3cret');
    } finally {
      await api.close();
      await api.close();
    }
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
  });

  it('fails to start, without the password in the error, when the database is unreachable', async () => {
    const start = runApi(testConfig({ databaseUrl: 'mysql://faafo:s3cret@127.0.0.1:1/faafo', bindPort: 0 }), {
      log: () => undefined,
      logger: false,
    });
    const error = await start.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).not.toContain('s3cret');
  });
});
