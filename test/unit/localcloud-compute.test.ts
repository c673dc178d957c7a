// The compute provider (Nova v2.1) through fastify's inject(), inside the gateway's service app
// (token check, body parser, error shapes) over the real memory store and seed. The node runtime is
// a test double that records its calls and moves servers through the store as the real one does.
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/localcloud/auth.ts';
import type { CloudStore, Endpoints, NodeRuntime } from '../../src/localcloud/contracts.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { computeProvider } from '../../src/localcloud/providers/compute/index.ts';
import { fingerprintOf, generateRsaKeyPair } from '../../src/localcloud/providers/compute/keypairs.ts';
import { pyRepr } from '../../src/localcloud/providers/compute/validation.ts';
import type { CloudState, Server } from '../../src/localcloud/state.ts';
import { createMemoryStore, seedState, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';

const SLOT = 7;
const ENDPOINTS: Endpoints = {
  identity: 'http://127.0.0.1:5000',
  compute: 'http://127.0.0.1:8774/v2.1',
  network: 'http://127.0.0.1:9696',
  image: 'http://127.0.0.1:9292',
};

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOkV8JEEi/MCjtsnFILFnaM2fh/T5iM+0pmbB3BNWfNt demo@faafo';
const ED25519_MD5 = '4b:f8:b1:b2:43:9b:fe:b7:cc:8a:33:4c:8e:6d:eb:d6';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCdVPH+73x21lJ9I40kBi16J9J324UnTLdszipv9Os3lyw66aGH9rxC3RgZ0Ze5WlLN0+83tpWDqQQCf8OFBJ0SsVCfTX5TuL3rXLB2y+0SGbrI5ReB582OVhzh0yCQ76JvmoQK1yycNA6bjsODam1jSPzyKMq/C35cOGCYfGSd9w== rsa@faafo';
const RSA_MD5 = '5a:5a:01:80:f7:59:5e:2b:dc:25:54:99:df:ea:63:d9';

/** The guide's userdata, base64 as libcloud sends it. */
const USERDATA = Buffer.from(
  '#!/usr/bin/env bash\ncurl -L -s https://git.openstack.org/cgit/openstack/faafo/plain/contrib/install.sh | bash -s -- -i database -i messaging\n',
).toString('base64');

interface TestRuntime extends NodeRuntime {
  calls: string[];
  /** When false, boot leaves the server in BUILD until activate() is called. */
  autoActivate: boolean;
  activate(id: string): void;
  console: string;
}

function testRuntime(store: CloudStore): TestRuntime {
  const set = (id: string, changes: Partial<Server>) =>
    store.update((state) => {
      const server = state.servers.find((s) => s.id === id);
      if (server) Object.assign(server, changes, { updatedAt: new Date().toISOString() });
    });
  const runtime: TestRuntime = {
    calls: [],
    autoActivate: true,
    console: 'cloud-init: starting\r\nrole database: started\x07\nrole messaging: started\n',
    activate: (id) => set(id, { status: 'ACTIVE', taskState: null, powerState: 1 }),
    boot(server) {
      runtime.calls.push(`boot ${server.id}`);
      if (runtime.autoActivate) runtime.activate(server.id);
    },
    async stop(id) {
      runtime.calls.push(`stop ${id}`);
      set(id, { status: 'SHUTOFF', taskState: null, powerState: 4 });
    },
    async start(id) {
      runtime.calls.push(`start ${id}`);
      set(id, { status: 'ACTIVE', taskState: null, powerState: 1 });
    },
    async reboot(id) {
      runtime.calls.push(`reboot ${id}`);
    },
    async destroy(id) {
      runtime.calls.push(`destroy ${id}`);
    },
    consoleOutput(id, length) {
      runtime.calls.push(`console ${id} ${length}`);
      return runtime.console;
    },
    refreshNetwork() {
      runtime.calls.push('refreshNetwork');
    },
    async close() {},
  };
  return runtime;
}

let store: CloudStore;
let runtime: TestRuntime;
let app: FastifyInstance;
let token: string;
let projectId: string;
let userId: string;

function build(state: CloudState = seedState({ slot: SLOT })) {
  store = createMemoryStore(state);
  runtime = testRuntime(store);
  app = buildServiceApp('compute', computeProvider, {
    store,
    endpoints: ENDPOINTS,
    runtime,
    now: () => new Date(),
  });
  const user = store.read().users[0]!;
  userId = user.id;
  projectId = user.defaultProjectId;
  token = issueToken(store, { userId, projectId }, new Date()).id;
}

beforeEach(() => build());
afterEach(async () => {
  await app.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function call(method: Method, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method,
    url,
    headers: { 'x-auth-token': token, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const json = response.body === '' ? undefined : response.json();
  return { status: response.statusCode, headers: response.headers, json };
}

const defaultGroup = () => store.read().securityGroups.find((g) => g.name === 'default')!;

/** The body libcloud 3.4.1 sends for the guide's create_node. */
function libcloudBody(name: string, extra: Record<string, unknown> = {}) {
  return {
    server: {
      name,
      metadata: {},
      personality: [],
      user_data: USERDATA,
      security_groups: [{ name: 'default' }],
      imageRef: UBUNTU_IMAGE_ID,
      flavorRef: '1',
      ...extra,
    },
  };
}

async function createServer(name = 'app-db', extra: Record<string, unknown> = {}) {
  const response = await call('POST', '/v2.1/servers', libcloudBody(name, extra));
  expect(response.status).toBe(202);
  return response.json.server.id as string;
}

async function importKey(name = 'demokey', publicKey = ED25519) {
  return call('POST', '/v2.1/os-keypairs', { keypair: { name, public_key: publicKey } });
}

describe('version discovery', () => {
  it('lists v2.0 and v2.1 at the root without a token', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    const { versions } = response.json();
    expect(versions.map((v: { id: string; status: string }) => [v.id, v.status])).toEqual([
      ['v2.0', 'SUPPORTED'],
      ['v2.1', 'CURRENT'],
    ]);
    expect(versions[1]).toMatchObject({
      version: '2.47',
      min_version: '2.1',
      links: [{ rel: 'self', href: 'http://127.0.0.1:8774/v2.1/' }],
    });
  });

  it('serves the v2.1 document at the catalog URL, with and without the slash, advertising 2.1 to 2.47', async () => {
    for (const url of ['/v2.1', '/v2.1/']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json().version).toMatchObject({
        id: 'v2.1',
        status: 'CURRENT',
        version: '2.47',
        min_version: '2.1',
        links: [{ rel: 'self', href: 'http://127.0.0.1:8774/v2.1/' }, { rel: 'describedby' }],
        'media-types': [{ base: 'application/json' }],
      });
    }
  });

  it('refuses a microversion it does not serve, as Nova does', async () => {
    const tooHigh = await call('GET', '/v2.1/flavors', undefined, {
      'openstack-api-version': 'compute 2.61',
    });
    expect(tooHigh.status).toBe(406);
    expect(tooHigh.json).toEqual({
      computeFault: {
        code: 406,
        message: 'Version 2.61 is not supported by the API. Minimum is 2.1 and maximum is 2.47.',
      },
    });
    const bad = await call('GET', '/v2.1/flavors', undefined, { 'x-openstack-nova-api-version': 'two' });
    expect(bad.status).toBe(400);
    expect(bad.json.badRequest.message).toBe(
      'API Version String two is of invalid format. Must be of format MajorNum.MinorNum.',
    );
    for (const header of <Record<string, string>[]>[
      { 'x-openstack-nova-api-version': '2.1' },
      { 'openstack-api-version': 'compute latest' },
    ]) {
      expect((await call('GET', '/v2.1/flavors', undefined, header)).status).toBe(200);
    }
  });

  it('asks for a token everywhere else', async () => {
    const response = await app.inject({ method: 'GET', url: '/v2.1/servers/detail' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe(401);
  });
});

describe('flavors', () => {
  it('lists flavors with the fields libcloud, pkgcloud and the OSC read', async () => {
    const detail = await call('GET', '/v2.1/flavors/detail?is_public=None');
    expect(detail.status).toBe(200);
    const tiny = detail.json.flavors.find((f: { name: string }) => f.name === 'm1.tiny');
    expect(tiny).toEqual({
      id: '1',
      name: 'm1.tiny',
      ram: 512,
      disk: 1,
      swap: '',
      'OS-FLV-EXT-DATA:ephemeral': 0,
      'OS-FLV-DISABLED:disabled': false,
      vcpus: 1,
      'os-flavor-access:is_public': true,
      rxtx_factor: 1,
      links: [
        { rel: 'self', href: 'http://127.0.0.1:8774/v2.1/flavors/1' },
        { rel: 'bookmark', href: 'http://127.0.0.1:8774/flavors/1' },
      ],
    });
    const list = await call('GET', '/v2.1/flavors');
    expect(list.json.flavors[0]).toEqual({ id: '1', name: 'm1.tiny', links: tiny.links });
    const big = await call('GET', '/v2.1/flavors/detail?minRam=4096');
    expect(big.json.flavors.map((f: { id: string }) => f.id)).toEqual(['3', '4']);
  });

  it('shows one flavor and its (empty) extra specs', async () => {
    expect((await call('GET', '/v2.1/flavors/2')).json.flavor).toMatchObject({ id: '2', name: 'm1.small' });
    expect((await call('GET', '/v2.1/flavors/2/os-extra_specs')).json).toEqual({ extra_specs: {} });
  });

  it('answers 404 for an unknown flavor (the OSC looks flavors up by name first)', async () => {
    for (const url of ['/v2.1/flavors/m1.tiny', '/v2.1/flavors/m1.tiny/os-extra_specs']) {
      const response = await call('GET', url);
      expect(response.status).toBe(404);
      expect(response.json).toEqual({
        itemNotFound: { code: 404, message: 'Flavor m1.tiny could not be found.' },
      });
    }
    const bad = await call('GET', '/v2.1/flavors/detail?minRam=lots');
    expect(bad.status).toBe(400);
    expect(bad.json.badRequest.message).toBe('Invalid minRam filter [lots]');
  });
});

describe('images (Nova proxy)', () => {
  it('lists and shows the images with the fields libcloud and pkgcloud read', async () => {
    const detail = await call('GET', '/v2.1/images/detail');
    expect(detail.status).toBe(200);
    expect(detail.json.images).toHaveLength(1);
    const image = detail.json.images[0];
    expect(image).toMatchObject({
      id: UBUNTU_IMAGE_ID,
      name: 'ubuntu-22.04',
      status: 'ACTIVE',
      progress: 100,
      minDisk: 0,
      minRam: 0,
      metadata: {},
      created: '2024-01-01T00:00:00Z',
      updated: '2024-01-01T00:00:00Z',
      'OS-EXT-IMG-SIZE:size': 668_991_488,
    });
    expect(image.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'bookmark', 'alternate']);
    expect((await call('GET', `/v2.1/images/${UBUNTU_IMAGE_ID}`)).json.image).toEqual(image);
    expect((await call('GET', '/v2.1/images')).json.images[0]).toEqual({
      id: UBUNTU_IMAGE_ID,
      name: 'ubuntu-22.04',
      links: image.links,
    });
  });

  it('answers 404 for an unknown image', async () => {
    const response = await call('GET', '/v2.1/images/ubuntu-22.04');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ itemNotFound: { code: 404, message: 'Image not found.' } });
  });
});

describe('keypairs', () => {
  it('imports a key (200 at 2.1) with the fingerprint ssh-keygen -l -E md5 prints', async () => {
    const response = await importKey('demokey', `${ED25519}\n`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      keypair: { name: 'demokey', public_key: `${ED25519}\n`, fingerprint: ED25519_MD5, user_id: userId },
    });
    expect(fingerprintOf(RSA)).toBe(RSA_MD5);
  });

  it('lists, shows and deletes keypairs (202 at 2.1)', async () => {
    await importKey('demokey', RSA);
    const list = await call('GET', '/v2.1/os-keypairs');
    expect(list.json).toEqual({
      keypairs: [{ keypair: { name: 'demokey', public_key: RSA, fingerprint: RSA_MD5 } }],
    });
    const show = await call('GET', '/v2.1/os-keypairs/demokey');
    expect(show.json.keypair).toMatchObject({ name: 'demokey', user_id: userId, deleted: false, id: 1 });
    expect((await call('DELETE', '/v2.1/os-keypairs/demokey')).status).toBe(202);
    const again = await call('DELETE', '/v2.1/os-keypairs/demokey');
    expect(again.status).toBe(404);
    expect(again.json.itemNotFound.message).toBe(`Keypair demokey not found for user ${userId}`);
    expect((await call('GET', '/v2.1/os-keypairs/demokey')).status).toBe(404);
  });

  it('generates a key pair when no public key is given, returning the private key once', async () => {
    const response = await call('POST', '/v2.1/os-keypairs', { keypair: { name: 'generated' } });
    expect(response.status).toBe(200);
    const { private_key, public_key, fingerprint } = response.json.keypair;
    expect(private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(public_key).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E\S+ Generated-by-Nova$/);
    expect(fingerprintOf(public_key)).toBe(fingerprint);
    // The public key is the private key's.
    const jwk = createPublicKey(private_key).export({ format: 'jwk' });
    const blob = Buffer.from(public_key.split(' ')[1], 'base64');
    expect(blob.includes(Buffer.from(jwk.n!, 'base64url'))).toBe(true);
    expect((await call('GET', '/v2.1/os-keypairs/generated')).json.keypair).not.toHaveProperty('private_key');
  });

  it('writes public keys that ssh-keygen reads with the same fingerprint', () => {
    let dir: string | undefined;
    try {
      execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // no OpenSSH here
    }
    try {
      dir = mkdtempSync(join(tmpdir(), 'lc-compute-'));
      const { publicKey } = generateRsaKeyPair();
      writeFileSync(join(dir, 'k.pub'), `${publicKey}\n`);
      const printed = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', join(dir, 'k.pub')], {
        encoding: 'utf8',
      });
      expect(printed).toContain(`MD5:${fingerprintOf(publicKey)}`);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses duplicates, bad keys, bad names and missing fields as Nova does', async () => {
    await importKey();
    const duplicate = await importKey();
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toEqual({
      conflict: { code: 409, message: "Key pair 'demokey' already exists." },
    });

    const badKey = await importKey('other', 'ssh-rsa bm90IGEga2V5');
    expect(badKey.status).toBe(400);
    expect(badKey.json.badRequest.message).toBe('Keypair data is invalid: failed to generate fingerprint');

    const badName = await importKey('demo/key');
    expect(badName.status).toBe(400);
    expect(badName.json.badRequest.message).toBe(
      "Invalid input for field/attribute name. Value: demo/key. 'demo/key' does not match '^[_\\\\- a-zA-Z0-9]+$'",
    );

    const noName = await call('POST', '/v2.1/os-keypairs', { keypair: { public_key: ED25519 } });
    expect(noName.status).toBe(400);
    expect(noName.json.badRequest.message).toBe(
      `Invalid input for field/attribute keypair. Value: {'public_key': '${ED25519}'}. 'name' is a required property`,
    );
  });

  it('enforces the key pair quota', async () => {
    store.update((state) => {
      state.quotas[projectId]!.keyPairs = 1;
    });
    await importKey('one');
    const response = await importKey('two');
    expect(response.status).toBe(403);
    expect(response.json).toEqual({
      forbidden: { code: 403, message: 'Quota exceeded, too many key pairs.' },
    });
  });
});

