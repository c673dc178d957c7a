import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { allows, cidrContains, createForwarders, planRoutes } from '../../src/localcloud/nodes/forwarder.ts';
import { DEFAULT_PORTS, layoutNode, type RoleContext } from '../../src/localcloud/nodes/roles.ts';
import { type InstallPlan, isUnrecognised, parseUserData } from '../../src/localcloud/nodes/userdata.ts';
import type { CloudState, SecurityGroupRule, Server } from '../../src/localcloud/state.ts';
import { seedState } from '../../src/localcloud/store.ts';
import { FAAFO_BIN, TUTOR_BIN } from '../../src/shared/bins.ts';
import { redactText } from '../../src/shared/redact.ts';
import { floatingIpFixture } from '../helpers/floating-ip.ts';

const URL = 'http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh';
const script = (args: string) => `#!/usr/bin/env bash\ncurl -L -s ${URL} | bash -s -- ${args}\n`;

function server(
  state: CloudState,
  name: string,
  x: number,
  userData: string | null,
  groups: string[] = [],
): Server {
  const now = new Date(0).toISOString();
  const s: Server = {
    id: `id-${name}`,
    name,
    projectId: 'p',
    userId: 'u',
    imageId: 'i',
    flavorId: '3',
    keyName: null,
    securityGroupIds: groups,
    metadata: {},
    userData: userData === null ? null : Buffer.from(userData).toString('base64'),
    status: 'ACTIVE',
    taskState: null,
    powerState: 1,
    fault: null,
    fixedIp: `10.${state.slot}.0.${x}`,
    loopbackIp: `127.${state.slot}.1.${x}`,
    createdAt: now,
    updatedAt: now,
  };
  state.servers.push(s);
  return s;
}

function plan(text: string): InstallPlan {
  const result = parseUserData(text);
  if (isUnrecognised(result)) throw new Error(result.unrecognised);
  return result;
}

function guideCloud() {
  const state = seedState({ slot: 9 });
  const services = server(state, 'app-services', 3, script('-i database -i messaging'));
  const api = server(
    state,
    'app-api-1',
    4,
    script(
      "-i faafo -r api -m 'amqp://guest:guest@10.9.0.3:5672/' -d 'mysql://faafo:password@10.9.0.3:3306/faafo'",
    ),
  );
  const worker = server(
    state,
    'app-worker-1',
    5,
    script("-i faafo -r worker -e 'http://10.9.0.4' -m 'amqp://guest:guest@10.9.0.3:5672/'"),
  );
  const ctx = (s: Server, extra: Partial<RoleContext> = {}): RoleContext => ({
    server: s,
    state,
    nodeDir: (id) => `/data/nodes/${id}`,
    vcpus: 2,
    ports: DEFAULT_PORTS,
    cacheDir: '/cache/faafo-tutor',
    ...extra,
  });
  return { state, services, api, worker, ctx };
}

