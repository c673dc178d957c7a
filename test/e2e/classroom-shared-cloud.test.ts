// The issue's "shared cloud" proof through the real commands, as a teacher and students use them:
// `faafo-tutor classroom serve --shared-cloud --students-max 2` starts a local cloud on this host and
// the board; two students run `faafo-tutor --join URL CODE --name … --yes --quick --plain` at the
// same time, each from a fresh home. Both finish; the board's class view shows both completed with
// every check passed and their figures; the openstack CLI, as each student with the clouds.yaml
// the board handed them, lists exactly their own servers (the same names in both projects, no
// server in common); a third student is refused with one line; `classroom close` then leaves no
// student project, user or server, checked as the cloud's admin. Last, `classroom serve --cloud NAME`
// on that cloud's admin entry (standing in for a department's OpenStack) admits a student, and
// `classroom close --cloud NAME` removes the project.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClassView, classView } from '../../src/classroom/protocol.ts';
import { LOCAL_ADMIN_CLOUD } from '../../src/classroom/room/shared-local.ts';
import { cloudDown, cloudPaths, runningCloud } from '../../src/localcloud/control/index.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { CHAPTERS } from '../../steps/chapters.ts';
import { joinBoard } from '../helpers/classroom-lesson.ts';
import { cleanEnv } from '../helpers/localcloud.ts';
import { OPENSTACK_CLI as OPENSTACK, openstackCliAvailable } from '../helpers/services.ts';
import { tutorToEnd } from '../helpers/tutor-process.ts';

const runFile = promisify(execFile);
const available = await openstackCliAvailable();
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
/** The cloud name in the clouds.yaml a shared-cloud room hands each student. */
const STUDENT_CLOUD = 'faafo-classroom';

/** `faafo-tutor ARGS` to its end, in the given env. */
const tutor = (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
  tutorToEnd(args, { env, timeoutMs });

/** A running `faafo-tutor classroom serve`: what it printed, its board's address, token and code. */
interface Serving {
  child: ChildProcess;
  printed: string;
  url: string;
  teacherToken: string;
  code: string;
}

/** Starts `classroom serve FLAGS` in its own process group and waits for its board to be up. */
async function startServe(flags: string[], env: NodeJS.ProcessEnv): Promise<Serving> {
  const child = spawn(process.execPath, [TUTOR_BIN, 'classroom', 'serve', ...flags], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let printed = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`classroom serve did not come up in 180 s:\n${printed}`)),
      180_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      if (printed.includes('Ctrl-C stops the board.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      reject(new Error(`classroom serve ended (${exitCode}) before it was up:\n${printed}`));
    });
  });
  const board = /Teacher's board: +(http:\/\/[^/\s]+)\/#token=(\S+)/.exec(printed);
  const joinCode = /Join code: +([A-Z0-9]+)/.exec(printed);
  if (!board || !joinCode) throw new Error(`classroom serve printed no board link or code:\n${printed}`);
  return { child, printed, url: board[1]!, teacherToken: board[2]!, code: joinCode[1]! };
}

/** Ctrl-C for `classroom serve` and its process group (SIGKILL if it has not ended in 20 s). */
async function stopServe(serving: Serving | undefined): Promise<void> {
  const child = serving?.child;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGINT');
  const late = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 20_000);
  await ended;
  clearTimeout(late);
}