describe('servers: create', () => {
  it("accepts libcloud's body: 202, Location, and the server visible at once in BUILD", async () => {
    runtime.autoActivate = false;
    const response = await call('POST', '/v2.1/servers', libcloudBody('app-db'));
    expect(response.status).toBe(202);
    const { server } = response.json;
    expect(Object.keys(server)).toEqual(['id', 'links', 'OS-DCF:diskConfig', 'security_groups', 'adminPass']);
    expect(server['OS-DCF:diskConfig']).toBe('MANUAL');
    expect(server.security_groups).toEqual([{ name: 'default' }]);
    expect(server.adminPass).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(response.headers.location).toBe(`http://127.0.0.1:8774/v2.1/servers/${server.id}`);

    const shown = await call('GET', `/v2.1/servers/${server.id}`);
    expect(shown.status).toBe(200);
    expect(shown.json.server).toMatchObject({
      id: server.id,
      status: 'BUILD',
      addresses: {},
      progress: 0,
      'OS-EXT-STS:vm_state': 'building',
    });
    expect(runtime.calls).toEqual([`boot ${server.id}`]);
    const booted = store.read().servers[0]!;
    expect(booted).toMatchObject({
      userData: USERDATA,
      keyName: null,
      securityGroupIds: [defaultGroup().id],
    });
  });

  it('shows every field the spec lists once the node is ACTIVE', async () => {
    await importKey();
    const id = await createServer('app-db', { key_name: 'demokey', metadata: { role: 'db' } });
    const { json } = await call('GET', `/v2.1/servers/${id}`);
    const server = json.server;
    expect(server).toMatchObject({
      id,
      name: 'app-db',
      status: 'ACTIVE',
      tenant_id: projectId,
      user_id: userId,
      metadata: { role: 'db' },
      image: {
        id: UBUNTU_IMAGE_ID,
        links: [{ rel: 'bookmark', href: `http://127.0.0.1:8774/images/${UBUNTU_IMAGE_ID}` }],
      },
      flavor: { id: '1', links: [{ rel: 'bookmark', href: 'http://127.0.0.1:8774/flavors/1' }] },
      key_name: 'demokey',
      accessIPv4: '',
      accessIPv6: '',
      config_drive: '',
      progress: 0,
      'OS-DCF:diskConfig': 'MANUAL',
      'OS-EXT-AZ:availability_zone': 'nova',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 1,
      'os-extended-volumes:volumes_attached': [],
      security_groups: [{ name: 'default' }],
      links: [
        { rel: 'self', href: `http://127.0.0.1:8774/v2.1/servers/${id}` },
        { rel: 'bookmark', href: `http://127.0.0.1:8774/servers/${id}` },
      ],
    });
    expect(server.hostId).toMatch(/^[0-9a-f]{56}$/);
    expect(server.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(server.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(server).not.toHaveProperty('fault');
    // One RFC 1918 address on `private`, one loopback address on `public` (libcloud's public_ips).
    expect(server.addresses).toEqual({
      private: [
        {
          version: 4,
          addr: `10.${SLOT}.0.3`,
          'OS-EXT-IPS:type': 'fixed',
          'OS-EXT-IPS-MAC:mac_addr': expect.stringMatching(/^fa:16:3e(:[0-9a-f]{2}){3}$/),
        },
      ],
      public: [
        {
          version: 4,
          addr: `127.${SLOT}.1.3`,
          'OS-EXT-IPS:type': 'fixed',
          'OS-EXT-IPS-MAC:mac_addr': expect.stringMatching(/^fa:16:3e/),
        },
      ],
    });
  });

  it('gives each server the next addresses and a port per network, for Neutron to read', async () => {
    const first = await createServer('app-db');
    const second = await createServer('app-api-1');
    const state = store.read();
    expect(state.servers.find((s) => s.id === second)).toMatchObject({
      fixedIp: `10.${SLOT}.0.4`,
      loopbackIp: `127.${SLOT}.1.4`,
    });
    const ports = state.ports.filter((p) => p.deviceId === first);
    const byNetwork = Object.fromEntries(
      ports.map((p) => [state.networks.find((n) => n.id === p.networkId)!.name, p.fixedIp]),
    );
    expect(byNetwork).toEqual({ private: `10.${SLOT}.0.3`, public: `127.${SLOT}.1.3` });
    expect(new Set(state.ports.map((p) => p.macAddress)).size).toBe(4);
  });

  it("accepts pkgcloud's body (config_drive true, no personality)", async () => {
    const response = await call('POST', '/v2.1/servers', {
      server: {
        name: 'app-worker-1',
        flavorRef: '1',
        imageRef: UBUNTU_IMAGE_ID,
        security_groups: [{ name: 'default' }],
        user_data: USERDATA,
        config_drive: true,
      },
    });
    expect(response.status).toBe(202);
    const shown = await call('GET', `/v2.1/servers/${response.json.server.id}`);
    expect(shown.json.server.config_drive).toBe('True');
  });

  it("accepts the OSC's body: a security group named by its id, min_count and max_count", async () => {
    const group = defaultGroup();
    const response = await call('POST', '/v2.1/servers', {
      server: {
        name: 'osc-node',
        imageRef: UBUNTU_IMAGE_ID,
        flavorRef: '2',
        user_data: USERDATA,
        min_count: 1,
        max_count: 1,
        security_groups: [{ name: group.id }],
      },
    });
    expect(response.status).toBe(202);
    expect(store.read().servers[0]!.securityGroupIds).toEqual([group.id]);
    expect(response.json.server.security_groups).toEqual([{ name: group.id }]);
  });

  it('creates max_count servers named name-1…n when the quota allows', async () => {
    const response = await call(
      'POST',
      '/v2.1/servers',
      libcloudBody('worker', { min_count: 2, max_count: 3 }),
    );
    expect(response.status).toBe(202);
    expect(
      store
        .read()
        .servers.map((s) => s.name)
        .sort(),
    ).toEqual(['worker-1', 'worker-2', 'worker-3']);
  });

  it('answers malformed JSON and wrong shapes with Nova 400s', async () => {
    const malformed = await call('POST', '/v2.1/servers', '{"server": {');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });

    const noServer = await call('POST', '/v2.1/servers', { name: 'x' });
    // jsonschema checks `required` before `additionalProperties`, and Nova reports the first failure.
    expect(noServer.json.badRequest.message).toBe("'server' is a required property");
    const extra = await call('POST', '/v2.1/servers', { ...libcloudBody('x'), name: 'x' });
    expect(extra.json.badRequest.message).toBe(
      "Additional properties are not allowed ('name' was unexpected)",
    );

    const noName = await call('POST', '/v2.1/servers', {
      server: { flavorRef: '1', imageRef: UBUNTU_IMAGE_ID },
    });
    expect(noName.status).toBe(400);
    expect(noName.json.badRequest.message).toBe(
      `Invalid input for field/attribute server. Value: {'flavorRef': '1', 'imageRef': '${UBUNTU_IMAGE_ID}'}. 'name' is a required property`,
    );

    const noFlavor = await call('POST', '/v2.1/servers', {
      server: { name: 'x', imageRef: UBUNTU_IMAGE_ID },
    });
    expect(noFlavor.json.badRequest.message).toMatch(/'flavorRef' is a required property$/);

    const noImage = await call('POST', '/v2.1/servers', { server: { name: 'x', flavorRef: '1' } });
    expect(noImage.json.badRequest.message).toBe('Missing imageRef attribute');

    const unknownKey = await call('POST', '/v2.1/servers', libcloudBody('x', { colour: 'blue' }));
    expect(unknownKey.json.badRequest.message).toMatch(
      /Additional properties are not allowed \('colour' was unexpected\)$/,
    );

    const blankName = await call('POST', '/v2.1/servers', libcloudBody(' x'));
    expect(blankName.json.badRequest.message).toBe(
      "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
    );
    expect(store.read().servers).toEqual([]);
  });

  it('refuses userdata that is not base64', async () => {
    const response = await call(
      'POST',
      '/v2.1/servers',
      libcloudBody('x', { user_data: '#!/bin/bash\necho hi' }),
    );
    expect(response.status).toBe(400);
    expect(response.json.badRequest.message).toBe(
      "Invalid input for field/attribute user_data. Value: #!/bin/bash\necho hi. '#!/bin/bash\\necho hi' is not a 'base64'",
    );
  });

  it('refuses unknown flavors, images, key names, networks and security groups', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ flavorRef: '42' }, 'Flavor 42 could not be found.'],
      [{ flavorRef: 'http://127.0.0.1:8774/flavors/42' }, 'Flavor 42 could not be found.'],
      [{ imageRef: '00000000-0000-4000-8000-000000000000' }, 'Can not find requested image'],
      [{ key_name: 'nokey' }, 'Invalid key_name provided.'],
      [
        { networks: [{ uuid: '00000000-0000-4000-8000-000000000000' }] },
        'Network 00000000-0000-4000-8000-000000000000 could not be found.',
      ],
      [{ security_groups: [{ name: 'web' }] }, "Unable to find security_group with name or id 'web'"],
    ];
    for (const [extra, message] of cases) {
      const response = await call('POST', '/v2.1/servers', libcloudBody('x', extra));
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ badRequest: { code: 400, message } });
    }
    expect(store.read().servers).toEqual([]);
    expect(runtime.calls).toEqual([]);
  });

  it('enforces the instance quota with Nova 403 wording', async () => {
    store.update((state) => {
      state.quotas[projectId]!.instances = 2;
    });
    await createServer('a');
    await createServer('b');
    const response = await call('POST', '/v2.1/servers', libcloudBody('c'));
    expect(response.status).toBe(403);
    expect(response.json).toEqual({
      forbidden: {
        code: 403,
        message: 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances',
      },
    });
    expect(store.read().servers).toHaveLength(2);
  });

  it('names every resource over quota, sorted, as Nova does', async () => {
    store.update((state) => {
      Object.assign(state.quotas[projectId]!, { instances: 1, cores: 1 });
    });
    await createServer('a');
    const response = await call('POST', '/v2.1/servers', libcloudBody('b', { flavorRef: '3' }));
    expect(response.status).toBe(403);
    expect(response.json.forbidden.message).toBe(
      'Quota exceeded for cores, instances: Requested 2, 1, but already used 1, 1 of 1, 1 cores, instances',
    );
  });

  it('fails a build whose runtime refuses it, as ERROR with a fault', async () => {
    runtime.boot = () => {
      throw new Error('No userdata role could be started.');
    };
    const id = await createServer('broken');
    const { json } = await call('GET', `/v2.1/servers/${id}`);
    expect(json.server.status).toBe('ERROR');
    expect(json.server.fault).toMatchObject({ code: 500, message: 'No userdata role could be started.' });
  });
});

