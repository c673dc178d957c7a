// The issue's "shared cloud" proof through the real commands, as a teacher and students use them:
// `faafo-tutor classroom serve --shared-cloud --students-max 2` starts a local cloud on this host and
// the board; two students run `faafo-tutor --join URL CODE --name … --yes --quick --plain` at the
// same time, each from a fresh home. Both finish; the board's class view shows both completed with
// every check passed and their figures; the openstack CLI, as each student with the clouds.yaml
// the board handed them, lists exactly their own servers (the same names in both projects, no
// server in common); a third student is refused with one line; `classroom close` then leaves no
// student project, user or server, checked as the cloud's admin.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClassView, classView } from '../../src/classroom/protocol.ts';
import { LOCAL_ADMIN_CLOUD } from '../../src/classroom/room/shared-local.ts';
import { cloudDown } from '../../src/localcloud/control/index.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { CHAPTERS } from '../../steps/chapters.ts';
import { cleanEnv } from '../helpers/localcloud.ts';
import { serviceAvailable } from '../helpers/services.ts';
import { tutorToEnd } from '../helpers/tutor-process.ts';

const runFile = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const available = await serviceAvailable('the openstack CLI', async () => existsSync(OPENSTACK));
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
/** The cloud name in the clouds.yaml a shared-cloud room hands each student. */
const STUDENT_CLOUD = 'faafo-classroom';

/** `faafo-tutor ARGS` to its end, in the given env. */
const tutor = (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
  tutorToEnd(args, { env, timeoutMs });

describe.runIf(available)('a workshop on a shared local cloud, through the real commands', () => {
  let dir: string;
  let cloudDir: string;
  let teacherEnv: NodeJS.ProcessEnv;
  let serve: ChildProcess | undefined;
  let serveOut = '';
  let url: string;
  let code: string;
  let teacherToken: string;
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
    const response = await fetch(`${url}/api/class`, {
      headers: { authorization: `Bearer ${teacherToken}` },
    });
    expect(response.status).toBe(200);
    return classView.parse(await response.json());
  }

  /** Stops `classroom serve` and whatever it started in its process group. */
  async function stopServe(): Promise<void> {
    const child = serve;
    serve = undefined;
    if (!child?.pid || child.exitCode !== null) return;
    const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid, 'SIGINT');
    const late = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 20_000);
    await ended;
    clearTimeout(late);
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
    // Its own process group, so afterAll can stop it and anything it left running.
    serve = spawn(
      process.execPath,
      [TUTOR_BIN, 'classroom', 'serve', '--shared-cloud', '--students-max', '2', '--listen', '127.0.0.1:0'],
      { env: teacherEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    serve.stderr!.on('data', (chunk: Buffer) => {
      serveOut += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`classroom serve did not come up in 180 s:\n${serveOut}`)),
        180_000,
      );
      serve!.stdout!.on('data', (chunk: Buffer) => {
        serveOut += chunk.toString();
        if (serveOut.includes('Ctrl-C stops the board.')) {
          clearTimeout(timer);
          resolve();
        }
      });
      serve!.once('exit', (exitCode) => {
        clearTimeout(timer);
        reject(new Error(`classroom serve ended (${exitCode}) before it was up:\n${serveOut}`));
      });
    });
    console.log(`classroom serve --shared-cloud up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const board = /Teacher's board: +(http:\/\/[^/\s]+)\/#token=(\S+)/.exec(serveOut);
    const joinCode = /Join code: +([A-Z0-9]+)/.exec(serveOut);
    expect(board, serveOut).not.toBeNull();
    expect(joinCode, serveOut).not.toBeNull();
    [url, teacherToken, code] = [board![1]!, board![2]!, joinCode![1]!];
  }, 240_000);

  afterAll(async () => {
    await stopServe();
    if (cloudDir) await cloudDown({ dataDir: cloudDir }, quiet);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("prints the room's cloud, its headroom and the students' command", () => {
    expect(serveOut).toContain(`Students run:     npx faafo-tutor --join ${url} ${code} --name "Your Name"`);
    expect(serveOut).toMatch(
      /Room's cloud: +Room 'workshop' on the local cloud in .*: 2 students \(set by --students-max/,
    );
    expect(serveOut).toContain('Headroom:         2 more students fit; the board refuses any beyond.');
  });

  it('runs two students’ lessons at the same time; both finish and the board shows every check passed', {
    timeout: 1_500_000,
  }, async () => {
    const started = Date.now();
    const lesson = (name: string) =>
      tutor(
        ['--join', url, code, '--name', name, '--yes', '--quick', '--plain'],
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
      ['--join', url, code, '--name', 'Max', '--yes', '--quick', '--plain'],
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
    await stopServe();
    const close = await tutor(['classroom', 'close', '--shared-cloud'], teacherEnv, 240_000);
    expect(close.code, close.out + close.err).toBe(0);
    expect(close.out).toMatch(
      /^Room 'workshop' closed: removed 2 student project\(s\) and their users \(.*\)\.\n$/,
    );
    const projects = (await asAdmin('project', 'list')) as Array<{ Name: string }>;
    expect(projects.filter((p) => p.Name.startsWith('faafo-workshop-'))).toEqual([]);
    const users = (await asAdmin('user', 'list')) as Array<{ Name: string }>;
    expect(users.filter((u) => u.Name.startsWith('faafo-workshop-'))).toEqual([]);
    expect(await asAdmin('server', 'list', '--all-projects')).toEqual([]);
  });
});