describe.runIf(available)('a workshop on a shared local cloud, through the real commands', () => {
  let dir: string;
  let cloudDir: string;
  let teacherEnv: NodeJS.ProcessEnv;
  /** The shared-cloud room's board, and a second board (`--cloud NAME`) on the same cloud. */
  let shared: Serving;
  let byName: Serving | undefined;
  const homes: Record<string, string> = {};

  /** A student's own environment: a fresh home, no OS_* and no cloud of their own. */
  const studentEnv = (name: string): NodeJS.ProcessEnv => {
    homes[name] ??= join(dir, 'students', name);
    mkdirSync(homes[name]!, { recursive: true });
    return cleanEnv({
      HOME: homes[name]!,
      XDG_DATA_HOME: join(homes[name]!, 'data'),
      XDG_CONFIG_HOME: join(homes[name]!, 'config'),
      FAAFO_CLOUD_DIR: join(homes[name]!, 'no-cloud-of-their-own'),
      FAAFO_TUTOR_METER_MS: '1000',
    });
  };

  /** The openstack CLI as a student, from the clouds.yaml the board handed them. */
  async function asStudent(name: string, ...args: string[]): Promise<unknown> {
    const env = cleanEnv({
      HOME: homes[name]!,
      OS_CLIENT_CONFIG_FILE: join(homes[name]!, 'data', 'faafo-tutor', 'classroom', 'clouds.yaml'),
    });
    const { stdout } = await runFile(OPENSTACK, ['--os-cloud', STUDENT_CLOUD, ...args, '-f', 'json'], {
      env,
      timeout: 120_000,
    });
    return JSON.parse(stdout);
  }

  /** The openstack CLI as the local cloud's admin (its clouds.yaml entry in the cloud's data dir). */
  async function asAdmin(...args: string[]): Promise<unknown> {
    const env = cleanEnv({ HOME: dir, OS_CLIENT_CONFIG_FILE: join(cloudDir, 'clouds.yaml') });
    const { stdout } = await runFile(OPENSTACK, ['--os-cloud', LOCAL_ADMIN_CLOUD, ...args, '-f', 'json'], {
      env,
      timeout: 120_000,
    });
    return JSON.parse(stdout);
  }

  async function classNow(): Promise<ClassView> {
    const response = await fetch(`${shared.url}/api/class`, {
      headers: { authorization: `Bearer ${shared.teacherToken}` },
    });
    expect(response.status).toBe(200);
    return classView.parse(await response.json());
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classroom-shared-'));
    cloudDir = join(dir, 'cloud');
    const home = join(dir, 'teacher');
    mkdirSync(home);
    teacherEnv = cleanEnv({
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CONFIG_HOME: join(home, 'config'),
      FAAFO_CLOUD_DIR: cloudDir,
    });
    const started = Date.now();
    shared = await startServe(
      ['--shared-cloud', '--students-max', '2', '--listen', '127.0.0.1:0'],
      teacherEnv,
    );
    console.log(`classroom serve --shared-cloud up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 240_000);

  afterAll(async () => {
    await stopServe(shared);
    await stopServe(byName);
    if (cloudDir) await cloudDown({ dataDir: cloudDir }, quiet);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("prints the room's cloud, its headroom and the students' command", () => {
    expect(shared.printed).toContain(
      `Students run:     npx faafo-tutor --join ${shared.url} ${shared.code} --name "Your Name"`,
    );
    expect(shared.printed).toMatch(
      /Room's cloud: +Room 'workshop' on the local cloud in .*: 2 students \(set by --students-max/,
    );
    expect(shared.printed).toContain('Headroom:         2 more students fit; the board refuses any beyond.');
  });

  it('runs two students’ lessons at the same time; both finish and the board shows every check passed', {
    timeout: 1_500_000,
  }, async () => {
    const started = Date.now();
    const lesson = (name: string) =>
      tutor(
        ['--join', shared.url, shared.code, '--name', name, '--yes', '--quick', '--plain'],
        studentEnv(name),
        1_400_000,
      );
    const [ada, lin] = await Promise.all([lesson('Ada'), lesson('Lin')]);
    console.log(
      `two students' --join … --yes --quick at once: ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    for (const [name, run] of [
      ['Ada', ada],
      ['Lin', lin],
    ] as const) {
      expect(run.code, `${name}:\n${run.out}\n${run.err}`).toBe(0);
      expect(run.out).toContain('This room gives you a cloud of your own');
      expect(run.out).toContain('The lesson is complete.');
    }

    const { students, headroom } = await classNow();
    // The class's own data, for the report: each student's before → after.
    for (const student of students)
      console.log(
        `${student.name}: ${student.figures.map((f) => `${f.figure} ${f.before} → ${f.after}`).join('; ')}`,
      );
    expect(students.map((s) => s.name).sort()).toEqual(['Ada', 'Lin']);
    expect(headroom).toBe(0);
    for (const student of students) {
      expect(student.finished, student.name).toBe('completed');
      expect(
        student.checks.filter((c) => c.state !== 'passed'),
        student.name,
      ).toEqual([]);
      const withChecks = new Set(student.checks.map((c) => c.chapter));
      for (const chapter of CHAPTERS)
        if (chapter.checks.length > 0)
          expect(withChecks, `${student.name}, chapter ${chapter.number}`).toContain(chapter.number);
      expect(
        student.figures.some((f) => f.before !== null && f.after !== null),
        student.name,
      ).toBe(true);
    }
  });

  it('shows each student only their own servers: the same names, none in common', {
    timeout: 300_000,
  }, async () => {
    type Server = { ID: string; Name: string };
    type Project = { ID: string; Name: string };
    const mine: Record<string, Server[]> = {};
    for (const name of ['Ada', 'Lin']) mine[name] = (await asStudent(name, 'server', 'list')) as Server[];
    const names = (servers: Server[]) => servers.map((s) => s.Name).sort();
    expect(names(mine.Ada!).length).toBeGreaterThanOrEqual(6);
    expect(names(mine.Lin!)).toEqual(names(mine.Ada!));
    const ids = new Set(mine.Ada!.map((s) => s.ID));
    expect(mine.Lin!.filter((s) => ids.has(s.ID))).toEqual([]);
    // Exactly their own: what the admin sees in each student's project.
    const projects = (await asAdmin('project', 'list')) as Project[];
    for (const name of ['Ada', 'Lin']) {
      const project = projects.find(
        (p) => p.Name.startsWith('faafo-workshop-') && p.Name.endsWith(name.toLowerCase()),
      );
      expect(project, JSON.stringify(projects)).toBeDefined();
      const theirs = (await asAdmin(
        'server',
        'list',
        '--all-projects',
        '--project',
        project!.ID,
      )) as Server[];
      expect(theirs.map((s) => s.ID).sort()).toEqual(mine[name]!.map((s) => s.ID).sort());
    }
  });

  it('refuses a third student with one line', { timeout: 120_000 }, async () => {
    const run = await tutor(
      ['--join', shared.url, shared.code, '--name', 'Max', '--yes', '--quick', '--plain'],
      studentEnv('Max'),
      100_000,
    );
    expect(run.code).not.toBe(0);
    expect(run.out).toBe('');
    expect(run.err).toMatch(
      /^faafo-tutor: The board at .* refused to let you join: The teacher set this room to 2 students .*, and all are taken; .*\n$/,
    );
    expect((await classNow()).students.map((s) => s.name).sort()).toEqual(['Ada', 'Lin']);
  });

  it('classroom close leaves no student project, user or server', { timeout: 300_000 }, async () => {
    await stopServe(shared);
    const close = await tutor(['classroom', 'close', '--shared-cloud'], teacherEnv, 240_000);
    expect(close.code, close.out + close.err).toBe(0);
    expect(close.out).toMatch(
      /^Room 'workshop' closed: removed 2 student project\(s\) and their users \(.*\)\.\nThe saved board of room 'workshop' is removed too: its next board starts new\.\n$/,
    );
    const projects = (await asAdmin('project', 'list')) as Array<{ Name: string }>;
    expect(projects.filter((p) => p.Name.startsWith('faafo-workshop-'))).toEqual([]);
    const users = (await asAdmin('user', 'list')) as Array<{ Name: string }>;
    expect(users.filter((u) => u.Name.startsWith('faafo-workshop-'))).toEqual([]);
    expect(await asAdmin('server', 'list', '--all-projects')).toEqual([]);
  });

  it("classroom serve --cloud NAME: a room on a clouds.yaml admin entry, removed by 'classroom close --cloud NAME'", {
    timeout: 300_000,
  }, async () => {
    // The shared cloud's own admin entry stands in for a department's OpenStack.
    const env = { ...teacherEnv, OS_CLIENT_CONFIG_FILE: join(cloudDir, 'clouds.yaml') };
    byName = await startServe(
      ['--cloud', LOCAL_ADMIN_CLOUD, '--room', 'Tue 9am', '--listen', '127.0.0.1:0'],
      env,
    );
    expect(byName.printed).toContain(
      `Room's cloud:     Room 'Tue 9am' on cloud '${LOCAL_ADMIN_CLOUD}': a project and user per student. Remove them afterwards with: faafo-tutor classroom close --cloud ${LOCAL_ADMIN_CLOUD} --room 'Tue 9am'.`,
    );
    expect(byName.printed).toContain(
      "Headroom:         not counted on this cloud: its own capacity and each student's quotas decide.",
    );
    const kim = await joinBoard(byName.url, byName.code, 'Kim');
    expect(kim.sharedCloud).toBe(true);
    const files = await fetch(`${byName.url}/api/cloud/clouds.yaml`, {
      headers: { authorization: `Bearer ${kim.token}` },
    });
    expect(files.status).toBe(200);
    expect(await files.text()).toContain('faafo-tue-9am-kim');
    await stopServe(byName);

    const close = await tutor(
      ['classroom', 'close', '--cloud', LOCAL_ADMIN_CLOUD, '--room', 'Tue 9am'],
      env,
      240_000,
    );
    expect(close.code, close.out + close.err).toBe(0);
    expect(close.out).toBe(
      "Room 'Tue 9am' closed: removed 1 student project(s) and their users (faafo-tue-9am-kim).\n" +
        "The saved board of room 'Tue 9am' is removed too: its next board starts new.\n",
    );
    const projects = (await asAdmin('project', 'list')) as Array<{ Name: string }>;
    expect(projects.filter((p) => p.Name.startsWith('faafo-'))).toEqual([]);
  });

  it('classroom close on a stopped shared cloud starts it to look and takes it down again', {
    timeout: 180_000,
  }, async () => {
    await cloudDown({ dataDir: cloudDir }, quiet);
    const close = await tutor(['classroom', 'close', '--shared-cloud'], teacherEnv, 120_000);
    expect(close.code, close.out + close.err).toBe(0);
    expect(close.out).toBe(
      "Room 'workshop' has no student projects on that cloud; nothing to remove.\n" +
        'The local cloud was started only to close the room; it is down again.\n',
    );
    expect(runningCloud(cloudPaths(cloudDir))).toBeUndefined();
  });
});