describe('servers: list, show, delete', () => {
  it('lists summaries and details, newest first, filtered by name (a regex) and status', async () => {
    await createServer('app-db');
    await createServer('app-api-1');
    await createServer('app-api-2');
    const summary = await call('GET', '/v2.1/servers');
    expect(summary.json.servers).toHaveLength(3);
    expect(Object.keys(summary.json.servers[0])).toEqual(['id', 'name', 'links']);

    const api = await call('GET', '/v2.1/servers/detail?name=api');
    expect(api.json.servers.map((s: { name: string }) => s.name).sort()).toEqual(['app-api-1', 'app-api-2']);
    const exact = await call('GET', '/v2.1/servers?name=^app-db$');
    expect(exact.json.servers.map((s: { name: string }) => s.name)).toEqual(['app-db']);

    store.update((state) => {
      state.servers.find((s) => s.name === 'app-db')!.status = 'SHUTOFF';
    });
    const active = await call('GET', '/v2.1/servers/detail?status=active');
    expect(active.json.servers).toHaveLength(2);
    expect((await call('GET', '/v2.1/servers/detail?status=NONSENSE')).json.servers).toEqual([]);
  });

  it("answers 404 for an unknown id (the OSC's lookup by name)", async () => {
    const response = await call('GET', '/v2.1/servers/app-db');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({
      itemNotFound: { code: 404, message: 'Instance app-db could not be found.' },
    });
  });

  it("does not show another project's servers", async () => {
    const id = await createServer('mine');
    store.update((state) => {
      state.projects.push({ id: 'other', name: 'other', domainId: 'default' });
    });
    token = issueToken(store, { userId, projectId: 'other' }, new Date()).id;
    expect((await call('GET', `/v2.1/servers/${id}`)).status).toBe(404);
    expect((await call('GET', '/v2.1/servers/detail')).json.servers).toEqual([]);
  });

  it('deletes synchronously: 204, node destroyed, ports freed, floating IPs let go, then 404', async () => {
    const id = await createServer('app-db');
    const fip = (await call('POST', '/v2.1/os-floating-ips', { pool: 'public' })).json.floating_ip;
    await call('POST', `/v2.1/servers/${id}/action`, { addFloatingIp: { address: fip.ip } });
    runtime.calls.length = 0;

    const response = await call('DELETE', `/v2.1/servers/${id}`);
    expect(response.status).toBe(204);
    expect(runtime.calls).toEqual([`destroy ${id}`, 'refreshNetwork']);
    const state = store.read();
    expect(state.servers).toEqual([]);
    expect(state.ports).toEqual([]);
    expect(state.floatingIps[0]).toMatchObject({ serverId: null, portId: null, fixedAddress: null });
    expect((await call('GET', `/v2.1/servers/${id}`)).status).toBe(404);
    const again = await call('DELETE', `/v2.1/servers/${id}`);
    expect(again.status).toBe(404);
    expect(again.json.itemNotFound.message).toBe(`Instance ${id} could not be found.`);
    // The freed addresses are handed out again.
    await createServer('app-db-2');
    expect(store.read().servers[0]!.fixedIp).toBe(`10.${SLOT}.0.3`);
  });

  it('renames a server', async () => {
    const id = await createServer('old');
    const response = await call('PUT', `/v2.1/servers/${id}`, { server: { name: 'new' } });
    expect(response.status).toBe(200);
    expect(response.json.server.name).toBe('new');
  });

  it('lists interface attachments (libcloud ≥ 3.6 reads port_id before attaching a floating IP)', async () => {
    const id = await createServer('app-api-1');
    const { json } = await call('GET', `/v2.1/servers/${id}/os-interface`);
    const state = store.read();
    const privateNet = state.networks.find((n) => n.name === 'private')!;
    expect(json.interfaceAttachments).toHaveLength(2);
    expect(json.interfaceAttachments[0]).toEqual({
      port_state: 'ACTIVE',
      fixed_ips: [{ subnet_id: privateNet.subnetId, ip_address: `10.${SLOT}.0.3` }],
      port_id: state.ports.find((p) => p.networkId === privateNet.id)!.id,
      net_id: privateNet.id,
      mac_addr: expect.stringMatching(/^fa:16:3e/),
    });
    expect((await call('GET', '/v2.1/servers/nope/os-interface')).status).toBe(404);
  });
});

