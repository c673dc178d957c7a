// A room on one local cloud, through the real `openstack` CLI (python3-openstackclient 6.0.0): the
// cloud's admin (clouds.yaml's `faafo-local-admin`) makes two projects and users with the member
// role and sets their quotas; each student makes a server, a security group and a floating IP and
// sees only their own; the other's server is "not found"; a member may not create a project; and
// the admin removes a student's user and project at the end. Then the lesson's own client: a third
// student runs `faafo-tutor step 1` (pkgcloud, their OS_* only), which deletes *their* app-worker-1
// and `worker` group and leaves the same-named ones of another project alone.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ADMIN_CLOUD_NAME,
  adminCredentialsOf,
  writeClientFiles,
} from '../../src/localcloud/control/client-files.ts';
import { cloudPaths } from '../../src/localcloud/control/paths.ts';
import { cleanEnv, runTutor, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';
import { OPENSTACK_CLI as OPENSTACK, openstackCliAvailable } from '../helpers/services.ts';

const run = promisify(execFile);
const available = await openstackCliAvailable();

const STUDENTS = ['alice', 'bob'] as const;
type Student = (typeof STUDENTS)[number] | 'carol';

describe.runIf(available)('a room of two students on one local cloud, with the openstack CLI', () => {
  let cloud: TestCloud;
  let quietUserData: string;
  const made: Record<(typeof STUDENTS)[number], { server: string; group: string; floating: string }> =
    {} as never;
  const studentEnv = (who: Student) => ({
    ...cloud.osEnv,
    OS_USERNAME: who,
    OS_PASSWORD: `${who}-secret`,
    OS_PROJECT_NAME: who,
  });

  /** As the admin (the clouds.yaml entry the cloud wrote) or as a student (their OS_* variables). */
  async function osc(who: 'admin' | Student, args: string[]) {
    const env: Record<string, string> =
      who === 'admin'
        ? { OS_CLOUD: ADMIN_CLOUD_NAME, OS_CLIENT_CONFIG_FILE: cloudPaths(cloud.dataDir).cloudsYaml }
        : studentEnv(who);
    return run(OPENSTACK, args, { env: cleanEnv({ ...env, HOME: cloud.dir }), timeout: 90_000 });
  }
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read field by field
  async function json<T = any>(who: 'admin' | Student, ...args: string[]): Promise<T> {
    return JSON.parse((await osc(who, [...args, '-f', 'json'])).stdout) as T;
  }
  /** A command that must fail; its stderr. */
  async function fails(who: 'admin' | Student, args: string[]): Promise<string> {
    const result = await osc(who, args).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(result, `openstack ${args.join(' ')} as ${who} succeeded`).toBeDefined();
    expect(result!.code).not.toBe(0);
    return result!.stderr;
  }

  beforeAll(async () => {
    cloud = await startTestCloud('localcloud-room-osc-');
    // What `cloud up` writes: the demo entry and the admin's.
    const run = { endpoints: cloud.serving.cloud.endpoints } as Parameters<typeof adminCredentialsOf>[1];
    const state = cloud.serving.cloud.store.read() as Parameters<typeof adminCredentialsOf>[0];
    const demo = {
      authUrl: cloud.osEnv.OS_AUTH_URL!,
      username: cloud.osEnv.OS_USERNAME!,
      password: cloud.osEnv.OS_PASSWORD!,
      projectName: cloud.osEnv.OS_PROJECT_NAME!,
    };
    writeClientFiles(cloudPaths(cloud.dataDir), demo, adminCredentialsOf(state, run));
    quietUserData = join(cloud.dir, 'quiet.sh');
    writeFileSync(quietUserData, '#!/bin/sh\necho hello\n');
  }, 60_000);

  afterAll(async () => {
    await cloud?.close();
  }, 60_000);

  it('the admin entry is in clouds.yaml beside the demo one, with a password of its own', () => {
    const yaml = parse(readFileSync(cloudPaths(cloud.dataDir).cloudsYaml, 'utf8'));
    expect(Object.keys(yaml.clouds)).toEqual(['faafo-local', ADMIN_CLOUD_NAME]);
    expect(yaml.clouds[ADMIN_CLOUD_NAME].auth).toMatchObject({ username: 'admin', project_name: 'admin' });
    expect(yaml.clouds[ADMIN_CLOUD_NAME].auth.password).not.toBe('password');
  });

  it('as admin: creates a project and a user per student with the member role, and sets their quotas', async () => {
    for (const name of STUDENTS) {
      const project = await json('admin', 'project', 'create', name, '--description', `${name}'s lesson`);
      expect(project).toMatchObject({ name, domain_id: 'default', enabled: true });
      const user = await json(
        'admin',
        'user',
        'create',
        '--project',
        name,
        '--password',
        `${name}-secret`,
        name,
      );
      expect(user).toMatchObject({ name, default_project_id: project.id });
      await osc('admin', ['role', 'add', '--project', name, '--user', name, 'member']);
      const assignments = await json(
        'admin',
        'role',
        'assignment',
        'list',
        '--user',
        name,
        '--project',
        name,
      );
      expect(assignments).toEqual([
        expect.objectContaining({ Role: expect.any(String), User: user.id, Project: project.id }),
      ]);
      await osc('admin', ['quota', 'set', '--instances', '6', '--cores', '6', '--floating-ips', '2', name]);
      const quota = await json('admin', 'quota', 'show', name);
      expect(quota).toMatchObject({ instances: 6, cores: 6, 'floating-ips': 2 });
    }
    expect(await fails('admin', ['project', 'create', 'alice'])).toMatch(/Conflict|409/);
  }, 180_000);

  it('as each student: a server, a security group and a floating IP of their own', async () => {
    for (const name of STUDENTS) {
      const group = await json(name, 'security', 'group', 'create', `${name}-web`);
      const server = await json(
        name,
        'server',
        'create',
        '--image',
        'ubuntu-22.04',
        '--flavor',
        'm1.tiny',
        '--user-data',
        quietUserData,
        'app-worker-1',
      );
      const floating = await json(name, 'floating', 'ip', 'create', 'public');
      made[name] = { server: server.id, group: group.id, floating: floating.id };
      // Their own quota, read back: what the admin set.
      expect(await json(name, 'quota', 'show')).toMatchObject({ instances: 6 });
    }
  }, 180_000);

  it('each student lists only their own servers, security groups and floating IPs', async () => {
    for (const name of STUDENTS) {
      const servers = await json<Array<{ ID: string; Name: string }>>(name, 'server', 'list');
      expect(servers.map((s) => [s.ID, s.Name])).toEqual([[made[name].server, 'app-worker-1']]);
      const groups = await json<Array<{ ID: string; Name: string }>>(name, 'security', 'group', 'list');
      expect(groups.map((g) => g.Name).sort()).toEqual([`${name}-web`, 'default']);
      expect(groups.map((g) => g.ID)).toContain(made[name].group);
      const floating = await json<Array<{ ID: string }>>(name, 'floating', 'ip', 'list');
      expect(floating.map((f) => f.ID)).toEqual([made[name].floating]);
    }
  }, 120_000);

  it("the other student's server is not found, to show or to delete; a member may not create a project", async () => {
    expect(await fails('bob', ['server', 'show', made.alice.server])).toMatch(/No server with a name or ID/);
    expect(await fails('bob', ['server', 'delete', made.alice.server])).toMatch(
      /No server with a name or ID/,
    );
    expect(await fails('bob', ['security', 'group', 'delete', made.alice.group])).toMatch(
      /not found|No SecurityGroup/i,
    );
    expect(await fails('alice', ['project', 'create', 'mine'])).toMatch(
      /You are not authorized to perform the requested action: identity:create_project/,
    );
    // Alice's server is still there.
    expect((await json('alice', 'server', 'show', made.alice.server)).name).toBe('app-worker-1');
  }, 120_000);

  it("as admin: a project with servers is refused; after the student's server goes, user and project are deleted", async () => {
    expect(await fails('admin', ['project', 'delete', 'alice'])).toMatch(/still has servers/);
    await osc('alice', ['server', 'delete', made.alice.server]);
    await osc('admin', ['user', 'delete', 'alice']);
    await osc('admin', ['project', 'delete', 'alice']);
    const projects = await json<Array<{ Name: string }>>('admin', 'project', 'list');
    expect(projects.map((p) => p.Name).sort()).toEqual(['admin', 'bob', 'demo']);
    expect(await fails('alice', ['server', 'list'])).toMatch(/authenticate|401/i);
    // Bob carries on.
    expect((await json<Array<{ ID: string }>>('bob', 'server', 'list')).map((s) => s.ID)).toEqual([
      made.bob.server,
    ]);
  }, 120_000);

  it("the lesson's step 1 as another project's user deletes only that project's app-worker-1 and worker group", async () => {
    await osc('admin', ['project', 'create', 'carol']);
    await osc('admin', ['user', 'create', '--project', 'carol', '--password', 'carol-secret', 'carol']);
    await osc('admin', ['role', 'add', '--project', 'carol', '--user', 'carol', 'member']);
    for (const who of ['bob', 'carol'] as const) await osc(who, ['security', 'group', 'create', 'worker']);
    const carols = await json(
      'carol',
      'server',
      'create',
      '--image',
      'ubuntu-22.04',
      '--flavor',
      'm1.tiny',
      '--user-data',
      quietUserData,
      'app-worker-1',
    );
    const home = join(cloud.dir, 'carol-home');
    const ran = await runTutor(
      ['step', '1'],
      cleanEnv({
        ...studentEnv('carol'),
        HOME: home,
        XDG_DATA_HOME: join(home, 'data'),
        XDG_CONFIG_HOME: join(home, 'config'),
      }),
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('Destroying Instance: app-worker-1');
    expect(ran.stdout).toContain('Deleting security group: worker');
    const state = cloud.serving.cloud.store.read();
    const project = (name: string) => state.projects.find((p) => p.name === name)!.id;
    const live = (name: string) =>
      state.servers.filter((s) => s.projectId === project(name) && s.status !== 'DELETED').map((s) => s.id);
    const groups = (name: string) =>
      state.securityGroups
        .filter((g) => g.projectId === project(name))
        .map((g) => g.name)
        .sort();
    expect(live('carol')).not.toContain(carols.id);
    expect(groups('carol')).toEqual(['default']);
    // Bob's server of the same name and his `worker` group are untouched.
    expect(live('bob')).toEqual([made.bob.server]);
    expect(groups('bob')).toEqual(['bob-web', 'default', 'worker']);
  }, 240_000);
});
