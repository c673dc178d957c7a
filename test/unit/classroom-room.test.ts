// The pure parts of a room's cloud (src/classroom/room): names and slugs, the student's clouds.yaml
// and openrc (read back by our own cloud config and by bash), what the lesson needs and the quotas
// from it, the host's headroom, and the error sentences the admin client makes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CloudAdminError,
  catalogEndpoint,
  cloudSaid,
  openAdminSession,
} from '../../src/classroom/room/admin-session.ts';
import {
  addCloseCommand,
  addRoomServeOptions,
  openRoomCloud,
  roomCloudFromFlags,
  roomCloudLine,
} from '../../src/classroom/room/cli-options.ts';
import { listFlavors } from '../../src/classroom/room/flavors.ts';
import { headroomOf, roomFullError, roomSize } from '../../src/classroom/room/headroom.ts';
import { listProjects } from '../../src/classroom/room/identity-admin.ts';
import { lessonNeeds, studentFootprint, studentQuota } from '../../src/classroom/room/lesson-needs.ts';
import { oneAtATime } from '../../src/classroom/room/one-at-a-time.ts';
import {
  isClassroomProject,
  isRoomProject,
  projectDescription,
  roomPrefix,
  slugOf,
  studentIdOf,
  studentProjectName,
} from '../../src/classroom/room/room-names.ts';
import { STUDENT_CLOUD_NAME, studentCloud } from '../../src/classroom/room/student-files.ts';
import { RoomFullError } from '../../src/classroom/room-cloud.ts';
import { resolveCloud } from '../../src/cloud/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'classroom-room-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('room names', () => {
  it('slugs names to lower-case letters, digits and single dashes', () => {
    expect(slugOf('Ada L. Lovelace')).toBe('ada-l-lovelace');
    expect(slugOf('  José  Müller ')).toBe('jose-muller');
    expect(slugOf('李雷')).toBe('student');
    expect(slugOf('a'.repeat(40))).toHaveLength(24);
    expect(slugOf('abcd efgh', 5)).toBe('abcd');
  });

  it('names a student project after the room and the student, numbering a slug already taken', () => {
    expect(roomPrefix('Tuesday Workshop')).toBe('faafo-tuesday-workshop-');
    expect(studentProjectName('tue', 'Ada L.', [])).toBe('faafo-tue-ada-l');
    expect(studentProjectName('tue', 'Ada-L', ['faafo-tue-ada-l'])).toBe('faafo-tue-ada-l-2');
    expect(studentProjectName('tue', 'ada l', ['faafo-tue-ada-l', 'faafo-tue-ada-l-2'])).toBe(
      'faafo-tue-ada-l-3',
    );
  });

  it("finds a room's projects by prefix and marker, never a look-alike", () => {
    const description = projectDescription('tue', { id: 's-42', name: 'Ada L.' });
    const ours = { id: 'p1', name: 'faafo-tue-ada-l', description };
    expect(isRoomProject('tue', ours, [])).toBe(true);
    expect(isClassroomProject(ours, [])).toBe(true);
    expect(studentIdOf(ours)).toBe('s-42');
    expect(isRoomProject('wed', ours, [])).toBe(false);
    expect(
      isRoomProject('tue', { id: 'p2', name: 'faafo-tue-ada-l', description: 'my own project' }, []),
    ).toBe(false);
    expect(isRoomProject('tue', { id: 'p3', name: 'faafo-tuesday-x', description }, [])).toBe(false);
    expect(isClassroomProject({ id: 'p4', name: 'admin', description }, [])).toBe(false);
  });

  it('knows a project on a cloud that keeps no descriptions by its user of the same name', () => {
    const project = { id: 'p1', name: 'faafo-tue-ada-l', description: '' };
    const user = { name: 'faafo-tue-ada-l', default_project_id: 'p1' };
    expect(isRoomProject('tue', project, [user])).toBe(true);
    expect(isClassroomProject(project, [user])).toBe(true);
    expect(isRoomProject('tue', project, [])).toBe(false);
    expect(isRoomProject('tue', project, [{ ...user, default_project_id: 'p9' }])).toBe(false);
    expect(isRoomProject('tue', project, [{ ...user, name: 'ada' }])).toBe(false);
  });
});