describe('server actions', () => {
  it('attaches a floating IP: 202, shown as a floating address, Nova and Neutron views agree', async () => {
    const id = await createServer('app-api-1');
    const fip = (await call('POST', '/v2.1/os-floating-ips', { pool: 'public' })).json.floating_ip;
    runtime.calls.length = 0;
    const response = await call('POST', `/v2.1/servers/${id}/action`, { addFloatingIp: { address: fip.ip } });
    expect(response.status).toBe(202);
    expect(response.json).toBeUndefined();
    expect(runtime.calls).toEqual(['refreshNetwork']);

    const server = (await call('GET', `/v2.1/servers/${id}`)).json.server;
    expect(server.addresses.private).toEqual([
      expect.objectContaining({ addr: `10.${SLOT}.0.3`, 'OS-EXT-IPS:type': 'fixed' }),
      expect.objectContaining({ addr: `127.${SLOT}.2.3`, 'OS-EXT-IPS:type': 'floating' }),
    ]);
    const listed = (await call('GET', '/v2.1/os-floating-ips')).json.floating_ips;
    expect(listed).toEqual([
      { id: fip.id, ip: `127.${SLOT}.2.3`, pool: 'public', fixed_ip: `10.${SLOT}.0.3`, instance_id: id },
    ]);
    const stored = store.read().floatingIps[0]!;
    const privatePort = store.read().ports.find((p) => p.fixedIp === `10.${SLOT}.0.3`)!;
    expect(stored).toMatchObject({ serverId: id, portId: privatePort.id, fixedAddress: `10.${SLOT}.0.3` });
  });

  it('moves a floating IP that is attached elsewhere, as Neutron does', async () => {
    const a = await createServer('a');
    const b = await createServer('b');
    const fip = (await call('POST', '/v2.1/os-floating-ips', {})).json.floating_ip;
    await call('POST', `/v2.1/servers/${a}/action`, { addFloatingIp: { address: fip.ip } });
    const moved = await call('POST', `/v2.1/servers/${b}/action`, { addFloatingIp: { address: fip.ip } });
    expect(moved.status).toBe(202);
    expect(store.read().floatingIps[0]!.serverId).toBe(b);
  });

  it('refuses an unknown floating IP address, a bad address, or a fixed address not the server’s', async () => {
    const id = await createServer('a');
    const unknown = await call('POST', `/v2.1/servers/${id}/action`, {
      addFloatingIp: { address: '127.7.2.99' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ itemNotFound: { code: 404, message: 'floating IP not found' } });

    const bad = await call('POST', `/v2.1/servers/${id}/action`, { addFloatingIp: { address: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.json.badRequest.message).toBe(
      "Invalid input for field/attribute address. Value: nope. 'nope' is not valid under any of the given schemas",
    );

    const fip = (await call('POST', '/v2.1/os-floating-ips', {})).json.floating_ip;
    const wrongFixed = await call('POST', `/v2.1/servers/${id}/action`, {
      addFloatingIp: { address: fip.ip, fixed_address: '10.9.9.9' },
    });
    expect(wrongFixed.status).toBe(400);
    expect(wrongFixed.json.badRequest.message).toBe('Specified fixed address not assigned to instance');

    const noServer = await call('POST', '/v2.1/servers/nope/action', { addFloatingIp: { address: fip.ip } });
    expect(noServer.status).toBe(404);
    expect(noServer.json.itemNotFound.message).toBe('Instance nope could not be found.');
  });

  it('detaches a floating IP; detaching it twice is a 409', async () => {
    const id = await createServer('a');
    const fip = (await call('POST', '/v2.1/os-floating-ips', {})).json.floating_ip;
    await call('POST', `/v2.1/servers/${id}/action`, { addFloatingIp: { address: fip.ip } });
    const removed = await call('POST', `/v2.1/servers/${id}/action`, {
      removeFloatingIp: { address: fip.ip },
    });
    expect(removed.status).toBe(202);
    expect(store.read().floatingIps[0]).toMatchObject({ serverId: null, portId: null });
    const again = await call('POST', `/v2.1/servers/${id}/action`, { removeFloatingIp: { address: fip.ip } });
    expect(again.status).toBe(409);
    expect(again.json.conflict.message).toBe(`Floating IP ${fip.ip} is not associated with instance ${id}.`);
    const unknown = await call('POST', `/v2.1/servers/${id}/action`, {
      removeFloatingIp: { address: '127.7.2.200' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.itemNotFound.message).toBe('Floating IP not found for address 127.7.2.200.');
  });

  it('stops and starts a node, refusing what the state does not allow with Nova’s wording', async () => {
    const id = await createServer('a');
    const startActive = await call('POST', `/v2.1/servers/${id}/action`, { 'os-start': null });
    expect(startActive.status).toBe(409);
    expect(startActive.json).toEqual({
      conflict: { code: 409, message: `Cannot 'start' instance ${id} while it is in vm_state active` },
    });

    expect((await call('POST', `/v2.1/servers/${id}/action`, { 'os-stop': null })).status).toBe(202);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runtime.calls).toContain(`stop ${id}`);
    const stopped = (await call('GET', `/v2.1/servers/${id}`)).json.server;
    expect(stopped).toMatchObject({
      status: 'SHUTOFF',
      'OS-EXT-STS:vm_state': 'stopped',
      'OS-EXT-STS:power_state': 4,
    });
    expect(stopped).not.toHaveProperty('progress');

    const stopStopped = await call('POST', `/v2.1/servers/${id}/action`, { 'os-stop': null });
    expect(stopStopped.status).toBe(409);
    expect(stopStopped.json.conflict.message).toBe(
      `Cannot 'stop' instance ${id} while it is in vm_state stopped`,
    );

    expect((await call('POST', `/v2.1/servers/${id}/action`, { 'os-start': null })).status).toBe(202);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await call('GET', `/v2.1/servers/${id}`)).json.server.status).toBe('ACTIVE');
  });

  it('shows the transition at once (task_state), and refuses a second action meanwhile', async () => {
    const id = await createServer('a');
    let finish: () => void = () => {};
    runtime.stop = (serverId) => {
      runtime.calls.push(`stop ${serverId}`);
      return new Promise<void>((resolve) => {
        finish = () => {
          store.update((state) => {
            Object.assign(state.servers.find((s) => s.id === serverId)!, {
              status: 'SHUTOFF',
              powerState: 4,
            });
          });
          resolve();
        };
      });
    };
    await call('POST', `/v2.1/servers/${id}/action`, { 'os-stop': {} });
    expect((await call('GET', `/v2.1/servers/${id}`)).json.server['OS-EXT-STS:task_state']).toBe(
      'powering-off',
    );
    const reboot = await call('POST', `/v2.1/servers/${id}/action`, { reboot: { type: 'SOFT' } });
    expect(reboot.status).toBe(409);
    expect(reboot.json.conflict.message).toBe(
      `Cannot 'reboot' instance ${id} while it is in task_state powering-off`,
    );
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    const server = (await call('GET', `/v2.1/servers/${id}`)).json.server;
    expect(server).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:task_state': null });
  });

  it('reboots (soft and hard) through the runtime', async () => {
    const id = await createServer('a');
    const soft = await call('POST', `/v2.1/servers/${id}/action`, { reboot: { type: 'SOFT' } });
    expect(soft.status).toBe(202);
    expect(runtime.calls).toContain(`reboot ${id}`);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await call('GET', `/v2.1/servers/${id}`)).json.server.status).toBe('ACTIVE');

    runtime.reboot = async () => new Promise<void>(() => {});
    await call('POST', `/v2.1/servers/${id}/action`, { reboot: { type: 'hard' } });
    expect((await call('GET', `/v2.1/servers/${id}`)).json.server).toMatchObject({
      status: 'HARD_REBOOT',
      'OS-EXT-STS:task_state': 'rebooting_hard',
    });
    const badType = await call('POST', `/v2.1/servers/${id}/action`, { reboot: { type: 'gentle' } });
    expect(badType.status).toBe(400);
    expect(badType.json.badRequest.message).toBe(
      "Invalid input for field/attribute type. Value: gentle. 'gentle' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']",
    );
  });

  it('records a failed runtime call as ERROR with a fault', async () => {
    const id = await createServer('a');
    runtime.start = async () => {
      throw new Error('the faafo api process exited with code 1');
    };
    await call('POST', `/v2.1/servers/${id}/action`, { 'os-stop': null });
    await new Promise((resolve) => setImmediate(resolve));
    await call('POST', `/v2.1/servers/${id}/action`, { 'os-start': null });
    await new Promise((resolve) => setImmediate(resolve));
    const server = (await call('GET', `/v2.1/servers/${id}`)).json.server;
    expect(server.status).toBe('ERROR');
    expect(server.fault).toMatchObject({ code: 500, message: 'the faafo api process exited with code 1' });
  });

  it('shows a SHUTOFF node’s fault (its processes died)', async () => {
    const id = await createServer('a');
    store.update((state) => {
      Object.assign(state.servers[0]!, {
        status: 'SHUTOFF',
        powerState: 4,
        fault: {
          code: 500,
          message: 'faafo-api exited with signal SIGKILL',
          created: new Date().toISOString(),
        },
      });
    });
    const server = (await call('GET', `/v2.1/servers/${id}`)).json.server;
    expect(server.fault).toMatchObject({ code: 500, message: 'faafo-api exited with signal SIGKILL' });
    expect(server.fault.created).toMatch(/Z$/);
  });

  it('returns the console output (length null, absent, or a number of lines)', async () => {
    const id = await createServer('a');
    const all = await call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: null } });
    expect(all.status).toBe(200);
    expect(all.json).toEqual({
      output: 'cloud-init: starting\nrole database: started\nrole messaging: started\n',
    });
    await call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': {} });
    await call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: '2' } });
    await call('POST', `/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': { length: -1 } });
    expect(runtime.calls.filter((c) => c.startsWith('console'))).toEqual([
      `console ${id} undefined`,
      `console ${id} undefined`,
      `console ${id} 2`,
      `console ${id} undefined`,
    ]);
  });

  it('refuses unknown actions and bodies with more than one key', async () => {
    const id = await createServer('a');
    const unknown = await call('POST', `/v2.1/servers/${id}/action`, { shelve: null });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ badRequest: { code: 400, message: 'There is no such action: shelve' } });
    const two = await call('POST', `/v2.1/servers/${id}/action`, { 'os-stop': null, 'os-start': null });
    expect(two.json).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    const malformed = await call('POST', `/v2.1/servers/${id}/action`, '{"os-stop":');
    expect(malformed.json).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
  });

  it('adds and removes security groups on a server', async () => {
    const id = await createServer('a');
    const web = (
      await call('POST', '/v2.1/os-security-groups', { security_group: { name: 'web', description: '' } })
    ).json.security_group;
    expect(
      (await call('POST', `/v2.1/servers/${id}/action`, { addSecurityGroup: { name: 'web' } })).status,
    ).toBe(202);
    const groups = (await call('GET', `/v2.1/servers/${id}/os-security-groups`)).json.security_groups;
    expect(groups.map((g: { name: string }) => g.name)).toEqual(['default', 'web']);
    const inUse = await call('DELETE', `/v2.1/os-security-groups/${web.id}`);
    expect(inUse.status).toBe(400);
    expect(inUse.json.badRequest.message).toBe(`Security Group ${web.id} in use.`);
    expect(
      (await call('POST', `/v2.1/servers/${id}/action`, { removeSecurityGroup: { name: web.id } })).status,
    ).toBe(202);
    expect((await call('DELETE', `/v2.1/os-security-groups/${web.id}`)).status).toBe(202);
  });
});

describe('limits and quotas', () => {
  it('reports absolute limits and usage (pkgcloud getLimits, OSC limits show --absolute)', async () => {
    await createServer('a', { flavorRef: '2' });
    await call('POST', '/v2.1/os-floating-ips', {});
    const { json } = await call('GET', '/v2.1/limits');
    expect(json.limits.rate).toEqual([]);
    expect(json.limits.absolute).toMatchObject({
      maxTotalInstances: 10,
      totalInstancesUsed: 1,
      maxTotalCores: 20,
      totalCoresUsed: 1,
      maxTotalRAMSize: 51200,
      totalRAMUsed: 2048,
      maxTotalFloatingIps: 10,
      totalFloatingIpsUsed: 1,
      maxSecurityGroups: 10,
      totalSecurityGroupsUsed: 1,
      maxSecurityGroupRules: 100,
      maxTotalKeypairs: 100,
      maxServerMeta: 128,
      maxPersonality: 5,
      maxPersonalitySize: 10240,
      maxImageMeta: 128,
    });
  });

  it('shows the quota set, its detail with in_use and reserved, and the defaults', async () => {
    await createServer('a');
    const show = await call('GET', `/v2.1/os-quota-sets/${projectId}`);
    expect(show.json.quota_set).toMatchObject({
      id: projectId,
      instances: 10,
      cores: 20,
      ram: 51200,
      key_pairs: 100,
    });
    const detail = await call('GET', `/v2.1/os-quota-sets/${projectId}/detail`);
    expect(detail.json.quota_set.instances).toEqual({ limit: 10, in_use: 1, reserved: 0 });
    expect(detail.json.quota_set.ram).toEqual({ limit: 51200, in_use: 512, reserved: 0 });
    for (const key of ['cores', 'key_pairs', 'metadata_items', 'server_groups', 'server_group_members']) {
      expect(Object.keys(detail.json.quota_set[key])).toEqual(['limit', 'in_use', 'reserved']);
    }
    const defaults = await call('GET', `/v2.1/os-quota-sets/${projectId}/defaults`);
    expect(defaults.json.quota_set.instances).toBe(10);
  });

  it('refuses an unknown project and lets the project raise its own quota', async () => {
    const unknown = await call('GET', '/v2.1/os-quota-sets/nope');
    expect(unknown.status).toBe(400);
    expect(unknown.json.badRequest.message).toBe('Project ID nope is not a valid project.');
    const raised = await call('PUT', `/v2.1/os-quota-sets/${projectId}`, { quota_set: { instances: 12 } });
    expect(raised.status).toBe(200);
    expect(raised.json.quota_set.instances).toBe(12);
    await createServer('a');
    const tooLow = await call('PUT', `/v2.1/os-quota-sets/${projectId}`, { quota_set: { instances: 0 } });
    expect(tooLow.status).toBe(400);
    expect(tooLow.json.badRequest.message).toBe(
      'Quota limit 0 for instances must be greater than or equal to already used and reserved 1.',
    );
  });
});

describe('security groups (Nova proxy over the shared state)', () => {
  it("lists the project's groups with ingress rules in Nova's shape", async () => {
    const { json } = await call('GET', '/v2.1/os-security-groups');
    const group = defaultGroup();
    expect(json.security_groups).toHaveLength(1);
    expect(json.security_groups[0]).toMatchObject({
      id: group.id,
      name: 'default',
      description: 'Default security group',
      tenant_id: projectId,
    });
    // The seed's default group admits everything from its own members; egress rules are not shown.
    expect(json.security_groups[0].rules).toEqual([
      expect.objectContaining({
        parent_group_id: group.id,
        ip_protocol: null,
        from_port: null,
        to_port: null,
        group: { name: 'default', tenant_id: projectId },
        ip_range: {},
      }),
      expect.objectContaining({ group: { name: 'default', tenant_id: projectId } }),
    ]);
  });

  it('creates a group (200) with Neutron’s egress rules in the shared state', async () => {
    const response = await call('POST', '/v2.1/os-security-groups', {
      security_group: { name: 'control', description: 'Application control' },
    });
    expect(response.status).toBe(200);
    const group = response.json.security_group;
    expect(group).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'control',
      description: 'Application control',
      tenant_id: projectId,
      rules: [],
    });
    const rules = store.read().securityGroupRules.filter((r) => r.groupId === group.id);
    expect(rules.map((r) => [r.direction, r.ethertype])).toEqual([
      ['egress', 'IPv4'],
      ['egress', 'IPv6'],
    ]);
    expect(runtime.calls).toContain('refreshNetwork');
    expect((await call('GET', `/v2.1/os-security-groups/${group.id}`)).json.security_group).toEqual(group);
  });

  it('refuses a missing description, a second "default", and too many groups', async () => {
    const missing = await call('POST', '/v2.1/os-security-groups', { security_group: { name: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.json.badRequest.message).toBe(
      "Invalid input for field/attribute security_group. Value: {'name': 'x'}. 'description' is a required property",
    );
    const dup = await call('POST', '/v2.1/os-security-groups', {
      security_group: { name: 'default', description: '' },
    });
    expect(dup.status).toBe(403);
    store.update((state) => {
      state.quotas[projectId]!.securityGroups = 1;
    });
    const over = await call('POST', '/v2.1/os-security-groups', {
      security_group: { name: 'x', description: '' },
    });
    expect(over.status).toBe(403);
    expect(over.json.forbidden.message).toBe("Quota exceeded for resources: ['security_group'].");
  });

  it("adds the guide's rules as libcloud sends them (TCP, cidr null, group_id null or a source group)", async () => {
    const worker = (
      await call('POST', '/v2.1/os-security-groups', { security_group: { name: 'worker', description: 'w' } })
    ).json.security_group;
    const control = (
      await call('POST', '/v2.1/os-security-groups', {
        security_group: { name: 'control', description: 'c' },
      })
    ).json.security_group;

    const ssh = await call('POST', '/v2.1/os-security-group-rules', {
      security_group_rule: {
        ip_protocol: 'TCP',
        from_port: 22,
        to_port: 22,
        cidr: null,
        group_id: null,
        parent_group_id: worker.id,
      },
    });
    expect(ssh.status).toBe(200);
    expect(ssh.json.security_group_rule).toEqual({
      id: expect.any(String),
      parent_group_id: worker.id,
      ip_protocol: 'tcp',
      from_port: 22,
      to_port: 22,
      group: {},
      ip_range: { cidr: '0.0.0.0/0' },
    });

    const amqp = await call('POST', '/v2.1/os-security-group-rules', {
      security_group_rule: {
        ip_protocol: 'TCP',
        from_port: 5672,
        to_port: 5672,
        cidr: null,
        group_id: worker.id,
        parent_group_id: control.id,
      },
    });
    expect(amqp.json.security_group_rule).toMatchObject({
      from_port: 5672,
      group: { name: 'worker', tenant_id: projectId },
      ip_range: {},
    });
    const stored = store.read().securityGroupRules.find((r) => r.id === amqp.json.security_group_rule.id);
    expect(stored).toMatchObject({
      direction: 'ingress',
      protocol: 'tcp',
      portMin: 5672,
      portMax: 5672,
      remoteGroupId: worker.id,
    });

    // pkgcloud sends no group_id at all.
    const http = await call('POST', '/v2.1/os-security-group-rules', {
      security_group_rule: {
        ip_protocol: 'tcp',
        from_port: 80,
        to_port: 80,
        cidr: '0.0.0.0/0',
        parent_group_id: control.id,
      },
    });
    expect(http.status).toBe(200);
    const shown = (await call('GET', `/v2.1/os-security-groups/${control.id}`)).json.security_group;
    expect(shown.rules).toHaveLength(2);

    const duplicate = await call('POST', '/v2.1/os-security-group-rules', {
      security_group_rule: {
        ip_protocol: 'TCP',
        from_port: 22,
        to_port: 22,
        cidr: null,
        group_id: null,
        parent_group_id: worker.id,
      },
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.badRequest.message).toBe(`This rule already exists in group ${worker.id}`);
  });

  it('refuses bad rules with Nova’s messages', async () => {
    const parent = defaultGroup().id;
    const rule = (r: Record<string, unknown>) =>
      call('POST', '/v2.1/os-security-group-rules', {
        security_group_rule: { parent_group_id: parent, ...r },
      });
    const cases: [Record<string, unknown>, number, string][] = [
      [
        { ip_protocol: 'tcp', from_port: 90, to_port: 80 },
        400,
        'Invalid port range 90:80. Former value cannot be greater than the later',
      ],
      [
        { ip_protocol: 'tcp', from_port: 0, to_port: 80 },
        400,
        'Invalid port range 0:80. Valid TCP ports should be between 1-65535',
      ],
      [{ ip_protocol: 'gre', from_port: 1, to_port: 2 }, 400, 'Invalid IP protocol gre.'],
      [
        { ip_protocol: 'tcp', from_port: 'x', to_port: 80 },
        400,
        'Invalid input received: To and From ports must be integers',
      ],
      [
        { ip_protocol: 'tcp', from_port: 80, to_port: 80, cidr: '10.0.0.0/99' },
        400,
        '10.0.0.0/99 is not a valid IP network.',
      ],
      [{ cidr: '10.0.0.0/8' }, 400, 'Not enough parameters to build a valid rule.'],
      [
        { parent_group_id: 'web' },
        400,
        "Invalid input for field/attribute parent_group_id. Value: web. 'web' is not a 'uuid'",
      ],
      [
        {
          parent_group_id: '00000000-0000-4000-8000-000000000000',
          ip_protocol: 'tcp',
          from_port: 1,
          to_port: 2,
        },
        404,
        'Security group 00000000-0000-4000-8000-000000000000 does not exist',
      ],
      [
        { group_id: '00000000-0000-4000-8000-000000000001' },
        404,
        'Security group 00000000-0000-4000-8000-000000000001 does not exist',
      ],
    ];
    for (const [body, status, message] of cases) {
      const response = await rule(body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(Object.values(response.json)[0]).toEqual({ code: status, message });
    }
  });

  it('deletes rules and groups (202), answering 404 and 400 as Nova', async () => {
    const web = (
      await call('POST', '/v2.1/os-security-groups', { security_group: { name: 'web', description: '' } })
    ).json.security_group;
    const rule = (
      await call('POST', '/v2.1/os-security-group-rules', {
        security_group_rule: { ip_protocol: 'tcp', from_port: 80, to_port: 80, parent_group_id: web.id },
      })
    ).json.security_group_rule;
    expect((await call('DELETE', `/v2.1/os-security-group-rules/${rule.id}`)).status).toBe(202);
    const ruleAgain = await call('DELETE', `/v2.1/os-security-group-rules/${rule.id}`);
    expect(ruleAgain.status).toBe(404);
    expect(ruleAgain.json.itemNotFound.message).toBe(`Security group rule ${rule.id} does not exist`);
    expect((await call('DELETE', '/v2.1/os-security-group-rules/abc')).json.badRequest.message).toBe(
      'Security group id should be uuid',
    );

    const defaultDelete = await call('DELETE', `/v2.1/os-security-groups/${defaultGroup().id}`);
    expect(defaultDelete.status).toBe(400);
    expect(defaultDelete.json.badRequest.message).toBe(
      'Insufficient rights for removing default security group.',
    );

    expect((await call('DELETE', `/v2.1/os-security-groups/${web.id}`)).status).toBe(202);
    expect(store.read().securityGroupRules.some((r) => r.groupId === web.id)).toBe(false);
    const again = await call('DELETE', `/v2.1/os-security-groups/${web.id}`);
    expect(again.status).toBe(404);
    expect(again.json.itemNotFound.message).toBe(`Security group ${web.id} does not exist`);
    expect((await call('GET', '/v2.1/os-security-groups/web')).json.badRequest.message).toBe(
      'Security group id should be uuid',
    );
  });

  it('refuses deleting a group a server uses, then allows it once the server is gone', async () => {
    const web = (
      await call('POST', '/v2.1/os-security-groups', { security_group: { name: 'web', description: '' } })
    ).json.security_group;
    const id = await createServer('a', { security_groups: [{ name: 'web' }] });
    expect((await call('DELETE', `/v2.1/os-security-groups/${web.id}`)).status).toBe(400);
    await call('DELETE', `/v2.1/servers/${id}`);
    expect((await call('DELETE', `/v2.1/os-security-groups/${web.id}`)).status).toBe(202);
  });
});

describe('floating IPs (Nova proxy over the shared state)', () => {
  it('lists the pools and allocates addresses from the floating range', async () => {
    expect((await call('GET', '/v2.1/os-floating-ip-pools')).json).toEqual({
      floating_ip_pools: [{ name: 'public' }],
    });
    const first = await call('POST', '/v2.1/os-floating-ips', { pool: 'public' });
    expect(first.status).toBe(200);
    expect(first.json.floating_ip).toEqual({
      fixed_ip: null,
      id: expect.any(String),
      instance_id: null,
      ip: `127.${SLOT}.2.3`,
      pool: 'public',
    });
    // pkgcloud sends {} without a pool; some clients no body at all.
    expect((await call('POST', '/v2.1/os-floating-ips', {})).json.floating_ip.ip).toBe(`127.${SLOT}.2.4`);
    const bare = await app.inject({
      method: 'POST',
      url: '/v2.1/os-floating-ips',
      headers: { 'x-auth-token': token },
    });
    expect(bare.statusCode).toBe(200);
    expect(store.read().floatingIps.map((f) => f.address)).toEqual([
      `127.${SLOT}.2.3`,
      `127.${SLOT}.2.4`,
      `127.${SLOT}.2.5`,
    ]);
    const shown = await call('GET', `/v2.1/os-floating-ips/${first.json.floating_ip.id}`);
    expect(shown.json.floating_ip).toEqual(first.json.floating_ip);
  });

  it('refuses an unknown pool and an allocation over quota', async () => {
    const unknown = await call('POST', '/v2.1/os-floating-ips', { pool: 'nova' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ itemNotFound: { code: 404, message: 'Floating IP pool not found.' } });
    store.update((state) => {
      state.quotas[projectId]!.floatingIps = 0;
    });
    const over = await call('POST', '/v2.1/os-floating-ips', { pool: 'public' });
    expect(over.status).toBe(403);
    expect(over.json).toEqual({
      forbidden: { code: 403, message: 'IP allocation over quota in pool public.' },
    });
  });

  it('releases floating IPs (202) and answers 404 for unknown ids', async () => {
    const fip = (await call('POST', '/v2.1/os-floating-ips', {})).json.floating_ip;
    expect((await call('DELETE', `/v2.1/os-floating-ips/${fip.id}`)).status).toBe(202);
    expect(store.read().floatingIps).toEqual([]);
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await call(method, `/v2.1/os-floating-ips/${fip.id}`);
      expect(response.status).toBe(404);
      expect(response.json.itemNotFound.message).toBe(`Floating IP not found for ID ${fip.id}`);
    }
  });
});

describe('microversions (negotiated as Nova does)', () => {
  const at = (version: string) => ({
    'openstack-api-version': `compute ${version}`,
    'x-openstack-nova-api-version': version,
  });
  const answered = (headers: Record<string, unknown>) => [
    headers['openstack-api-version'],
    headers['x-openstack-nova-api-version'],
    headers.vary,
  ];
  /** What openstacksdk's create_server sends when no network is named. */
  const sdkBody = (name: string, networks?: unknown) => ({
    server: {
      name,
      imageRef: UBUNTU_IMAGE_ID,
      flavorRef: '1',
      min_count: 1,
      max_count: 1,
      security_groups: [{ name: 'default' }],
      ...(networks === undefined ? {} : { networks }),
    },
  });

  it('serves a request without a header at 2.1 and says so, as libcloud and pkgcloud need', async () => {
    const response = await call('GET', '/v2.1/flavors');
    expect(response.status).toBe(200);
    expect(answered(response.headers)).toEqual([
      'compute 2.1',
      '2.1',
      'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    ]);
    const id = await createServer('plain');
    const server = (await call('GET', `/v2.1/servers/${id}`)).json.server;
    expect(server.flavor).toEqual({
      id: '1',
      links: [{ rel: 'bookmark', href: 'http://127.0.0.1:8774/flavors/1' }],
    });
    expect(server).not.toHaveProperty('locked');
    expect(server).not.toHaveProperty('description');
  });

  it('answers each header alone, the modern one first, and `latest` as the maximum', async () => {
    const legacy = await call('GET', '/v2.1/flavors', undefined, { 'x-openstack-nova-api-version': '2.1' });
    expect(answered(legacy.headers).slice(0, 2)).toEqual(['compute 2.1', '2.1']);
    const both = await call('GET', '/v2.1/flavors', undefined, {
      'openstack-api-version': 'compute 2.37',
      'x-openstack-nova-api-version': '2.2',
    });
    expect(answered(both.headers).slice(0, 2)).toEqual(['compute 2.37', '2.37']);
    const latest = await call('GET', '/v2.1/flavors', undefined, {
      'openstack-api-version': 'compute latest',
    });
    expect(answered(latest.headers).slice(0, 2)).toEqual(['compute 2.47', '2.47']);
    const max = await call('GET', '/v2.1/flavors', undefined, at('2.47'));
    expect(max.status).toBe(200);
    expect(answered(max.headers).slice(0, 2)).toEqual(['compute 2.47', '2.47']);
  });

  it('refuses one above the maximum or below the minimum with 406, a malformed one with 400', async () => {
    for (const [version, shown] of [
      ['2.48', '2.48'],
      ['3.0', '3.0'],
      ['2.0', '2.0'],
    ]) {
      const response = await call('GET', '/v2.1/servers', undefined, at(version!));
      expect(response.status).toBe(406);
      expect(response.json).toEqual({
        computeFault: {
          code: 406,
          message: `Version ${shown} is not supported by the API. Minimum is 2.1 and maximum is 2.47.`,
        },
      });
    }
    for (const version of ['2.01', '2', 'two', '2.1.0']) {
      const response = await call('GET', '/v2.1/servers', undefined, at(version));
      expect(response.status).toBe(400);
      expect(response.json.badRequest.message).toBe(
        `API Version String ${version} is of invalid format. Must be of format MajorNum.MinorNum.`,
      );
    }
  });

  it('takes networks "auto" (the shared private network) and "none" (no port) from 2.37 only', async () => {
    const auto = await call('POST', '/v2.1/servers', sdkBody('auto', 'auto'), at('2.37'));
    expect(auto.status).toBe(202);
    const autoServer = (await call('GET', `/v2.1/servers/${auto.json.server.id}`, undefined, at('2.37'))).json
      .server;
    expect(autoServer.addresses.private).toEqual([
      expect.objectContaining({ addr: `10.${SLOT}.0.3`, 'OS-EXT-IPS:type': 'fixed' }),
    ]);
    const none = await call('POST', '/v2.1/servers', sdkBody('none', 'none'), at('2.37'));
    expect(none.status).toBe(202);
    const noneServer = (await call('GET', `/v2.1/servers/${none.json.server.id}`, undefined, at('2.37'))).json
      .server;
    expect(noneServer.addresses).toEqual({});
    expect(store.read().ports.filter((p) => p.deviceId === none.json.server.id)).toEqual([]);

    const before = await call('POST', '/v2.1/servers', sdkBody('early', 'auto'), at('2.36'));
    expect(before.status).toBe(400);
    expect(before.json.badRequest.message).toBe(
      "Invalid input for field/attribute networks. Value: auto. 'auto' is not of type 'array'",
    );
    const missing = await call('POST', '/v2.1/servers', sdkBody('bare'), at('2.37'));
    expect(missing.status).toBe(400);
    expect(missing.json.badRequest.message).toMatch(/'networks' is a required property$/);
    const odd = await call('POST', '/v2.1/servers', sdkBody('odd', 'some'), at('2.37'));
    expect(odd.status).toBe(400);
  });

  it('embeds the flavor in a server from 2.47, with 2.9/2.19/2.26 fields', async () => {
    const created = await call(
      'POST',
      '/v2.1/servers',
      { server: { ...sdkBody('flavored', 'auto').server, description: 'the API node' } },
      at('2.47'),
    );
    expect(created.status).toBe(202);
    const { id } = created.json.server;
    const server = (await call('GET', `/v2.1/servers/${id}`, undefined, at('2.47'))).json.server;
    expect(server.flavor).toEqual({
      vcpus: 1,
      ram: 512,
      disk: 1,
      ephemeral: 0,
      swap: 0,
      original_name: 'm1.tiny',
      extra_specs: {},
    });
    expect(server).toMatchObject({ locked: false, description: 'the API node', tags: [] });
    const listed = (await call('GET', '/v2.1/servers/detail', undefined, at('2.47'))).json.servers;
    expect(listed[0].flavor.original_name).toBe('m1.tiny');
    const older = (await call('GET', `/v2.1/servers/${id}`, undefined, at('2.46'))).json.server;
    expect(older.flavor).toEqual({ id: '1', links: expect.any(Array) });
    const renamed = await call('PUT', `/v2.1/servers/${id}`, { server: { description: null } }, at('2.19'));
    expect(renamed.json.server.description).toBeNull();
    const early = await call('PUT', `/v2.1/servers/${id}`, { server: { description: 'x' } }, at('2.18'));
    expect(early.status).toBe(400);
  });

  it('refuses an unknown status filter from 2.38 (before, an empty list)', async () => {
    await createServer('listed');
    const before = await call('GET', '/v2.1/servers/detail?status=sleeping', undefined, at('2.37'));
    expect(before.json.servers).toEqual([]);
    const refused = await call('GET', '/v2.1/servers?status=sleeping', undefined, at('2.38'));
    expect(refused.status).toBe(400);
    expect(refused.json.badRequest.message).toBe('Invalid status value');
    const known = await call('GET', '/v2.1/servers?status=active', undefined, at('2.38'));
    expect(known.json.servers).toHaveLength(1);
  });

  it('keeps the network proxies for clients without a header; 404 from 2.36 (addFloatingIp from 2.44)', async () => {
    const gone = { itemNotFound: { code: 404, message: 'The resource could not be found.' } };
    for (const url of ['/v2.1/os-security-groups', '/v2.1/os-floating-ips', '/v2.1/os-floating-ip-pools']) {
      expect((await call('GET', url)).status).toBe(200);
      expect((await call('GET', url, undefined, at('2.35'))).status).toBe(200);
      const removed = await call('GET', url, undefined, at('2.36'));
      expect(removed.status).toBe(404);
      expect(removed.json).toEqual(gone);
    }
    const id = await createServer('proxied');
    expect((await call('GET', `/v2.1/servers/${id}/os-security-groups`, undefined, at('2.47'))).status).toBe(
      200,
    );
    const fip = (await call('POST', '/v2.1/os-floating-ips', { pool: 'public' })).json.floating_ip;
    const late = await call(
      'POST',
      `/v2.1/servers/${id}/action`,
      { addFloatingIp: { address: fip.ip } },
      at('2.44'),
    );
    expect(late.status).toBe(404);
    expect(late.json).toEqual(gone);
    const early = await call(
      'POST',
      `/v2.1/servers/${id}/action`,
      { addFloatingIp: { address: fip.ip } },
      at('2.43'),
    );
    expect(early.status).toBe(202);
  });

  it('leaves the network limits and quotas out from 2.36 and the image-metadata limit from 2.39', async () => {
    const absolute = async (version: string) =>
      (await call('GET', '/v2.1/limits', undefined, at(version))).json.limits.absolute;
    expect(await absolute('2.35')).toMatchObject({ maxSecurityGroups: 10, maxImageMeta: 128 });
    const at36 = await absolute('2.36');
    expect(at36).not.toHaveProperty('maxSecurityGroups');
    expect(at36).not.toHaveProperty('totalFloatingIpsUsed');
    expect(at36).toHaveProperty('maxImageMeta');
    expect(await absolute('2.39')).not.toHaveProperty('maxImageMeta');
    const quota = (await call('GET', `/v2.1/os-quota-sets/${projectId}`, undefined, at('2.36'))).json
      .quota_set;
    expect(Object.keys(quota)).not.toContain('floating_ips');
    expect(quota).toMatchObject({ instances: 10, key_pairs: 100 });
  });

  it('gives key pairs a type from 2.2, with 201 on create and 204 on delete', async () => {
    const created = await call(
      'POST',
      '/v2.1/os-keypairs',
      { keypair: { name: 'sdk', public_key: ED25519, type: 'ssh' } },
      at('2.10'),
    );
    expect(created.status).toBe(201);
    expect(created.json.keypair).toMatchObject({ name: 'sdk', type: 'ssh', fingerprint: ED25519_MD5 });
    const listed = (await call('GET', '/v2.1/os-keypairs', undefined, at('2.10'))).json.keypairs;
    expect(listed[0].keypair.type).toBe('ssh');
    const refused = await call('POST', '/v2.1/os-keypairs', {
      keypair: { name: 'old', public_key: ED25519, type: 'ssh' },
    });
    expect(refused.status).toBe(400);
    expect((await call('DELETE', '/v2.1/os-keypairs/sdk', undefined, at('2.2'))).status).toBe(204);
  });
});

describe('pyRepr', () => {
  it("spells values as Python's repr does", () => {
    expect(pyRepr({ a: [1, true, null, "it's"] })).toBe(`{'a': [1, True, None, "it's"]}`);
  });
});