const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('layoutNode: the guide', () => {
  it('services node: the broker and the database server', () => {
    const { services, ctx } = guideCloud();
    const layout = layoutNode(plan(script('-i database -i messaging')), ctx(services));
    expect(layout.processes).toHaveLength(2);
    const database = layout.processes.find((p) => p.role === 'database')!;
    expect(database).toMatchObject({ command: process.execPath, phase: 0, oneshot: false });
    expect(database.args).toEqual([
      TUTOR_BIN,
      'pgserve',
      '--listen',
      '127.9.1.3:5432',
      '--data-dir',
      '/data/nodes/id-app-services/pgdata',
      '--cache-dir',
      '/cache/faafo-tutor',
    ]);
    expect(database.ready).toEqual({
      line: /pgserve listening on /,
      tcp: { host: '127.9.1.3', port: 5432 },
    });
    const broker = layout.processes.find((p) => p.role === 'messaging')!;
    expect(broker).toMatchObject({ command: process.execPath, phase: 0 });
    expect(broker.args).toEqual([
      TUTOR_BIN,
      'broker',
      '--listen',
      '127.9.1.3:5672',
      '--data-dir',
      '/data/nodes/id-app-services/broker',
    ]);
    // The guide's MySQL port 3306 is published as moved to PostgreSQL's 5432.
    expect(layout.listens).toEqual([
      { port: 5432, guidePort: 3306 },
      { port: 5672, guidePort: 5672 },
    ]);
    // The console says which engine stands in for the guide's MySQL.
    expect(layout.log.join('\n')).toMatch(/PGlite .*stands in for the guide's MySQL.*127\.9\.1\.3:5432/);
    // The URLs install.sh sets only matter with -i faafo, so the log does not explain them.
    expect(layout.log.join('\n')).not.toMatch(/→/);
  });

  it("api node: mysql://…@<services> becomes the services node's PostgreSQL, over TCP", () => {
    const { api, ctx } = guideCloud();
    const layout = layoutNode(
      plan(
        script(
          "-i faafo -r api -m 'amqp://guest:guest@10.9.0.3:5672/' -d 'mysql://faafo:password@10.9.0.3:3306/faafo'",
        ),
      ),
      ctx(api),
    );
    const [proc] = layout.processes;
    expect(proc!.args[0]).toBe(FAAFO_BIN);
    expect(proc!.args.slice(1, 2)).toEqual(['api']);
    expect(argAfter(proc!.args, '--listen-address')).toBe('127.9.1.4');
    expect(argAfter(proc!.args, '--bind-port')).toBe('8080');
    expect(argAfter(proc!.args, '--database-url')).toBe('postgresql://faafo:password@127.9.1.3:5432/faafo');
    expect(argAfter(proc!.args, '--transport-url')).toBe('amqp://guest:guest@127.9.1.3:5672/');
    expect(argAfter(proc!.args, '--image-store')).toBe('database');
    expect(layout.listens).toEqual([{ port: 8080, guidePort: 80 }]);
    expect(layout.log).toContain(
      'mysql://faafo:***@10.9.0.3:3306/faafo → postgresql://faafo:***@127.9.1.3:5432/faafo (the database server of app-services)',
    );
  });

  it('worker node: endpoint on port 80 → the API on 8080; name and vCPUs', () => {
    const { worker, ctx } = guideCloud();
    const layout = layoutNode(
      plan(script("-i faafo -r worker -e 'http://10.9.0.4' -m 'amqp://guest:guest@10.9.0.3:5672/'")),
      ctx(worker),
    );
    const [proc] = layout.processes;
    expect(argAfter(proc!.args, '--endpoint-url')).toBe('http://127.9.1.4:8080');
    expect(argAfter(proc!.args, '--transport-url')).toBe('amqp://guest:guest@127.9.1.3:5672/');
    expect(argAfter(proc!.args, '--render-threads')).toBe('2');
    expect(proc!.env).toEqual({ FAAFO_NODE_NAME: 'app-worker-1' });
    expect(proc!.ready).toEqual({ line: /consuming queue/ });
    expect(layout.listens).toEqual([]);
  });

  it('all-in-one: localhost is the node itself; the demo runs after the API', () => {
    const { state, ctx } = guideCloud();
    const aio = server(state, 'all-in-one', 6, null);
    const layout = layoutNode(plan(script('-i faafo -i messaging -r api -r worker -r demo')), ctx(aio));
    expect(layout.processes.map((p) => [p.role, p.phase])).toEqual([
      ['messaging', 0],
      ['api', 1],
      ['worker', 1],
      ['demo', 2],
    ]);
    const worker = layout.processes.find((p) => p.role === 'worker')!;
    expect(argAfter(worker.args, '--transport-url')).toBe('amqp://guest:guest@127.9.1.6:5672/');
    expect(argAfter(worker.args, '--endpoint-url')).toBe('http://127.9.1.6:8080');
    const api = layout.processes.find((p) => p.role === 'api')!;
    expect(argAfter(api.args, '--database-url')).toBe('sqlite:////data/nodes/id-all-in-one/faafo.db');
    const demo = layout.processes.find((p) => p.role === 'demo')!;
    expect(demo.args).toEqual([FAAFO_BIN, '--endpoint-url', 'http://127.9.1.6:8080', '--debug', 'create']);
    expect(demo.oneshot).toBe(true);
  });
});

describe('layoutNode: URL resolution', () => {
  it('moved service ports are used in every URL', () => {
    const { worker, api, services, ctx } = guideCloud();
    const ports = { amqp: 6672, api: 9080, database: 6432 };
    const layout = layoutNode(
      plan(script("-i faafo -r worker -e 'http://10.9.0.4' -m 'amqp://guest:guest@10.9.0.3:5672/'")),
      ctx(worker, { ports }),
    );
    expect(layout.config.transportUrl).toBe('amqp://guest:guest@127.9.1.3:6672/');
    expect(layout.config.endpointUrl).toBe('http://127.9.1.4:9080');
    const apiLayout = layoutNode(
      plan(script("-i faafo -r api -d 'mysql+pymysql://faafo:password@10.9.0.3/faafo'")),
      ctx(api, { ports }),
    );
    expect(apiLayout.config.databaseUrl).toBe('postgresql://faafo:password@127.9.1.3:6432/faafo');
    const servicesLayout = layoutNode(plan(script('-i database')), ctx(services, { ports }));
    expect(servicesLayout.listens).toEqual([{ port: 6432, guidePort: 3306 }]);
  });

  it('addresses outside the cloud go nowhere; a missing node is refused; floating IPs reach their node', () => {
    const { state, api, worker, ctx } = guideCloud();
    state.floatingIps.push({
      id: 'f',
      address: '127.9.2.3',
      pool: 'public',
      projectId: 'p',
      portId: null,
      serverId: api.id,
      fixedAddress: api.fixedIp,
      createdAt: '',
    });
    const layout = (args: string) => layoutNode(plan(script(args)), ctx(worker)).config;
    expect(
      layout('-i faafo -r worker -e http://203.0.113.7 -m amqp://g:g@rabbit.example.org/'),
    ).toMatchObject({
      endpointUrl: 'http://127.9.3.1:8080',
      transportUrl: 'amqp://g:g@127.9.3.1/',
    });
    expect(layout('-i faafo -r worker -e http://10.9.0.77:8000/').endpointUrl).toBe(
      'http://127.9.1.77:8000/',
    );
    expect(layout('-i faafo -r worker -e http://127.9.2.3').endpointUrl).toBe('http://127.9.1.4:8080');
    expect(layout('-i faafo -r worker -e http://app-worker-1').endpointUrl).toBe('http://127.9.1.5:8080');
  });

  it('a database URL naming a node without -i database is left to fail there', () => {
    const { worker, api, ctx } = guideCloud();
    const layout = layoutNode(
      plan(script("-i faafo -r api -d 'mysql://faafo:password@10.9.0.5:3306/faafo'")),
      ctx(api),
    );
    expect(layout.config.databaseUrl).toBe('mysql://faafo:password@127.9.1.5:3306/faafo');
    expect(layout.log.join('\n')).toMatch(/app-worker-1 runs no database/);
    expect(worker).toBeDefined();
  });

  it('-r without -i faafo fails that part of the script', () => {
    const { worker, ctx } = guideCloud();
    const layout = layoutNode(plan(script('-r worker -r api')), ctx(worker));
    expect(layout.processes).toEqual([]);
    expect(layout.failures).toHaveLength(2);
  });

  it('configured real services replace the embedded ones (the seam)', () => {
    const { services, api, ctx } = guideCloud();
    const backends = {
      messaging: (node: Server) => `amqp://faafo:secret@127.0.0.1:5672/${node.name}`,
      database: (node: Server) => `mysql://faafo:secret@127.0.0.1:3306/${node.name.replace('-', '_')}`,
    };
    expect(
      layoutNode(plan(script('-i database -i messaging')), ctx(services, { backends })).processes,
    ).toEqual([]);
    const layout = layoutNode(
      plan(
        script(
          "-i faafo -r api -m 'amqp://guest:guest@10.9.0.3:5672/' -d 'mysql://faafo:password@10.9.0.3/faafo'",
        ),
      ),
      ctx(api, { backends }),
    );
    expect(layout.config.transportUrl).toBe('amqp://faafo:secret@127.0.0.1:5672/app-services');
    expect(layout.config.databaseUrl).toBe('mysql://faafo:secret@127.0.0.1:3306/app_services');
    expect(layout.log.join('\n')).not.toMatch(/secret/);
  });

  it('redact masks every password in a line', () => {
    expect(redactText('install.sh -m amqp://guest:guest@h:5672/ -d mysql://a:b@c/d')).toBe(
      'install.sh -m amqp://guest:***@h:5672/ -d mysql://a:***@c/d',
    );
  });
});

describe('floating IPs: security group checks', () => {
  const rule = (groupId: string, r: Partial<SecurityGroupRule>): SecurityGroupRule => ({
    id: Math.random().toString(36),
    groupId,
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    portMin: null,
    portMax: null,
    remoteIpPrefix: null,
    remoteGroupId: null,
    ...r,
  });

  it('cidrContains', () => {
    expect(cidrContains('0.0.0.0/0', '127.0.0.1')).toBe(true);
    expect(cidrContains('127.0.0.0/8', '127.9.1.4')).toBe(true);
    expect(cidrContains('10.0.0.0/24', '10.0.1.1')).toBe(false);
    expect(cidrContains('127.0.0.1/32', '127.0.0.1')).toBe(true);
    expect(cidrContains('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(cidrContains('::/0', '127.0.0.1')).toBe(false);
  });

  it('ports, CIDRs and remote groups, as the guide sets them', () => {
    const state = seedState({ slot: 9 });
    const api = server(state, 'api', 4, null, ['g-api']);
    const worker = server(state, 'worker', 5, null, ['g-worker']);
    const services = server(state, 'services', 3, null, ['g-services']);
    state.securityGroupRules.push(
      rule('g-api', { portMin: 80, portMax: 80 }),
      rule('g-api', { portMin: 22, portMax: 22 }),
      rule('g-services', { portMin: 5672, portMax: 5672, remoteGroupId: 'g-worker' }),
      rule('g-services', { portMin: 3306, portMax: 3306, remoteGroupId: 'g-api' }),
      rule('g-services', { direction: 'egress', remoteIpPrefix: '0.0.0.0/0' }),
      rule('g-worker', { protocol: 'udp', portMin: 5672, portMax: 5672 }),
    );
    const http = { port: 8080, guidePort: 80 };
    const amqp = { port: 5672, guidePort: 5672 };
    expect(allows(state, api, http, '127.0.0.1')).toBe(true);
    expect(allows(state, api, http, '::ffff:127.0.0.1')).toBe(true);
    expect(allows(state, api, amqp, '127.0.0.1')).toBe(false);
    expect(allows(state, services, amqp, '127.0.0.1')).toBe(false);
    expect(allows(state, services, amqp, worker.loopbackIp)).toBe(true);
    expect(allows(state, services, amqp, api.loopbackIp)).toBe(false);
    expect(allows(state, worker, amqp, '127.0.0.1')).toBe(false); // udp only
    // A moved port is still the guide's port to the rules.
    expect(allows(state, api, { port: 9080, guidePort: 80 }, '127.0.0.1')).toBe(true);

    state.floatingIps.push(
      floatingIpFixture('127.9.2.3', api.id),
      floatingIpFixture('127.9.2.4', worker.id),
      floatingIpFixture('127.9.2.5', null),
    );
    const listens: Record<string, Array<{ port: number; guidePort: number }>> = {
      [api.id]: [http],
      [worker.id]: [],
    };
    expect(planRoutes(state, (id) => listens[id])).toEqual([
      {
        listen: '127.9.2.3:8080',
        floating: '127.9.2.3',
        port: http,
        target: '127.9.1.4:8080',
        serverId: api.id,
      },
    ]);
    // A node that is not running gets no forwarder.
    expect(planRoutes(state, () => undefined)).toEqual([]);
  });

  it('listens again on a floating address whose port was still held, instead of never', async () => {
    const state = seedState({ slot: 9 });
    const api = server(state, 'api', 4, null, ['g-api']);
    state.securityGroupRules.push(rule('g-api', { portMin: 80, portMax: 80 }));
    // A port free on 127.9.2.3 now, then held by someone else while the forwarder first tries it.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.9.2.3', resolve));
    const { port } = blocker.address() as { port: number };
    state.floatingIps.push(floatingIpFixture('127.9.2.3', api.id));
    const said: string[] = [];
    const forwarders = createForwarders({
      read: () => state,
      listensOf: () => [{ port, guidePort: 80 }],
      log: (line) => said.push(line),
      retryMs: 100,
    });
    try {
      await forwarders.refresh();
      expect(forwarders.routes()).toEqual([]);
      expect(said.join('\n')).toContain(
        `floating IP 127.9.2.3:${port}: cannot listen (EADDRINUSE); trying again`,
      );
      await new Promise((resolve) => blocker.close(resolve));
      const until = Date.now() + 5000;
      while (forwarders.routes().length === 0 && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(forwarders.routes()).toEqual([
        { listen: `127.9.2.3:${port}`, target: `127.9.1.4:${port}`, serverId: api.id },
      ]);
    } finally {
      await forwarders.close();
      if (blocker.listening) await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