describe("a student's clouds.yaml and openrc", () => {
  const credentials = {
    authUrl: 'http://127.0.0.1:5000',
    username: 'faafo-tue-ada-l',
    password: `pa'ss word$`,
    projectName: 'faafo-tue-ada-l',
    domainName: 'Default',
    region: 'RegionOne',
    interface: 'public' as const,
    room: 'tue',
  };
  const files = studentCloud(credentials);

  it('is a clouds.yaml our cloud config (and so the tutor) reads as the student', () => {
    const file = join(dir, 'clouds.yaml');
    writeFileSync(file, files.cloudsYaml);
    expect(files.cloudName).toBe(STUDENT_CLOUD_NAME);
    const cloud = resolveCloud({ cloud: files.cloudName, env: { OS_CLIENT_CONFIG_FILE: file }, cwd: dir });
    expect(cloud.auth).toMatchObject({
      authUrl: credentials.authUrl,
      username: credentials.username,
      password: credentials.password,
      projectName: credentials.projectName,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      region: 'RegionOne',
      identityApiVersion: '3',
      interface: 'public',
    });
  });

  it('is an openrc bash sources into the same OS_* variables, replacing another cloud’s', () => {
    const file = join(dir, 'openrc');
    writeFileSync(file, files.openrc);
    const out = execFileSync('bash', ['-c', `. "${file}"; env`], {
      env: { PATH: process.env.PATH ?? '', OS_CLOUD: 'someone-else', OS_PROJECT_ID: 'x' },
      encoding: 'utf8',
    });
    const env = Object.fromEntries(
      out.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env.OS_CLOUD).toBeUndefined();
    expect(env.OS_PROJECT_ID).toBeUndefined();
    const cloud = resolveCloud({ env, cwd: dir });
    expect(cloud.source).toEqual({ kind: 'env' });
    expect(cloud.auth).toMatchObject({
      authUrl: credentials.authUrl,
      username: credentials.username,
      password: credentials.password,
      projectName: credentials.projectName,
      region: 'RegionOne',
    });
  });
});

describe("what one student's lesson needs", () => {
  const m1small = { name: 'm1.small', vcpus: 1, ram: 2048 };

  it('counts the most servers alive at once (step 1 removes the prelude’s two before six are made)', () => {
    expect(lessonNeeds()).toEqual({
      servers: 6,
      floatingIps: 3,
      securityGroups: 4,
      securityGroupRules: 10,
      keyPairs: 1,
    });
  });

  it('sets quotas for the lesson with a small margin, sized by the flavor', () => {
    const quota = studentQuota(lessonNeeds(), m1small);
    expect(quota.compute).toEqual({ instances: 8, cores: 8, ram: 8 * 2048, key_pairs: 2 });
    expect(quota.network).toEqual({ floatingip: 4, security_group: 6, security_group_rule: 10 + 8 + 4 + 10 });
    const medium = studentQuota(lessonNeeds(), { name: 'm1.medium', vcpus: 2, ram: 4096 });
    expect(medium.compute).toMatchObject({ instances: 8, cores: 16, ram: 8 * 4096 });
  });

  it("takes the topology's vCPUs and RAM of a host per student", () => {
    expect(studentFootprint(lessonNeeds(), m1small)).toEqual({ vcpus: 6, ramMb: 6 * 2048 });
  });
});

