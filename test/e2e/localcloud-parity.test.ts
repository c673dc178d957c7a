// Nova's proxies and Neutron's routes over one model, read back through the real `openstack` CLI
// (python3-openstackclient, which talks to Neutron for groups and floating IPs): a group with a CIDR
// rule and a source-group rule made through Nova's os-security-groups proxy (as libcloud sends them)
// and the same made with the CLI through Neutron look the same; floating IPs allocated either way
// are listed alike; Nova's and Neutron's quota usage agree; and a fresh project has its `default`
// group whichever API touched it first.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRole } from '../../src/localcloud/model/identity.ts';
import { UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';
import { cleanEnv, issueV3Token, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';
import { OPENSTACK_CLI as OPENSTACK, openstackCliAvailable } from '../helpers/services.ts';

const run = promisify(execFile);
const available = await openstackCliAvailable();

// biome-ignore lint/suspicious/noExplicitAny: the CLI's and the APIs' JSON, read field by field
type Json = any;

describe.runIf(available)('Nova and Neutron changes read back through the openstack CLI', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud('localcloud-parity-');
  }, 60_000);

  afterAll(async () => {
    await cloud?.close();
  }, 60_000);

  const state = () => cloud.serving.cloud.store.read();

  async function json(env: Record<string, string>, ...args: string[]): Promise<Json> {
    const { stdout } = await run(OPENSTACK, [...args, '-f', 'json'], {
      env: cleanEnv({ ...env, HOME: cloud.dir }),
      timeout: 90_000,
    });
    return JSON.parse(stdout);
  }
  const osc = (...args: string[]) => json(cloud.osEnv, ...args);

  /** Nova's API with a token for `env`'s user, as libcloud calls it. */
  async function novaClient(env: Record<string, string>) {
    const token = await issueV3Token(cloud.serving.cloud.endpoints.identity, env);
    return async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${cloud.serving.cloud.endpoints.compute}${path}`, {
        method,
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    };
  }

  /** A group's rules as `security group rule list --long` shows them, ids replaced by group names. */
  async function rulesShown(env: Record<string, string>, group: string) {
    const groups: Json[] = await json(env, 'security', 'group', 'list');
    const nameOf = (id: string | null) => (id ? groups.find((g) => g.ID === id)?.Name : null);
    const rules: Json[] = await json(env, 'security', 'group', 'rule', 'list', '--long', group);
    return rules
      .map(({ ID: _, 'Remote Security Group': remote, ...rule }) => ({ ...rule, remote: nameOf(remote) }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  /** Usage as `quota list --detail` shows it from Nova (--compute) and from Neutron (--network). */
  async function usage() {
    const project = cloud.osEnv.OS_PROJECT_NAME!;
    const compute: Json[] = await osc('quota', 'list', '--detail', '--compute', '--project', project);
    const network: Json[] = await osc('quota', 'list', '--detail', '--network', '--project', project);
    // openstacksdk names Neutron's floatingip, security_group and security_group_rule as Nova does.
    const inUse = (rows: Json[]) => {
      const of = (resource: string) => rows.find((r) => r.Resource === resource)?.['In Use'];
      return {
        floating_ips: of('floating_ips'),
        security_groups: of('security_groups'),
        security_group_rules: of('security_group_rules'),
      };
    };
    return { compute: inUse(compute), network: inUse(network) };
  }

  it('groups and rules made through Nova and through Neutron look the same to the CLI', async () => {
    const nova = await novaClient(cloud.osEnv);
    const created = async (name: string) => {
      const response = await nova('POST', '/os-security-groups', {
        security_group: { name, description: 'made through Nova' },
      });
      expect(response.status).toBe(200);
      return response.json.security_group.id as string;
    };
    const novaWorker = await created('nova-worker');
    const novaControl = await created('nova-control');
    for (const rule of [
      { ip_protocol: 'TCP', from_port: 80, to_port: 80, cidr: null, group_id: null },
      { ip_protocol: 'TCP', from_port: 5672, to_port: 5672, cidr: null, group_id: novaWorker },
    ]) {
      const response = await nova('POST', '/os-security-group-rules', {
        security_group_rule: { parent_group_id: novaControl, ...rule },
      });
      expect(response.status).toBe(200);
    }

    await osc('security', 'group', 'create', 'neutron-worker', '--description', 'made through Neutron');
    await osc('security', 'group', 'create', 'neutron-control', '--description', 'made through Neutron');
    await osc(
      'security',
      'group',
      'rule',
      'create',
      '--protocol',
      'tcp',
      '--dst-port',
      '80',
      'neutron-control',
    );
    await osc(
      'security',
      'group',
      'rule',
      'create',
      '--protocol',
      'tcp',
      '--dst-port',
      '5672',
      '--remote-group',
      'neutron-worker',
      'neutron-control',
    );

    const novaRules = await rulesShown(cloud.osEnv, 'nova-control');
    const neutronRules = await rulesShown(cloud.osEnv, 'neutron-control');
    expect(novaRules.map((r) => ({ ...r, remote: r.remote?.replace('nova-', '') }))).toEqual(
      neutronRules.map((r) => ({ ...r, remote: r.remote?.replace('neutron-', '') })),
    );
    expect(novaRules).toHaveLength(4); // two egress, the CIDR rule, the source-group rule
    expect(novaRules).toContainEqual(
      expect.objectContaining({ 'Port Range': '5672:5672', remote: 'nova-worker' }),
    );
    expect(await rulesShown(cloud.osEnv, 'nova-worker')).toEqual(
      await rulesShown(cloud.osEnv, 'neutron-worker'),
    );

    // Nova shows the Neutron-made group as it shows its own.
    const novaView = (await nova('GET', '/os-security-groups')).json.security_groups;
    const shape = (name: string) => {
      const group = novaView.find((g: Json) => g.name === name);
      return group.rules
        .map((r: Json) => [
          r.ip_protocol,
          r.from_port,
          r.to_port,
          r.ip_range.cidr ?? null,
          r.group.name ?? null,
        ])
        .map((r: Json[]) => JSON.stringify(r).replace(/(nova|neutron)-/, ''))
        .sort();
    };
    expect(shape('nova-control')).toEqual(shape('neutron-control'));

    const counts = await usage();
    expect(counts.compute).toEqual(counts.network);
    expect(counts.compute).toEqual({ floating_ips: 0, security_groups: 5, security_group_rules: 16 });
  }, 120_000);

  it('floating IPs allocated through Nova and through Neutron are listed alike; usage agrees after each', async () => {
    const nova = await novaClient(cloud.osEnv);
    const fromNova = await nova('POST', '/os-floating-ips', { pool: 'public' });
    expect(fromNova.status).toBe(200);
    let counts = await usage();
    expect(counts.compute).toEqual(counts.network);
    expect(counts.compute.floating_ips).toBe(1);

    const fromNeutron = await osc('floating', 'ip', 'create', 'public');
    counts = await usage();
    expect(counts.compute).toEqual(counts.network);
    expect(counts.compute.floating_ips).toBe(2);

    const listed: Json[] = await osc('floating', 'ip', 'list');
    const shown = listed
      .map((f) => ({ address: f['Floating IP Address'], fixed: f['Fixed IP Address'], port: f.Port }))
      .sort((a, b) => a.address.localeCompare(b.address));
    expect(shown).toEqual([
      { address: fromNova.json.floating_ip.ip, fixed: null, port: null },
      { address: fromNeutron.floating_ip_address, fixed: null, port: null },
    ]);

    // Released the other way round: Nova releases Neutron's, the CLI releases Nova's.
    expect((await nova('DELETE', `/os-floating-ips/${fromNeutron.id}`)).status).toBe(202);
    await run(OPENSTACK, ['floating', 'ip', 'delete', fromNova.json.floating_ip.id], {
      env: cleanEnv({ ...cloud.osEnv, HOME: cloud.dir }),
    });
    expect(await osc('floating', 'ip', 'list')).toEqual([]);
    counts = await usage();
    expect(counts.compute).toEqual(counts.network);
    expect(counts.compute.floating_ips).toBe(0);
  }, 120_000);

  /** A second user whose own project nothing has touched yet. */
  function freshProject(name: string): Record<string, string> {
    const password = randomBytes(9).toString('base64url');
    cloud.serving.cloud.store.update((draft) => {
      const projectId = randomBytes(16).toString('hex');
      const userId = randomBytes(16).toString('hex');
      draft.projects.push({ id: projectId, name, domainId: 'default' });
      draft.users.push({ id: userId, name, password, domainId: 'default', defaultProjectId: projectId });
      // A token scoped to a project needs a role there, as in Keystone.
      draft.roleAssignments.push({ userId, projectId, roleId: findRole('member')!.id });
    });
    return { ...cloud.osEnv, OS_USERNAME: name, OS_PASSWORD: password, OS_PROJECT_NAME: name };
  }

  it("a fresh project's `default` group is the same whichever API touched the project first", async () => {
    const seeded = await rulesShown(cloud.osEnv, 'default');
    expect(seeded).toHaveLength(4);
    const touches: [string, (env: Record<string, string>) => Promise<void>][] = [
      [
        'nova-server',
        async (env) => {
          const nova = await novaClient(env);
          // libcloud's create_node names the default group.
          const response = await nova('POST', '/servers', {
            server: {
              name: 'first',
              imageRef: UBUNTU_IMAGE_ID,
              flavorRef: '1',
              security_groups: [{ name: 'default' }],
              user_data: Buffer.from('#!/bin/sh\necho hello\n').toString('base64'),
            },
          });
          expect(response.status, JSON.stringify(response.json)).toBe(202);
          expect((await nova('DELETE', `/servers/${response.json.server.id}`)).status).toBe(204);
        },
      ],
      [
        'nova-groups',
        async (env) => {
          const nova = await novaClient(env);
          expect((await nova('GET', '/os-security-groups')).json.security_groups).toHaveLength(1);
        },
      ],
      [
        'neutron-groups',
        async (env) => {
          await json(env, 'security', 'group', 'list');
        },
      ],
    ];
    for (const [name, touch] of touches) {
      const env = freshProject(name);
      const projectId = state().projects.find((p) => p.name === name)!.id;
      expect(state().securityGroups.filter((g) => g.projectId === projectId)).toEqual([]);
      await touch(env);
      const groups: Json[] = await json(env, 'security', 'group', 'list');
      expect(
        groups.map((g) => g.Name),
        name,
      ).toEqual(['default']);
      const rules = await rulesShown(env, 'default');
      expect(rules, name).toEqual(seeded);
    }
  }, 120_000);
});
