// The lesson end to end: `faafo-tutor step prelude`, then `step 1` … `step 7`, each in a fresh
// process, against a local cloud started for this test — under its own user, reached only through
// the OS_* variables (nothing is hard-wired to the default cloud). After each step the cloud's own
// state is read (not through our client) and compared with the guide: groups and rules exactly,
// servers ACTIVE in the right groups, floating IPs on app-api-1/2, and in step 7 fractals drawn by
// more than one worker. Re-running steps must keep what is there.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaafoClient } from '../../src/faafo/cli/client.ts';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import type { CloudState } from '../../src/localcloud/state.ts';
import { cleanEnv, runTutor, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';

const CREDENTIALS = { username: 'alice', password: 'Fractal-s3cret', projectName: 'scaling-lab' };

let cloud: TestCloud;
let home: string;

/** `faafo-tutor step <id> …` in a new process with the cloud's OS_* only. */
function step(
  id: string,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
  osEnv: Record<string, string> = cloud.osEnv,
) {
  return runTutor(
    ['step', id, ...extraArgs],
    cleanEnv({
      ...osEnv,
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CONFIG_HOME: join(home, 'config'),
      ...extraEnv,
    }),
  );
}

const state = (): Readonly<CloudState> => cloud.serving.cloud.store.read();
const live = () => state().servers.filter((s) => s.status !== 'DELETED');
const serverNamed = (name: string) => live().filter((s) => s.name === name);
const groupName = (id: string | null) => state().securityGroups.find((g) => g.id === id)?.name ?? id;

/** A group's ingress rules as the guide writes them, read from the cloud's state. */
function rulesOf(name: string): string[] {
  const groups = state().securityGroups.filter((g) => g.name === name);
  expect(groups, `one security group named ${name}`).toHaveLength(1);
  return state()
    .securityGroupRules.filter((r) => r.groupId === groups[0]!.id && r.direction === 'ingress')
    .map(
      (r) =>
        `${r.protocol} ${r.portMin}-${r.portMax} from ${r.remoteGroupId ? groupName(r.remoteGroupId) : r.remoteIpPrefix}`,
    )
    .sort();
}

function expectServer(name: string, group: string, floating: boolean) {
  const servers = serverNamed(name);
  expect(servers, `exactly one server ${name}`).toHaveLength(1);
  const server = servers[0]!;
  expect(server.status, `${name}: ${server.fault?.message ?? ''}`).toBe('ACTIVE');
  expect(server.securityGroupIds.map(groupName)).toEqual([group]);
  expect(server.fixedIp).toMatch(/^10\.\d+\.0\.\d+$/);
  const fips = state().floatingIps.filter((f) => f.serverId === server.id);
  expect(fips.length, `${name} floating IPs`).toBe(floating ? 1 : 0);
}

/**
 * The guide's http://IP/ for a server's floating IP, as this machine reaches the app there: the
 * local cloud serves the nodes' port 80 on another port when 80 cannot be bound.
 */
async function appUrl(name: string): Promise<string> {
  const server = serverNamed(name)[0]!;
  const fip = state().floatingIps.find((f) => f.serverId === server.id)!;
  const port = (await (cloud.serving.cloud.runtime as LocalNodeRuntime).servicePorts()).api;
  return `http://${fip.address}${port === 80 ? '' : `:${port}`}/`;
}

/** The URL answers: the app's gallery is there. */
async function expectAnswers(url: string) {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  expect(response.status, url).toBe(200);
}

const GUIDE_RULES: Record<string, string[]> = {
  api: ['tcp 22-22 from 0.0.0.0/0', 'tcp 80-80 from 0.0.0.0/0'],
  worker: ['tcp 22-22 from 0.0.0.0/0'],
  control: ['tcp 22-22 from 0.0.0.0/0', 'tcp 5672-5672 from worker', 'tcp 80-80 from 0.0.0.0/0'],
  services: [
    'tcp 22-22 from 0.0.0.0/0',
    'tcp 3306-3306 from api',
    'tcp 5672-5672 from api',
    'tcp 5672-5672 from worker',
  ],
};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'lesson-steps-home-'));
  cloud = await startTestCloud('lesson-steps-', CREDENTIALS);
}, 60_000);

afterAll(async () => {
  await cloud?.close();
  if (home) rmSync(home, { recursive: true, force: true });
}, 60_000);

