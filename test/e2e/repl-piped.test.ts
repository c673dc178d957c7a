// `faafo-tutor repl` without a terminal (its input piped in) against a fresh local cloud: the lines
// run one after another, each to its end — the prelude and step 2 from the prompt with their progress
// and checks, the security groups as a table, the checks of step 2, a node's load meter, fractals
// asked of the app through app-controller's floating IP — and a mistake (an unknown server, a method
// that does not exist, a type error, a syntax error, an exception at run time, an error a timer throws
// later, a quota hit) prints one line while the lines after it still run; the end of the input ends
// the prompt with exit code 0. Also: --cloud NAME from clouds.yaml, and no cloud at all (exit 1).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.ts';
import { cleanEnv, startTestCloud, type TestCloud } from '../helpers/localcloud.ts';
import { tutorToEnd } from '../helpers/tutor-process.ts';

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud('repl-piped-');
}, 60_000);

afterAll(async () => {
  await cloud?.close();
}, 60_000);

const env = () =>
  cleanEnv({
    ...cloud.osEnv,
    HOME: cloud.dir,
    XDG_DATA_HOME: join(cloud.dir, 'data'),
    XDG_CONFIG_HOME: join(cloud.dir, 'config'),
  });

/** The transcript as [input, what it printed] pairs: each input is echoed after the prompt `> `. */
function answers(out: string): Array<[string, string]> {
  return out
    .split(/^> /m)
    .slice(1)
    .map((block) => {
      const [input, ...printed] = block.split('\n');
      return [input!, printed.join('\n').trim()];
    });
}

