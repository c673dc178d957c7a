// The real `openstack` CLI (python3-openstackclient 6.0.0) against a local cloud started for this
// test: security groups and rules, a keypair, a server booted from the guide's worker userdata, its
// console, a floating IP, quotas and limits, and the errors a tutor meets, all with `-f json`.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, isAlive, nodePids, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';
import { OPENSTACK_CLI as OPENSTACK, openstackCliAvailable } from '../helpers/services.ts';

const run = promisify(execFile);
const available = await openstackCliAvailable();

const WORKER_USERDATA = `#!/usr/bin/env bash
curl -L -s http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh | bash -s -- \\
-i faafo -r worker -e 'http://10.0.0.5' -m 'amqp://guest:guest@10.0.0.4:5672/'
`;
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkTqhFvE2xDwlEO8Uz9e4HLW7Q1lJ7bTbc3C2bX0a1p demo@faafo';

describe.runIf(available)('the openstack CLI against the local cloud', () => {
  let cloud: TestCloud;
  let userDataFile: string;
  let quietUserDataFile: string;

  async function osc(args: string[], extra: Record<string, string> = {}) {
    return run(OPENSTACK, args, {
      env: cleanEnv({ ...cloud.osEnv, ...extra, HOME: cloud.dir }),
      timeout: 90_000,
    });
  }
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read field by field in each test
  async function json<T = any>(...args: string[]): Promise<T> {
    const { stdout } = await osc([...args, '-f', 'json']);
    return JSON.parse(stdout) as T;
  }
  /** Runs a command that must fail; returns its stderr. */
  async function fails(args: string[], extra: Record<string, string> = {}): Promise<string> {
    const result = await osc(args, extra).then(
      (r) => ({ ok: true as const, ...r }),
      (e: { code: number; stderr: string }) => ({ ok: false as const, code: e.code, stderr: e.stderr }),
    );
    expect(result.ok, `openstack ${args.join(' ')} succeeded`).toBe(false);
    if (!result.ok) {
      expect(result.code).not.toBe(0);
      return result.stderr;
    }
    return '';
  }

  beforeAll(async () => {
    cloud = await startTestCloud('localcloud-osc-');
    userDataFile = join(cloud.dir, 'worker-userdata.sh');
    writeFileSync(userDataFile, WORKER_USERDATA);
    // A script the local cloud does not recognise: the node boots ACTIVE and runs nothing.
    quietUserDataFile = join(cloud.dir, 'quiet-userdata.sh');
    writeFileSync(quietUserDataFile, '#!/bin/sh\necho hello\n');
  }, 60_000);

  afterAll(async () => {
    await cloud?.close();
  }, 60_000);

  const state = () => cloud.serving.cloud.store.read();

  let workerGroup: { id: string; name: string };
  let controllerGroup: { id: string; name: string };
  let server: { id: string };
  let workerPids: number[];
  let floating: { id: string; floating_ip_address: string };

  it('creates and lists security groups, with a port rule and a source-group rule', async () => {
    workerGroup = await json(
      'security',
      'group',
      'create',
      'worker',
      '--description',
      'for services that run on a worker node',
    );
    controllerGroup = await json(
      'security',
      'group',
      'create',
      'control',
      '--description',
      'for services that run on a control node',
    );
    expect(workerGroup.name).toBe('worker');
    const listed = await json<Array<{ ID: string; Name: string }>>('security', 'group', 'list');
    expect(listed.map((g) => g.Name).sort()).toEqual(['control', 'default', 'worker']);

    const http = await json(
      'security',
      'group',
      'rule',
      'create',
      '--protocol',
      'tcp',
      '--dst-port',
      '80',
      controllerGroup.id,
    );
    expect(http).toMatchObject({
      protocol: 'tcp',
      port_range_min: 80,
      port_range_max: 80,
      direction: 'ingress',
    });
    const amqp = await json(
      'security',
      'group',
      'rule',
      'create',
      '--protocol',
      'tcp',
      '--dst-port',
      '5672',
      '--remote-group',
      workerGroup.id,
      controllerGroup.id,
    );
    expect(amqp).toMatchObject({ remote_group_id: workerGroup.id, port_range_min: 5672 });
    const sg = state().securityGroups.find((g: { id: string }) => g.id === controllerGroup.id);
    expect(sg).toBeDefined();

    const scratch = await json('security', 'group', 'create', 'scratch');
    await osc(['security', 'group', 'delete', scratch.id]);
    const after = await json<Array<{ Name: string }>>('security', 'group', 'list');
    expect(after.map((g) => g.Name)).not.toContain('scratch');
  }, 60_000);

  it('creates a keypair from a public key', async () => {
    writeFileSync(join(cloud.dir, 'id.pub'), `${PUBLIC_KEY}\n`);
    const key = await json('keypair', 'create', '--public-key', join(cloud.dir, 'id.pub'), 'demokey');
    expect(key).toMatchObject({ name: 'demokey' });
    expect(key.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  }, 30_000);

  it('boots a worker from the guide userdata, ACTIVE, with addresses, groups and a console log', async () => {
    const created = await json(
      'server',
      'create',
      '--image',
      'ubuntu-22.04',
      '--flavor',
      'm1.tiny',
      '--key-name',
      'demokey',
      '--security-group',
      'worker',
      '--user-data',
      userDataFile,
      '--wait',
      'app-worker-1',
    );
    expect(created.status).toBe('ACTIVE');
    server = created;
    const shown = await json('server', 'show', created.id);
    expect(shown.status).toBe('ACTIVE');
    expect(JSON.stringify(shown.addresses)).toMatch(/private.*10\.\d+\.0\.\d+/);
    expect(JSON.stringify(shown.security_groups)).toContain('worker');
    const { stdout: log } = await osc(['console', 'log', 'show', created.id]);
    expect(log).toContain('booting app-worker-1');
    expect(log).toMatch(/running userdata/);
    workerPids = nodePids(cloud.dataDir);
    expect(workerPids.length).toBeGreaterThanOrEqual(1);
    expect(workerPids.every(isAlive)).toBe(true);
  }, 90_000);

  it('allocates a floating IP from public and associates it with the server', async () => {
    floating = await json('floating', 'ip', 'create', 'public');
    expect(floating.floating_ip_address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await osc(['server', 'add', 'floating', 'ip', server.id, floating.floating_ip_address]);
    const ips = await json<Array<Record<string, string | null>>>('floating', 'ip', 'list');
    const mine = ips.find((ip) => ip.ID === floating.id);
    expect(mine?.['Fixed IP Address']).toMatch(/^10\./);
    expect(mine?.Port).toBeTruthy();
    const shown = await json('server', 'show', server.id);
    expect(JSON.stringify(shown.addresses)).toContain(floating.floating_ip_address);
  }, 60_000);

  it('shows quotas and absolute limits', async () => {
    const quota = await json<Record<string, unknown>>('quota', 'show');
    expect(quota).toMatchObject({ instances: 10 });
    const limits = await json<Array<{ Name: string; Value: number }>>('limits', 'show', '--absolute');
    const byName = Object.fromEntries(limits.map((l) => [l.Name, l.Value]));
    expect(byName).toMatchObject({ maxTotalInstances: 10, totalInstancesUsed: 1 });
  }, 30_000);

  it('refuses an unknown flavor, image or security group, with the OpenStack message', async () => {
    expect(
      await fails(['server', 'create', '--image', 'ubuntu-22.04', '--flavor', 'm1.gigantic', 'x']),
    ).toMatch(/m1\.gigantic/);
    expect(await fails(['server', 'create', '--image', 'no-such-image', '--flavor', 'm1.tiny', 'x'])).toMatch(
      /no-such-image/,
    );
    expect(
      await fails([
        'server',
        'create',
        '--image',
        'ubuntu-22.04',
        '--flavor',
        'm1.tiny',
        '--security-group',
        'nope',
        'x',
      ]),
    ).toMatch(/nope/);
    expect(state().servers).toHaveLength(1);
  }, 60_000);

  it('refuses a wrong password', async () => {
    expect(await fails(['server', 'list'], { OS_PASSWORD: 'wrong' })).toContain(
      'The request you have made requires authentication',
    );
  }, 30_000);

  it('refuses a server over the instances quota', async () => {
    await osc(['quota', 'set', '--instances', '2', cloud.osEnv.OS_PROJECT_NAME!]);
    const extra = await json(
      'server',
      'create',
      '--image',
      'ubuntu-22.04',
      '--flavor',
      'm1.tiny',
      '--user-data',
      quietUserDataFile,
      'quiet-1',
    );
    try {
      expect(
        await fails([
          'server',
          'create',
          '--image',
          'ubuntu-22.04',
          '--flavor',
          'm1.tiny',
          '--user-data',
          quietUserDataFile,
          'quiet-2',
        ]),
      ).toContain('Quota exceeded for instances: Requested 1, but already used 2 of 2 instances');
    } finally {
      await osc(['server', 'delete', '--wait', extra.id]);
      await osc(['quota', 'set', '--instances', '10', cloud.osEnv.OS_PROJECT_NAME!]);
    }
  }, 90_000);

  it('deletes the server and releases the floating IP', async () => {
    await osc(['server', 'delete', '--wait', server.id]);
    expect(await json('server', 'list')).toEqual([]);
    await expect.poll(() => workerPids.filter(isAlive), { timeout: 15_000 }).toEqual([]);
    await osc(['floating', 'ip', 'delete', floating.id]);
    expect(await json('floating', 'ip', 'list')).toEqual([]);
    expect(state().servers).toHaveLength(0);
  }, 90_000);
});
