// A room on one shared local cloud (`classroom serve --shared-cloud`), as the teacher's board uses
// it: a local cloud started in a temp dir, two students admitted (each their own Keystone project,
// user and quotas), each working with the real `openstack` CLI from the clouds.yaml or the openrc
// the board hands out — a server, a floating IP, a security group, a key pair — and seeing only
// their own; a third student beyond the room's size is refused with its sentence; closing the room
// leaves no student project, user, server or floating IP, checked as the cloud's admin.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCloseCommand, roomCloudFromFlags } from '../../src/classroom/room/cli-options.ts';
import { openStackRoom } from '../../src/classroom/room/openstack-room.ts';
import {
  LOCAL_ADMIN_CLOUD,
  type SharedLocalRoom,
  sharedLocalRoom,
} from '../../src/classroom/room/shared-local.ts';
import { RoomFullError, type StudentCloud } from '../../src/classroom/room-cloud.ts';
import { resolveCloud } from '../../src/cloud/config.ts';
import { CLOUD_NAME, cloudDown } from '../../src/localcloud/control/index.ts';
import { cleanEnv } from '../helpers/localcloud.ts';
import { OPENSTACK_CLI as OPENSTACK, openstackCliAvailable } from '../helpers/services.ts';

const run = promisify(execFile);
const available = await openstackCliAvailable();
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkTqhFvE2xDwlEO8Uz9e4HLW7Q1lJ7bTbc3C2bX0a1p demo@faafo';