describe('faafo-tutor repl with piped input', () => {
  it('runs the prelude and step 2, lists the groups as a table, carries on after mistakes, and exits 0', {
    timeout: 300_000,
  }, async () => {
    const input = [
      'await steps.prelude()',
      'await steps.step2()',
      'await conn.exListSecurityGroups()',
      'await check(2)',
      "await lab.load('app-nope')",
      'conn.listNode()',
      "const n: number = 'x'",
      'const = 1',
      "JSON.parse('{')",
      "setTimeout(() => { throw new Error('thrown later') }, 20); 'set'",
      'await new Promise((resolve) => setTimeout(resolve, 300))',
      "await lab.load('app-worker-1', { seconds: 3 })",
      "await faafo.create('app-controller', 2)",
      "(await faafo.list('app-controller')).length",
      'const names: string[] = (await conn.listNodes()).map((n) => n.name)',
      'names.sort().join(" ")',
      'function unfinished() {',
    ];
    const { code, out, err } = await tutorToEnd(['repl'], {
      env: env(),
      input: `${input.join('\n')}\n`,
      timeoutMs: 280_000,
    });
    expect(err).toBe('');
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /^faafo-tutor \S+: the lesson at a TypeScript prompt\.\nConnected to the OS_\* variables/,
    );
    const pairs = answers(out);
    expect(pairs.map(([line]) => line)).toEqual(input);
    const said = Object.fromEntries(pairs);

    // The steps print what `faafo-tutor step N` prints: the header, checks, done.
    expect(said['await steps.prelude()']).toMatch(
      /^prelude: .*\(steps\/prelude\.ts\), using the OS_\* variables/,
    );
    expect(said['await steps.prelude()']).toContain('  ✓ ');
    expect(said['await steps.prelude()']).toMatch(/prelude done\.$/);
    expect(said['await steps.step2()']).toMatch(/step-2 done\.$/);
    expect(said['await steps.step2()']).not.toContain('✗');

    // The groups as a table: a header, a rule, one row per group with its rules, a count.
    const table = said['await conn.exListSecurityGroups()']!.split('\n');
    expect(table[0]).toMatch(/^name\s+rules \(ingress\)$/);
    expect(table[1]).toMatch(/^─+\s+─+$/);
    const row = (name: string) => table.find((l) => l.startsWith(`${name} `))?.replace(/^\S+\s+/, '');
    expect(row('api')?.split(', ').sort()).toEqual(['22/tcp', '80/tcp']);
    expect(row('worker')).toBe('22/tcp');
    expect(row('control')?.split(', ').sort()).toEqual(['22/tcp', '5672/tcp from worker', '80/tcp']);
    expect(row('services')?.split(', ').sort()).toEqual([
      '22/tcp',
      '3306/tcp from api',
      '5672/tcp from api',
      '5672/tcp from worker',
    ]);
    expect(table.at(-1)).toMatch(/^\(\d+ rows\)$/);

    expect(said['await check(2)']).toMatch(/✓ /);
    expect(said['await check(2)']).not.toContain('✗');
    expect(said['await check(2)']!.split('\n').at(-1)).toBe('true');

    // Mistakes: one line each, and the prompt goes on.
    expect(said["await lab.load('app-nope')"]).toMatch(
      /^error: There is no server 'app-nope' in .*; its servers are: app-controller, app-worker-1\.$/,
    );
    expect(said['conn.listNode()']).toBe(
      "TypeScript: Property 'listNode' does not exist on type '{ … }'. Did you mean 'listNodes'? (line 1, column 6).",
    );
    expect(said["const n: number = 'x'"]).toBe(
      "TypeScript: Type 'string' is not assignable to type 'number' (line 1, column 7).",
    );
    expect(said["JSON.parse('{')"]).toMatch(/^SyntaxError: .*JSON/);
    // An error thrown after its line has ended: one line, while the next line runs, and no stack.
    expect(said["setTimeout(() => { throw new Error('thrown later') }, 20); 'set'"]).toBe("'set'");
    expect(said['await new Promise((resolve) => setTimeout(resolve, 300))']).toBe('Error: thrown later');
    expect(said['const = 1']).toBe('SyntaxError: Variable declaration expected (line 1, column 7).');

    // The meter: a header and three readings of app-worker-1's load average.
    const meter = said["await lab.load('app-worker-1', { seconds: 3 })"]!.split('\n');
    expect(meter[0]).toMatch(/^app-worker-1: load average/);
    expect(meter.slice(1)).toHaveLength(3);
    for (const reading of meter.slice(1))
      expect(reading).toMatch(/^ {2}\d\d:\d\d:\d\d {2}\d+\.\d\d \d+\.\d\d \d+\.\d\d {2}cpu /);

    // The app, through app-controller's floating IP: two fractals asked for, shown as a table.
    const made = said["await faafo.create('app-controller', 2)"]!.split('\n');
    expect(made[0]).toMatch(/^uuid\s+state\s+size\s+drawn by$/);
    expect(made.slice(2, 4)).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36}\s+\w+\s+\d+ × \d+/),
      expect.stringMatching(/^[0-9a-f-]{36}\s+\w+\s+\d+ × \d+/),
    ]);
    expect(made.at(-1)).toBe('(2 rows)');
    expect(said["(await faafo.list('app-controller')).length"]).toBe('2');

    // A later line still runs, on what the earlier ones made.
    expect(said['names.sort().join(" ")']).toBe("'app-controller app-worker-1'");
    // The input ends mid-statement: said, not run, not silently dropped.
    expect(out).toMatch(
      /> function unfinished\(\) \{\n\.\.\. \n\(The input ended in the middle of a statement, which did not run: it needs its closing lines\.\)\n$/,
    );
  });

  it('says in one line when there is no cloud to connect to, and exits 1 before any prompt', async () => {
    const { code, out, err } = await tutorToEnd(['repl', '--cloud', 'nowhere'], {
      env: cleanEnv({ HOME: cloud.dir, XDG_CONFIG_HOME: join(cloud.dir, 'config') }),
      input: '1 + 1\n',
      timeoutMs: 60_000,
    });
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^faafo-tutor repl: No cloud named 'nowhere'/);
  });

  it('connects to a cloud of clouds.yaml by name (--cloud), and runs checks on that same cloud', {
    timeout: 120_000,
  }, async () => {
    const dir = join(cloud.dir, 'config', 'openstack');
    mkdirSync(dir, { recursive: true });
    const auth = {
      auth_url: cloud.osEnv.OS_AUTH_URL,
      username: cloud.osEnv.OS_USERNAME,
      password: cloud.osEnv.OS_PASSWORD,
      project_name: cloud.osEnv.OS_PROJECT_NAME,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    };
    const entry = { auth, region_name: 'RegionOne', identity_api_version: 3 };
    writeFileSync(join(dir, 'clouds.yaml'), JSON.stringify({ clouds: { lab: entry } }));
    const { code, out, err } = await tutorToEnd(['repl', '--cloud', 'lab'], {
      // No OS_* at all: the cloud is found by its name alone.
      env: cleanEnv({
        HOME: cloud.dir,
        XDG_CONFIG_HOME: join(cloud.dir, 'config'),
        XDG_DATA_HOME: join(cloud.dir, 'data'),
      }),
      input: 'await check(3)\n(await conn.listSizes()).length\n',
      timeoutMs: 100_000,
    });
    expect(err).toBe('');
    expect(code, out).toBe(0);
    expect(out.split('\n').slice(0, 2)).toEqual([
      `faafo-tutor ${VERSION}: the lesson at a TypeScript prompt.`,
      `Connected to cloud 'lab' from ${join(dir, 'clouds.yaml')}.`,
    ]);
    const said = Object.fromEntries(answers(out));
    expect(said['await check(3)']).toMatch(/^✓ getFloatingIp can allocate from a pool .*\ntrue$/);
    expect(said['(await conn.listSizes()).length']).toBe('4');
  });

  it('says a quota hit in one line, creates nothing, and carries on', { timeout: 120_000 }, async () => {
    const store = cloud.serving.cloud.store;
    const project = store.read().projects[0]!.id;
    const quota = store.read().quotas[project]!;
    const live = () => store.read().servers.filter((s) => s.status !== 'DELETED').length;
    const before = live();
    // No room for one more server.
    store.update((s) => {
      s.quotas[project] = { ...quota, instances: before };
    });
    try {
      const { code, out } = await tutorToEnd(['repl'], {
        env: env(),
        input: 'await steps.step4()\n6 * 7\n',
        timeoutMs: 100_000,
      });
      expect(code, out).toBe(0);
      const said = Object.fromEntries(answers(out));
      const lines = said['await steps.step4()']!.split('\n');
      expect(lines.at(-1)).toMatch(
        /^error: Step 4 needs 1 more server\(s\) of flavor m1\.small \(app-services\), and the quota of .* does not allow it: .*Nothing was created\./,
      );
      expect(lines.filter((l) => l.startsWith('error: '))).toHaveLength(1);
      expect(said['6 * 7']).toBe('42');
      expect(live()).toBe(before);
    } finally {
      store.update((s) => {
        s.quotas[project] = quota;
      });
    }
  });
});