describe('the lesson, step by step, each in a fresh process (user alice, project scaling-lab)', () => {
  it('prelude: app-controller and app-worker-1 of the previous section', { timeout: 120_000 }, async () => {
    const r = await step('prelude');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('using the OS_* variables');
    expect(r.stdout).toContain('user alice, project scaling-lab');
    expect(r.stdout).not.toContain(CREDENTIALS.password);
    expect(state().keypairs.map((k) => k.name)).toContain('demokey');
    expect(rulesOf('worker')).toEqual(GUIDE_RULES.worker);
    expect(rulesOf('control')).toEqual(GUIDE_RULES.control);
    expectServer('app-controller', 'control', true);
    expectServer('app-worker-1', 'worker', false);
    // The cloud made the key (no ~/.ssh here): its file is named, and no ssh command, as no node runs sshd.
    expect(r.stdout).toMatch(/its private key is in \S+demokey\.pem\n/);
    expect(r.stdout).not.toMatch(/\bssh\b/);
    // The app's whole URL, port included, and it answers.
    const url = await appUrl('app-controller');
    expect(r.stdout).toContain(`the app: ${url}\n`);
    await expectAnswers(url);
  });

  it('step 1: removes the old instances, then their security groups', { timeout: 120_000 }, async () => {
    const r = await step('1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Destroying Instance: app-controller');
    expect(r.stdout).toContain('Destroying Instance: app-worker-1');
    expect(r.stdout).toContain('Deleting security group: control');
    expect(live()).toEqual([]);
    expect(state().securityGroups.map((g) => g.name)).toEqual(['default']);
    // The controller's floating IP stays allocated, free for getFloatingIp to reuse.
    expect(state().floatingIps.filter((f) => f.serverId === null)).toHaveLength(1);
  });

  it("step 2: the four groups with exactly the guide's rules, source-group rules included", {
    timeout: 60_000,
  }, async () => {
    const r = await step('2');
    expect(r.code, r.stderr).toBe(0);
    for (const [name, rules] of Object.entries(GUIDE_RULES)) expect(rulesOf(name)).toEqual(rules);
    expect(state().securityGroups.find((g) => g.name === 'worker')?.description).toBe(
      'for services that run on a worker note',
    );
  });

  it('step 2 again: finds and keeps every group and rule, makes no duplicate', {
    timeout: 60_000,
  }, async () => {
    const before = state().securityGroupRules.length;
    const r = await step('2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('found security group api');
    expect(r.stdout).toContain('found rule TCP 5672-5672 to services from api: kept');
    expect(state().securityGroupRules.length).toBe(before);
    for (const [name, rules] of Object.entries(GUIDE_RULES)) expect(rulesOf(name)).toEqual(rules);
  });

  it('step 3: defines getFloatingIp and changes nothing', { timeout: 60_000 }, async () => {
    const fips = state().floatingIps.length;
    const r = await step('3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/getFloatingIp is defined\. This project holds 1 floating IP\(s\), 1 unused/);
    expect(state().floatingIps.length).toBe(fips);
  });

  it('step 4: app-services, ACTIVE in the services group', { timeout: 120_000 }, async () => {
    const r = await step('4');
    expect(r.code, r.stderr).toBe(0);
    expectServer('app-services', 'services', false);
    expect(r.stdout).toContain(`app-services is running at ${serverNamed('app-services')[0]!.fixedIp}`);
  });

  it('step 5: two API servers with a floating IP each (the free one reused)', {
    timeout: 120_000,
  }, async () => {
    const r = await step('5');
    expect(r.code, r.stderr).toBe(0);
    expectServer('app-api-1', 'api', true);
    expectServer('app-api-2', 'api', true);
    expect(state().floatingIps).toHaveLength(2);
    for (const name of ['app-api-1', 'app-api-2']) {
      const server = serverNamed(name)[0]!;
      const fip = state().floatingIps.find((f) => f.serverId === server.id)!;
      expect(r.stdout).toContain(`allocated ${fip.address} to ${name}`);
      // The guide's http://IP_API_1/, whole: the port the local cloud moved it to included.
      const url = await appUrl(name);
      expect(r.stdout).toContain(`${name} serves the app at ${url}\n`);
      await expectAnswers(url);
    }
  });

  it('step 5 again: keeps both servers and their floating IPs', { timeout: 120_000 }, async () => {
    const ids = live().map((s) => s.id);
    const r = await step('5');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('found server app-api-1 (ACTIVE): kept');
    expect(r.stdout).toContain('app-api-2 already has the floating IP');
    expect(live().map((s) => s.id)).toEqual(ids);
    expect(state().floatingIps).toHaveLength(2);
  });

  it('step 6: three workers; six servers in all', { timeout: 120_000 }, async () => {
    const r = await step('6');
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['app-worker-1', 'app-worker-2', 'app-worker-3']) expectServer(name, 'worker', false);
    expect(
      live()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['app-api-1', 'app-api-2', 'app-services', 'app-worker-1', 'app-worker-2', 'app-worker-3']);
  });

  it('step 7: fractals drawn by several workers, the app going on without app-worker-1 and app-api-2', {
    timeout: 240_000,
  }, async () => {
    const r = await step('7');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| generated_by \| app-worker-\d/);
    expect(r.stdout).toContain('app-worker-1 is SHUTOFF');
    expect(r.stdout).toContain('app-api-2 is SHUTOFF');
    const afterKill = /generated_by with app-worker-1 and app-api-2 gone: (.*)/.exec(r.stdout)?.[1] ?? '';
    expect(afterKill).toMatch(/app-worker-[23]/);
    expect(afterKill).not.toContain('app-worker-1');
    // The cloud again, and the app itself, read directly.
    for (const name of ['app-worker-1', 'app-api-2']) expect(serverNamed(name)[0]!.status).toBe('ACTIVE');
    const api1 = serverNamed('app-api-1')[0]!;
    const fip = state().floatingIps.find((f) => f.serverId === api1.id)!;
    const port = (await (cloud.serving.cloud.runtime as LocalNodeRuntime).servicePorts()).api;
    const fractals = await new FaafoClient(`http://${fip.address}:${port}`).listAll();
    expect(fractals).toHaveLength(10);
    expect(fractals.every((f) => f.state === 'done')).toBe(true);
    expect(new Set(fractals.map((f) => f.generated_by)).size).toBeGreaterThan(1);
  });

  it("runs on Keystone v2.0 too (pkgcloud's default), with the same user", { timeout: 60_000 }, async () => {
    const r = await step('7', ['--check'], {
      OS_AUTH_URL: `${cloud.osEnv.OS_AUTH_URL}/v2.0`,
      OS_IDENTITY_API_VERSION: '2',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('✓ fractals drawn by more than one worker');
  });

  it('finds the cloud by name in clouds.yaml (--cloud), with no OS_* set', { timeout: 60_000 }, async () => {
    const dir = join(home, 'config', 'openstack');
    mkdirSync(dir, { recursive: true });
    const entry = {
      auth: {
        auth_url: cloud.osEnv.OS_AUTH_URL,
        username: CREDENTIALS.username,
        password: CREDENTIALS.password,
        project_name: CREDENTIALS.projectName,
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      region_name: 'RegionOne',
      identity_api_version: 3,
    };
    writeFileSync(join(dir, 'clouds.yaml'), JSON.stringify({ clouds: { 'scaling-lab': entry } }));
    const r = await step('5', ['--check', '--cloud', 'scaling-lab'], {}, {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`using cloud 'scaling-lab' from ${join(dir, 'clouds.yaml')}`);
    const missing = await step('5', ['--check', '--cloud', 'nowhere'], {}, {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No cloud named 'nowhere'");
    expect(missing.stderr).toContain('scaling-lab');
  });

  it('refuses a missing image with one line that lists the images, and creates nothing', {
    timeout: 60_000,
  }, async () => {
    const before = live().length;
    const r = await step('4', ['--image', 'centos-7']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("There is no image named 'centos-7'");
    expect(r.stderr).toContain('ubuntu-22.04');
    expect(r.stderr).toContain('--image NAME');
    expect(live()).toHaveLength(before);
  });

  it('refuses a wrong password with one line, without showing any password', {
    timeout: 60_000,
  }, async () => {
    const r = await step('4', [], { OS_PASSWORD: 'not-the-password' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('refused the credentials');
    expect(r.stderr).toContain('OS_PASSWORD');
    expect(r.stderr + r.stdout).not.toContain('not-the-password');
    expect(r.stderr + r.stdout).not.toContain(CREDENTIALS.password);
  });

  it('refuses a step the quota cannot hold before creating anything', { timeout: 120_000 }, async () => {
    // Step 1 removes the lesson's servers; with room for one instance, step 4 fits and step 5 does not.
    expect((await step('1')).code).toBe(0);
    expect((await step('2')).code).toBe(0);
    const project = state().projects[0]!.id;
    cloud.serving.cloud.store.update((s) => {
      s.quotas[project] = { ...s.quotas[project]!, instances: 1 };
    });
    expect((await step('4')).code).toBe(0);
    const r = await step('5');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Step 5 needs 2 more server\(s\) .*only 0 are left.*Nothing was created/);
    expect(r.stderr).toContain('faafo-tutor step 1');
    expect(live().map((s) => s.name)).toEqual(['app-services']);
  });

  it('says what a step made before the cloud refused the rest; run again, it finishes', {
    timeout: 60_000,
  }, async () => {
    // Room for three more rules: the api group (Neutron gives it two egress rules) and its first
    // rule; then Neutron refuses the next rule (OverQuota), and the step's line says what it left.
    expect((await step('1')).code).toBe(0);
    const project = state().projects[0]!.id;
    const quota = state().quotas[project]!;
    const used = state().securityGroupRules.length;
    cloud.serving.cloud.store.update((s) => {
      s.quotas[project] = { ...quota, instances: 10, securityGroupRules: used + 3 };
    });
    const r = await step('2');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('Could not add the rule TCP 22-22 to api: Quota exceeded');
    expect(r.stderr).toContain('this run made security group api, security group rule TCP 80-80 to api;');
    expect(r.stderr).toContain('run the step again to finish');
    expect(rulesOf('api')).toEqual(['tcp 80-80 from 0.0.0.0/0']);

    cloud.serving.cloud.store.update((s) => {
      s.quotas[project] = { ...quota, instances: 10 };
    });
    const again = await step('2');
    expect(again.code, again.stderr).toBe(0);
    for (const [name, rules] of Object.entries(GUIDE_RULES)) expect(rulesOf(name)).toEqual(rules);
  });
});