describe.runIf(available)('a room on a shared local cloud', () => {
  let dir: string;
  let dataDir: string;
  let room: SharedLocalRoom;
  const students: Record<string, { files: StudentCloud; home: string }> = {};

  /** The openstack CLI as a student: bob from his openrc, the others from their clouds.yaml. */
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, read field by field
  async function as(student: string, ...args: string[]): Promise<any> {
    const { home, files } = students[student]!;
    const env = cleanEnv({ HOME: home });
    // `delete` prints nothing and takes no -f.
    const command = args.includes('delete') ? args : [...args, '-f', 'json'];
    const { stdout } =
      student !== 'bob'
        ? await run(OPENSTACK, ['--os-cloud', files.cloudName, ...command], {
            env: { ...env, OS_CLIENT_CONFIG_FILE: join(home, 'clouds.yaml') },
            timeout: 120_000,
          })
        : await run('bash', ['-c', `. ./openrc && exec ${OPENSTACK} "$@"`, 'osc', ...command], {
            env,
            cwd: home,
            timeout: 120_000,
          });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: as above
  async function asAdmin(...args: string[]): Promise<any> {
    const env = cleanEnv({ HOME: dir, OS_CLIENT_CONFIG_FILE: join(dataDir, 'clouds.yaml') });
    const { stdout } = await run(OPENSTACK, ['--os-cloud', LOCAL_ADMIN_CLOUD, ...args, '-f', 'json'], {
      env,
      timeout: 60_000,
    });
    return JSON.parse(stdout);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classroom-room-'));
    dataDir = join(dir, 'cloud');
    // A host that fits two students' lessons: 3 cores at a quarter core a vCPU hold two of six vCPUs,
    // and twice the six m1.small servers' RAM.
    room = await sharedLocalRoom({
      room: 'e2e',
      dataDir,
      env: cleanEnv({}),
      vcpuFraction: 0.25,
      host: { cores: 3, memoryMb: 2 * 6 * 2048 },
      io: quiet,
    });
  }, 90_000);

  afterAll(async () => {
    if (dataDir) await cloudDown({ dataDir }, quiet);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('admits two students, each into their own project with the lesson’s quotas', async () => {
    expect(room.hostSize.vcpuFraction).toBe(0.25);
    expect(room.size).toEqual({ students: 2, byCpu: 2, byMemory: 2, setByTeacher: false });
    expect(await room.headroom()).toBe(2);
    for (const [name, id] of [
      ['ada', 's-1'],
      ['bob', 's-2'],
    ] as const) {
      const files = await room.admit({ id, name: name === 'ada' ? 'Ada L.' : 'Bob' });
      const home = join(dir, name);
      mkdirSync(home);
      writeFileSync(join(home, 'clouds.yaml'), files.cloudsYaml);
      writeFileSync(join(home, 'openrc'), files.openrc);
      students[name] = { files, home };
    }
    expect(await room.headroom()).toBe(0);
    const quota = await as('ada', 'quota', 'show');
    const limit = (key: string) =>
      quota.find?.((q: { Resource: string }) => q.Resource === key)?.Limit ?? quota[key];
    expect(limit('instances')).toBe(8);
    expect(limit('floating-ips')).toBe(4);
  });

  it('lets each student make servers and addresses that only they see', async () => {
    for (const name of ['ada', 'bob']) {
      const key = join(students[name]!.home, 'key.pub');
      writeFileSync(key, PUBLIC_KEY);
      await as(name, 'keypair', 'create', '--public-key', key, 'demokey');
      await as(name, 'security', 'group', 'create', 'worker');
      await as(
        name,
        'server',
        'create',
        '--image',
        'ubuntu-22.04',
        '--flavor',
        'm1.tiny',
        '--wait',
        `${name}-1`,
      );
      await as(name, 'floating', 'ip', 'create', 'public');
    }
    for (const [me, other] of [
      ['ada', 'bob'],
      ['bob', 'ada'],
    ] as const) {
      const servers = (await as(me, 'server', 'list')) as Array<{ Name: string }>;
      expect(servers.map((s) => s.Name)).toEqual([`${me}-1`]);
      expect((await as(me, 'floating', 'ip', 'list')) as unknown[]).toHaveLength(1);
      const groups = ((await as(me, 'security', 'group', 'list')) as Array<{ Name: string }>).map(
        (g) => g.Name,
      );
      expect(groups.sort()).toEqual(['default', 'worker']);
      await expect(as(me, 'server', 'show', `${other}-1`)).rejects.toThrow(/No server with a name or ID/);
      // Nor by its id: Nova answers another project's server as missing, so it cannot be deleted either.
      const { id } = await as(other, 'server', 'show', `${other}-1`);
      await expect(as(me, 'server', 'delete', id)).rejects.toThrow(/No server with a name or ID/);
      expect((await as(other, 'server', 'show', id)).status).toBe('ACTIVE');
    }
  });

  it('refuses a third student with a sentence saying why and what to do', async () => {
    const refused = room.admit({ id: 's-3', name: 'Cara' });
    await expect(refused).rejects.toBeInstanceOf(RoomFullError);
    await expect(refused).rejects.toThrow(
      "This host fits 2 students' lessons (3 cores and 24576 MB; each needs 6 vCPU (1.50 of a host core) and 12288 MB), and all are taken; ask the teacher to close a student's project, start the room with a larger --students-max, or run it on a bigger host or a real OpenStack (--cloud NAME).",
    );
    expect((await room.projects()).map((p) => p.name).sort()).toEqual(['faafo-e2e-ada-l', 'faafo-e2e-bob']);
  });

  it('leaves no student project, user, server or floating IP once closed', async () => {
    await room.close();
    const projects = (await asAdmin('project', 'list')) as Array<{ Name: string }>;
    expect(projects.map((p) => p.Name).filter((n) => n.startsWith('faafo-e2e-'))).toEqual([]);
    const users = (await asAdmin('user', 'list')) as Array<{ Name: string }>;
    expect(users.map((u) => u.Name).filter((n) => n.startsWith('faafo-e2e-'))).toEqual([]);
    expect(await asAdmin('server', 'list', '--all-projects')).toEqual([]);
    expect(await asAdmin('floating', 'ip', 'list')).toEqual([]);
    expect(await room.headroom()).toBe(2);
    await expect(as('ada', 'server', 'list')).rejects.toThrow();
  });

  it('runs a room on a cloud named in clouds.yaml with admin credentials (--cloud NAME), closed by `classroom close`', async () => {
    const env = cleanEnv({ HOME: dir, OS_CLIENT_CONFIG_FILE: join(dataDir, 'clouds.yaml') });
    const flags = { cloud: LOCAL_ADMIN_CLOUD, room: 'Dept Lab' };
    const dept = await roomCloudFromFlags(flags, env);
    expect(await dept!.headroom()).toBeNull();
    const files = await dept!.admit({ id: 's-9', name: 'Dana' });
    const home = join(dir, 'dana');
    mkdirSync(home);
    writeFileSync(join(home, 'clouds.yaml'), files.cloudsYaml);
    students.dana = { files, home };
    expect(await as('dana', 'server', 'list')).toEqual([]);

    const out: string[] = [];
    const classroom = new Command('classroom').exitOverride();
    addCloseCommand(
      classroom,
      { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => true } },
      env,
    );
    await classroom.parseAsync(['close', '--cloud', LOCAL_ADMIN_CLOUD, '--room', 'Dept Lab'], {
      from: 'user',
    });
    expect(out.join('')).toBe(
      "Room 'Dept Lab' closed: removed 1 student project(s) and their users (faafo-dept-lab-dana).\n",
    );
    const projects = (await asAdmin('project', 'list')) as Array<{ Name: string }>;
    expect(projects.map((p) => p.Name).filter((n) => n.startsWith('faafo-'))).toEqual([]);
  });

  it('says in one sentence, without the password, when the credentials are not an admin’s or are wrong', async () => {
    const env = cleanEnv({ HOME: dir, OS_CLIENT_CONFIG_FILE: join(dataDir, 'clouds.yaml') });
    const member = resolveCloud({ cloud: CLOUD_NAME, env });
    await expect(openStackRoom({ room: 'x', cloud: CLOUD_NAME, env })).rejects.toThrow(
      /^Listing the (projects|users) failed: cloud 'faafo-local' from .* answered 403: .*; the cloud user needs the admin role \(use the cloud’s admin credentials\)\.$/,
    );
    const wrong = { ...member.auth!, password: 'not-the-password' };
    const login = openStackRoom({ room: 'x', auth: { auth: wrong, label: 'the room cloud' } });
    await expect(login).rejects.toThrow(
      /^Logging in to the room cloud as \S+ was refused \(401: .*\); check the user, password and project of that cloud\.$/,
    );
    const message = await login.catch((e: Error) => e.message);
    expect(message).not.toContain('not-the-password');
  });
});