describe("a host's headroom", () => {
  const footprint = { vcpus: 6, ramMb: 12_288 };

  it('fits host cores ÷ (vCPUs × fraction) and memory ÷ RAM students, the smaller of the two', () => {
    const host = { cores: 2, memoryMb: 24_105, vcpuFraction: 1 / 3 };
    expect(roomSize(host, footprint)).toEqual({ students: 1, byCpu: 1, byMemory: 1, setByTeacher: false });
    const big = { cores: 16, memoryMb: 128_000, vcpuFraction: 0.5 };
    expect(roomSize(big, footprint)).toMatchObject({ students: 5, byCpu: 5, byMemory: 10 });
    expect(roomSize({ ...big, vcpuFraction: 0.25 }, footprint)).toMatchObject({ students: 10, byCpu: 10 });
  });

  it('takes the teacher’s number over the host’s, and counts admitted students off', () => {
    const host = { cores: 2, memoryMb: 24_105, vcpuFraction: 1 / 3 };
    const size = roomSize(host, footprint, 2);
    expect(size).toMatchObject({ students: 2, setByTeacher: true });
    expect([0, 1, 2, 3].map((n) => headroomOf(size, n))).toEqual([2, 1, 0, 0]);
  });

  it('refuses a student beyond it with one sentence saying what each needs and what to do', () => {
    const host = { cores: 2, memoryMb: 24_105, vcpuFraction: 1 / 3 };
    const error = roomFullError(roomSize(host, footprint), footprint, host);
    expect(error).toBeInstanceOf(RoomFullError);
    expect(error.message).toBe(
      "This host fits 1 student's lesson (2 cores and 24105 MB; each needs 6 vCPU (2 of a host core) and 12288 MB), and all are taken; ask the teacher to close a student's project, start the room with a larger --students-max, or run it on a bigger host or a real OpenStack (--cloud NAME).",
    );
    expect(roomFullError(roomSize(host, footprint, 2), footprint, host).message).toMatch(
      /^The teacher set this room to 2 students \(each needs 6 vCPU/,
    );
  });
});

describe('the admin client’s pieces', () => {
  it('reads what Keystone, Nova and Neutron said, without a password in a URL', () => {
    expect(cloudSaid(409, { error: { code: 409, message: 'Conflict occurred', title: 'Conflict' } })).toBe(
      '409: Conflict occurred',
    );
    expect(cloudSaid(403, { forbidden: { message: 'Policy does not allow it', code: 403 } })).toBe(
      '403: Policy does not allow it',
    );
    expect(
      cloudSaid(409, { NeutronError: { type: 'OverQuota', message: 'Quota exceeded', detail: '' } }),
    ).toBe('409: Quota exceeded');
    expect(cloudSaid(500, 'failed at http://admin:s3cret@10.0.0.1/')).toBe(
      '500: failed at http://admin:***@10.0.0.1/',
    );
    expect(cloudSaid(502, undefined)).toBe('502');
  });

  it('finds the endpoint of a service by region (any case) and interface, or says which is missing', () => {
    const catalog = [
      {
        type: 'compute',
        endpoints: [
          { interface: 'internal', region: 'RegionOne', url: 'http://10.1.0.1:8774/v2.1' },
          { interface: 'public', region: 'regionone', url: 'http://127.0.0.1:8774/v2.1/' },
        ],
      },
    ];
    expect(catalogEndpoint(catalog, 'compute', 'RegionOne', 'public', 'x')).toBe(
      'http://127.0.0.1:8774/v2.1',
    );
    expect(() => catalogEndpoint(catalog, 'network', 'RegionOne', 'public', "cloud 'lab'")).toThrow(
      new CloudAdminError(
        "The catalog of cloud 'lab' has no public network endpoint in region RegionOne; check region_name and interface of that cloud.",
      ),
    );
  });

  it('runs admits one at a time, in order, a failure not stopping the next', async () => {
    const log: string[] = [];
    const slow = oneAtATime(async (name: string, ms: number) => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (name === 'b') throw new Error('b failed');
      return name;
    });
    const results = await Promise.allSettled([slow('a', 30), slow('b', 1), slow('c', 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});

describe("the classroom's room flags", () => {
  function parse(args: string[]) {
    const errors: string[] = [];
    const serve = addRoomServeOptions(new Command('serve').option('--room <name>'))
      .exitOverride()
      .configureOutput({ writeErr: (t) => errors.push(t), writeOut: () => {} })
      .action(() => {});
    try {
      serve.parse(args, { from: 'user' });
    } catch {}
    return { flags: serve.opts(), error: errors.join('') };
  }

  it('reads --shared-cloud, --students-max, --vcpu-fraction and --room', () => {
    const { flags, error } = parse([
      '--shared-cloud',
      '--students-max',
      '2',
      '--vcpu-fraction',
      '0.25',
      '--room',
      'tue',
    ]);
    expect(error).toBe('');
    expect(flags).toEqual({ sharedCloud: true, studentsMax: 2, vcpuFraction: 0.25, room: 'tue' });
  });

  it('refuses both clouds at once, no students and a fraction above a core', () => {
    expect(parse(['--shared-cloud', '--cloud', 'lab']).error).toMatch(/cannot be used with option '--cloud/);
    expect(parse(['--students-max', '0']).error).toMatch(/whole number of students, 1 or more/);
    expect(parse(['--vcpu-fraction', '2']).error).toMatch(/above 0 and at most 1/);
  });

  it('makes no room cloud without either flag, and close says which flag it needs', async () => {
    expect(await roomCloudFromFlags({})).toBeUndefined();
    expect(await openRoomCloud({ room: 'tue' })).toBeUndefined();
    const classroom = new Command('classroom').exitOverride();
    addCloseCommand(classroom, { stdout: { write: () => true }, stderr: { write: () => true } }, {});
    await expect(classroom.parseAsync(['close', '--room', 'tue'], { from: 'user' })).rejects.toThrow(
      "Say which cloud the room is on: 'classroom close --shared-cloud' or 'classroom close --cloud NAME'.",
    );
  });

  it("tells the teacher the room's size and how to close it", () => {
    const shared = {
      size: { students: 1, byCpu: 1, byMemory: 1, setByTeacher: false },
      hostSize: { cores: 2, memoryMb: 24105, vcpuFraction: 1 / 3 },
      footprint: { vcpus: 6, ramMb: 12288 },
      dataDir: '/home/t/.local/share/faafo-tutor/cloud',
    } as unknown as Parameters<typeof roomCloudLine>[0];
    expect(roomCloudLine(shared, { sharedCloud: true, room: 'tue' })).toBe(
      "Room 'tue' on the local cloud in /home/t/.local/share/faafo-tutor/cloud: 1 student (2 cores fit 1, 24105 MB fit 1; each lesson takes 6 vCPU, 2.00 host cores at 0.33 a vCPU, and 12288 MB). Remove it afterwards with: faafo-tutor classroom close --shared-cloud --room tue.",
    );
    expect(
      roomCloudLine(shared, {
        sharedCloud: true,
        room: "Tue's lab",
        vcpuFraction: 0.5,
        cloudDataDir: '/tmp/c',
      }),
    ).toMatch(
      /close --shared-cloud --room 'Tue'\\''s lab' --cloud-data-dir \/tmp\/c\. The cloud was already running, so --vcpu-fraction 0.5 applies from its next start \(faafo-tutor cloud down\)\.$/,
    );
    // More students than the cores fit: said, with the share that would fit them.
    const crowded = {
      ...shared,
      size: { students: 2, byCpu: 1, byMemory: 1, setByTeacher: true },
    } as Parameters<typeof roomCloudLine>[0];
    expect(roomCloudLine(crowded, { sharedCloud: true, room: 'tue' })).toMatch(
      / Note: 2 lessons at once ask for 4\.00 host cores of this host's 2, so they slow each other and their figures differ from a lesson alone; a cloud started with --vcpu-fraction 0\.16 fits them all \(each lesson slower, but steady\)\.$/,
    );
    expect(roomCloudLine(shared, { sharedCloud: true, room: 'tue' })).not.toContain('Note:');
    const real = {} as Parameters<typeof roomCloudLine>[0];
    expect(roomCloudLine(real, { cloud: 'dept-admin' })).toBe(
      "Room 'workshop' on cloud 'dept-admin': a project and user per student. Remove them afterwards with: faafo-tutor classroom close --cloud dept-admin --room workshop.",
    );
  });
});

describe('the admin session against a cloud that answers badly', () => {
  const TOKEN = 'tok-secret-123';
  const server = createServer((request, response) => {
    const url = request.url ?? '';
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'POST' && url === '/v3/auth/tokens') {
      const endpoint = (type: string, path: string) => ({
        type,
        endpoints: [{ interface: 'public', region: 'RegionOne', url: `${base}${path}` }],
      });
      return json(
        201,
        {
          token: {
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            user: { id: 'u-admin' },
            project: { domain: { id: 'default', name: 'Default' } },
            catalog: [endpoint('compute', '/nova'), endpoint('network', '/neutron')],
          },
        },
        { 'x-subject-token': TOKEN },
      );
    }
    if (request.headers['x-auth-token'] !== TOKEN) return json(401, { error: { message: 'no token' } });
    if (url.startsWith('/v3/projects')) return json(200, { projects: 'none' });
    return json(404, { itemNotFound: { message: 'The resource could not be found.', code: 404 } });
  });
  const auth = {
    authUrl: '',
    username: 'admin',
    password: 'pw-secret-456',
    projectName: 'admin',
    userDomainName: 'Default',
    projectDomainName: 'Default',
    region: 'RegionOne',
    identityApiVersion: '3' as const,
    insecure: false,
  };

  afterAll(() => server.close());

  it('says what was done, what the cloud answered and what to check; never the token or password', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const authUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
    const session = await openAdminSession({ ...auth, authUrl }, 'the test cloud');
    expect(session.domain).toEqual({ id: 'default', name: 'Default' });
    const messages = [
      await listProjects(session).catch((e: Error) => e.message),
      await listFlavors(session).catch((e: Error) => e.message),
    ];
    expect(messages).toEqual([
      'Listing the projects failed: the test cloud answered with a body this client cannot read (projects: Invalid input: expected array, received string); check that it is an OpenStack cloud with Keystone v3, Nova and Neutron.',
      'Listing the flavors failed: the test cloud answered 404: The resource could not be found.; this compute API may be missing on the test cloud.',
    ]);
    for (const message of messages) expect(message).not.toMatch(/tok-secret|pw-secret/);
  });

  it('says so in one line when the cloud does not answer at all', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      openAdminSession({ ...auth, authUrl: `http://127.0.0.1:${port}` }, 'the test cloud'),
    ).rejects.toThrow(
      /^Logging in to the test cloud as admin failed: the test cloud did not answer \(.*ECONNREFUSED.*\); check that it is running and reachable\.$/,
    );
  });
});
