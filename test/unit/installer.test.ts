// contrib/install.sh, the installer for real OpenStack VMs, run against recorders: every system
// command it calls (apt-get, dnf, npm, systemctl, mysql, curl, node, …) is a small script first on
// PATH that logs its argv (and, for mysql and bash, its stdin) and plays its part; every file the
// installer writes lands under FAAFO_INSTALL_ROOT. No root, no network, nothing installed.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../helpers/services.ts';

const SCRIPT = fileURLToPath(new URL('../../contrib/install.sh', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));
const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string; files: string[] };

const COMMANDS = [
  'apt-get',
  'dnf',
  'npm',
  'systemctl',
  'useradd',
  'getent',
  'mysql',
  'curl',
  'node',
  'chown',
  'chgrp',
  'id',
  'sleep',
  'faafo',
  'bash',
] as const;

// One recorder for every command, named by $0. Commands that could read stdin drain it, as a
// prompt would: an installer run as `curl … | bash -s` that let them would lose the rest of itself.
const RECORDER = String.raw`#!/bin/bash
name=${'$'}{0##*/}
rec=$FAAFO_TEST_RECORD
# One write a call: curl and bash run at once in a pipe.
line=$name
for a in "$@"; do line+=$'\t'$a; done
printf '%s\n' "$line" >>"$rec/calls.log"
if [ "${'$'}{FAAFO_TEST_FAIL:-}" = "$name" ]; then echo "$name: simulated failure" >&2; exit 100; fi
case "$name" in
  mysql | bash) { printf -- '--- %s\n' "$*"; cat; } >>"$rec/$name.stdin" ;;
  node) if [ "${'$'}{1:-}" = --version ]; then cat "$rec/node-version"; fi ;;
  apt-get | dnf)
    cat >/dev/null
    for a in "$@"; do
      if [ "$a" = nodejs ] && [ -z "${'$'}{FAAFO_TEST_NODE_STUCK:-}" ]; then echo v20.20.0 >"$rec/node-version"; fi
    done ;;
  curl)
    case "$*" in
      *deb.nodesource.com*) echo '# NodeSource setup script (recorded)' ;;
      *127.0.0.1/v1/fractal*)
        n=$(( $(cat "$rec/api-probes" 2>/dev/null || echo 0) + 1 ))
        echo "$n" >"$rec/api-probes"
        [ "$n" -gt "${'$'}{FAAFO_TEST_API_DOWN:-0}" ] || exit 7 ;;
    esac ;;
  id | getent) echo "$name: 'faafo': no such user" >&2; exit 1 ;;
  systemctl) if [ "${'$'}{1:-}" = is-active ]; then exit 3; fi; cat >/dev/null ;;
  *) cat >/dev/null ;;
esac
exit 0
`;

interface Setup {
  os?: string | null;
  node?: string;
  faafo?: boolean;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every recorded call as argv, with the temp root shown as <root> and the recorders' dir as <bin>. */
  calls: string[][];
  /** The calls without node (probed for its version) and bash (runs alongside curl in a pipe). */
  steps: string[][];
  file(path: string): string;
  exists(path: string): boolean;
  mode(path: string): number;
  stdin(command: 'mysql' | 'bash'): string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sandbox(setup: Setup = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'faafo-installer-'));
  dirs.push(dir);
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const rec = join(dir, 'rec');
  for (const d of [join(root, 'etc'), bin, rec]) mkdirSync(d, { recursive: true });
  const os = setup.os === undefined ? 'ubuntu' : setup.os;
  if (os !== null) {
    writeFileSync(join(root, 'etc', 'os-release'), `NAME="Some Linux"\nID=${os}\nVERSION_ID="24.04"\n`);
  }
  writeFileSync(join(rec, 'node-version'), `${setup.node ?? 'v20.20.0'}\n`);
  for (const name of COMMANDS) {
    if (name === 'faafo' && setup.faafo === false) continue;
    writeFileSync(join(bin, name), RECORDER);
    chmodSync(join(bin, name), 0o755);
  }
  return { dir, root, bin, rec };
}

type Sandbox = ReturnType<typeof sandbox>;

/**
 * Runs the installer. With `stdin: true` it is fed on stdin as `curl … | bash -s -- ARGS` does;
 * else it runs as `bash contrib/install.sh ARGS`. Never through a shell string.
 */
function install(
  box: Sandbox,
  args: string[],
  opts: { stdin?: boolean; env?: Record<string, string> } = {},
): Run {
  const env = {
    PATH: `${box.bin}:/usr/bin:/bin`,
    HOME: box.dir,
    LANG: 'C.UTF-8',
    FAAFO_INSTALL_ROOT: box.root,
    FAAFO_TEST_RECORD: box.rec,
    ...opts.env,
  };
  const result = opts.stdin
    ? spawnSync('/bin/bash', ['-s', '--', ...args], { env, input: readFileSync(SCRIPT), encoding: 'utf8' })
    : spawnSync('/bin/bash', [SCRIPT, ...args], { env, input: '', encoding: 'utf8' });
  const log = join(box.rec, 'calls.log');
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  const calls = text
    .split('\n')
    .filter(Boolean)
    .map((line) =>
      line.split('\t').map((a) => a.replaceAll(box.root, '<root>').replaceAll(box.bin, '<bin>')),
    );
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    calls,
    steps: calls.filter((c) => c[0] !== 'node' && c[0] !== 'bash'),
    file: (path) => readFileSync(join(box.root, path), 'utf8'),
    exists: (path) => existsSync(join(box.root, path)),
    mode: (path) => statSync(join(box.root, path)).mode & 0o777,
    stdin: (command) => {
      const f = join(box.rec, `${command}.stdin`);
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    },
  };
}

const APT_UPDATE = ['apt-get', 'update', '-q'];
const apt = (...packages: string[]) => ['apt-get', 'install', '-y', '-q', ...packages];
const dnf = (...packages: string[]) => ['dnf', 'install', '-y', '-q', ...packages];
/** -i database -i messaging: each server installed, configured, (re)started; the SQL on mysql's stdin. */
const SERVICES_STEPS = (install: (...packages: string[]) => string[]) => [
  install('mariadb-server'),
  ['systemctl', 'enable', 'mariadb'],
  ['systemctl', 'restart', 'mariadb'],
  ['mysql'],
  install('rabbitmq-server'),
  ['systemctl', 'enable', 'rabbitmq-server'],
  ['systemctl', 'restart', 'rabbitmq-server'],
];
const NPM_INSTALL = ['npm', 'install', '-g', '--no-audit', '--no-fund', `faafo-tutor@${pkg.version}`];
const USERADD = [
  'useradd',
  '--system',
  '--user-group',
  '--home-dir',
  '/var/lib/faafo',
  '--no-create-home',
  '--shell',
  '/usr/sbin/nologin',
  'faafo',
];
// The faafo user (id says it is missing), the config file's group, the state directory's owner.
const CONFIG_STEPS = [
  ['id', '-u', 'faafo'],
  USERADD,
  ['chgrp', 'faafo', '<root>/etc/faafo/faafo.conf'],
  ['chown', 'faafo:faafo', '<root>/var/lib/faafo'],
];
const startUnit = (unit: string) => [
  ['systemctl', 'is-active', '--quiet', unit],
  ['systemctl', 'enable', '--now', unit],
];

const config = (transport: string, database: string, endpoint: string) =>
  [
    "# Written by faafo-tutor's install.sh. Read by faafo-api and faafo-worker (--config-file).",
    '[DEFAULT]',
    `transport_url = ${transport}`,
    `database_url = ${database}`,
    `endpoint_url = ${endpoint}`,
    '',
  ].join('\n');

const execStart = (run: Run, unit: string) =>
  run
    .file(`etc/systemd/system/${unit}`)
    .split('\n')
    .filter((l) => l.startsWith('ExecStart='));

// shellcheck is a binary, not a service, but the rule is the same: CI installs it (.ci/run), so
// there a missing one fails; elsewhere its test is skipped with one loud line.
const haveShellcheck = await serviceAvailable(
  'shellcheck',
  async () => !spawnSync('shellcheck', ['--version']).error,
);

describe('contrib/install.sh: static checks', () => {
  it.skipIf(!haveShellcheck)('passes shellcheck -x', () => {
    const result = spawnSync('shellcheck', ['-x', SCRIPT], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("installs package.json's version by default, and the package ships contrib/", () => {
    const text = readFileSync(SCRIPT, 'utf8');
    const match = /^readonly DEFAULT_FAAFO_VERSION=(\S+)$/m.exec(text);
    expect(match?.[1]).toBe(pkg.version);
    expect(pkg.files).toContain('contrib');
  });
});

describe("contrib/install.sh: the guide's three invocations (fed on stdin, as curl | bash -s)", () => {
  it('services node: -i database -i messaging installs and opens MariaDB and RabbitMQ', () => {
    const box = sandbox({ os: 'ubuntu' });
    const run = install(box, ['-i', 'database', '-i', 'messaging'], { stdin: true });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.steps).toEqual([APT_UPDATE, ...SERVICES_STEPS(apt)]);

    // MariaDB listens on every address, through a drop-in read after Debian's 50-server.cnf.
    const cnf = run.file('etc/mysql/mariadb.conf.d/99-faafo.cnf');
    expect(cnf).toMatch(/^\[mysqld\]$/m);
    expect(cnf).toMatch(/^bind-address = 0\.0\.0\.0$/m);
    // The SQL comes on stdin, not on mysql's command line.
    const sql = run.stdin('mysql');
    expect(sql).toContain('CREATE DATABASE IF NOT EXISTS faafo;');
    expect(sql).toContain("CREATE USER IF NOT EXISTS 'faafo'@'%' IDENTIFIED BY 'password';");
    expect(sql).toContain("CREATE USER IF NOT EXISTS 'faafo'@'localhost' IDENTIFIED BY 'password';");
    expect(sql).toContain("GRANT ALL PRIVILEGES ON faafo.* TO 'faafo'@'%';");
    expect(sql).toContain("GRANT ALL PRIVILEGES ON faafo.* TO 'faafo'@'localhost';");
    // Remote workers log in as guest.
    expect(run.file('etc/rabbitmq/rabbitmq.conf')).toMatch(/^loopback_users = none$/m);
    // Nothing of faafo itself on the services node.
    expect(run.exists('etc/faafo/faafo.conf')).toBe(false);
    expect(run.stdout).toMatch(/^faafo-install: installing MariaDB/m);
    expect(run.stdout).toMatch(/^faafo-install: installing RabbitMQ/m);
    expect(run.stdout).toMatch(/^faafo-install: done$/m);
  });

  it('api node: -i faafo -r api with -m and -d, on Node 18: NodeSource, npm, user, config, unit', () => {
    const box = sandbox({ os: 'ubuntu', node: 'v18.19.0' });
    const transport = 'amqp://guest:guest@10.0.0.4:5672/';
    const database = 'mysql://faafo:password@10.0.0.4:3306/faafo';
    const run = install(box, ['-i', 'faafo', '-r', 'api', '-m', transport, '-d', database], { stdin: true });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.steps).toEqual([
      APT_UPDATE,
      apt('ca-certificates', 'curl', 'gnupg'),
      ['curl', '-fsSL', 'https://deb.nodesource.com/setup_20.x'],
      apt('nodejs'),
      NPM_INSTALL,
      ...CONFIG_STEPS,
      ['systemctl', 'daemon-reload'],
      ...startUnit('faafo-api.service'),
    ]);
    // NodeSource's setup script went through `bash -`.
    expect(run.calls).toContainEqual(['bash', '-']);
    expect(run.stdin('bash')).toContain('# NodeSource setup script (recorded)');
    expect(run.calls).toContainEqual(['node', '--version']);

    expect(run.file('etc/faafo/faafo.conf')).toBe(config(transport, database, 'http://127.0.0.1'));
    expect(run.mode('etc/faafo/faafo.conf')).toBe(0o640);
    expect(execStart(run, 'faafo-api.service')).toEqual([
      `ExecStart=${box.bin}/faafo api --config-file /etc/faafo/faafo.conf --listen-address 0.0.0.0 --bind-port 80`,
    ]);
    const unit = run.file('etc/systemd/system/faafo-api.service');
    for (const line of [
      'User=faafo',
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'Restart=on-failure',
      'WantedBy=multi-user.target',
    ]) {
      expect(unit).toMatch(new RegExp(`^${line}$`, 'm'));
    }
    expect(unit).toMatch(/^After=network-online\.target/m);
    expect(run.exists('etc/systemd/system/faafo-worker.service')).toBe(false);

    // The passwords never reach the log; the masked URLs do.
    const output = run.stdout + run.stderr;
    expect(output).not.toContain('guest:guest@');
    expect(output).not.toContain('faafo:password@');
    expect(output).toContain('amqp://guest:***@10.0.0.4:5672/');
    expect(output).toContain('mysql://faafo:***@10.0.0.4:3306/faafo');
  });

  it('worker node: -i faafo -r worker with -e and -m, on Node 20: no NodeSource', () => {
    const box = sandbox({ os: 'ubuntu', node: 'v20.20.0' });
    const transport = 'amqp://guest:guest@10.0.0.4:5672/';
    const run = install(box, ['-i', 'faafo', '-r', 'worker', '-e', 'http://10.0.0.5', '-m', transport], {
      stdin: true,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.steps).toEqual([
      NPM_INSTALL,
      ...CONFIG_STEPS,
      ['systemctl', 'daemon-reload'],
      ...startUnit('faafo-worker.service'),
    ]);
    expect(run.calls.some((c) => c[0] === 'bash' || c[0] === 'curl' || c[0] === 'apt-get')).toBe(false);
    expect(run.file('etc/faafo/faafo.conf')).toBe(
      config(transport, 'sqlite:////var/lib/faafo/sqlite.db', 'http://10.0.0.5'),
    );
    expect(execStart(run, 'faafo-worker.service')).toEqual([
      `ExecStart=${box.bin}/faafo worker --config-file /etc/faafo/faafo.conf`,
    ]);
    const unit = run.file('etc/systemd/system/faafo-worker.service');
    expect(unit).toMatch(/^User=faafo$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).not.toContain('AmbientCapabilities');
    expect(run.exists('etc/systemd/system/faafo-api.service')).toBe(false);
    expect(run.stdout + run.stderr).not.toContain('guest:guest@');
  });
});

describe('contrib/install.sh: distributions and bad input', () => {
  it('fedora: dnf for everything, its own MariaDB drop-in, and the demo once the API answers', () => {
    const box = sandbox({ os: 'fedora', node: 'v18.19.0' });
    const run = install(
      box,
      ['-i', 'database', '-i', 'messaging', '-i', 'faafo', '-r', 'api', '-r', 'worker', '-r', 'demo'],
      { env: { FAAFO_TEST_API_DOWN: '2' } },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const probe = ['curl', '-fsS', '-o', '/dev/null', 'http://127.0.0.1/v1/fractal'];
    expect(run.steps).toEqual([
      ...SERVICES_STEPS(dnf),
      dnf('nodejs', 'npm'),
      NPM_INSTALL,
      ...CONFIG_STEPS,
      ['systemctl', 'daemon-reload'],
      ...startUnit('faafo-api.service'),
      ...startUnit('faafo-worker.service'),
      probe,
      ['sleep', '1'],
      probe,
      ['sleep', '1'],
      probe,
      ['faafo', '--endpoint-url', 'http://127.0.0.1', 'create'],
    ]);
    expect(run.file('etc/my.cnf.d/99-faafo.cnf')).toMatch(/^bind-address = 0\.0\.0\.0$/m);
    expect(run.exists('etc/mysql')).toBe(false);
    // -i database without -d: the faafo user's local URL (not the original's root@localhost).
    expect(run.file('etc/faafo/faafo.conf')).toBe(
      config(
        'amqp://guest:guest@localhost:5672/',
        'mysql://faafo:password@localhost:3306/faafo',
        'http://127.0.0.1',
      ),
    );
    expect(run.stdout).toMatch(
      /^faafo-install: running the demo: faafo --endpoint-url http:\/\/127\.0\.0\.1 create$/m,
    );
  });

  it('arch: exit 1, distribution not supported, nothing run', () => {
    const run = install(sandbox({ os: 'arch' }), ['-i', 'faafo']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error: distribution arch not supported');
    expect(run.calls).toEqual([]);
  });

  it('no /etc/os-release: exit 1 with a line that says so', () => {
    const run = install(sandbox({ os: null }), ['-i', 'database']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^faafo-install: error: cannot read \/etc\/os-release/m);
    expect(run.calls).toEqual([]);
  });

  it('an unknown option: exit 1, error: unknown option', () => {
    const run = install(sandbox(), ['-i', 'faafo', '-x']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^faafo-install: error: unknown option -x$/m);
    expect(run.calls).toEqual([]);
  });

  it('an option without its value, an unknown -i or -r, a non-AMQP -m: exit 1 each', () => {
    const cases: [string[], RegExp][] = [
      [['-i', 'faafo', '-m'], /error: option -m needs a value/],
      [['-i', 'webserver'], /error: unknown installation -i webserver/],
      [['-i', 'faafo', '-r', 'scheduler'], /error: unknown role -r scheduler/],
      [['-i', 'faafo', '-m', 'http://10.0.0.4/'], /error: -m must be an amqp:\/\/ or amqps:\/\/ URL/],
      [[], /error: nothing to do/],
    ];
    for (const [args, message] of cases) {
      const run = install(sandbox(), args);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.calls).toEqual([]);
    }
  });

  it('-r worker without -i faafo and with no faafo installed: exit 1, nothing run', () => {
    const run = install(sandbox({ faafo: false }), ['-r', 'worker', '-e', 'http://10.0.0.5']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^faafo-install: error: -r worker needs faafo, which is not installed: add -i faafo$/m,
    );
    expect(run.calls).toEqual([]);
  });
});

describe('contrib/install.sh: settings, secrets and failures', () => {
  it('-d wins over -i database for database_url', () => {
    const database = 'mysql://faafo:password@10.9.9.9:3306/faafo';
    const run = install(sandbox(), ['-i', 'database', '-i', 'faafo', '-d', database]);
    expect(run.status).toBe(0);
    expect(run.file('etc/faafo/faafo.conf')).toContain(`database_url = ${database}\n`);
  });

  it('never prints the transport or database password, even when a step fails', () => {
    const transport = 'amqp://guest:s3cr3t-amqp@10.0.0.4:5672/';
    const database = 'mysql://faafo:s3cr3t-db@10.0.0.4:3306/faafo';
    const args = ['-i', 'faafo', '-r', 'api', '-m', transport, '-d', database];
    const ok = install(sandbox(), args);
    expect(ok.status).toBe(0);
    expect(ok.file('etc/faafo/faafo.conf')).toContain(`transport_url = ${transport}\n`);
    const failed = install(sandbox(), args, { env: { FAAFO_TEST_FAIL: 'chgrp' } });
    expect(failed.status).toBe(100);
    expect(failed.stderr).toMatch(
      /^faafo-install: error: writing \/etc\/faafo\/faafo\.conf .* failed: 'chgrp faafo/m,
    );
    for (const run of [ok, failed]) {
      const output = run.stdout + run.stderr;
      expect(output).not.toContain('s3cr3t');
      expect(output).toContain('amqp://guest:***@10.0.0.4:5672/');
    }
  });

  it('a failed command ends the run with a line naming the step and the command', () => {
    const run = install(sandbox(), ['-i', 'database', '-i', 'messaging'], {
      env: { FAAFO_TEST_FAIL: 'apt-get' },
    });
    expect(run.status).toBe(100);
    expect(run.stderr).toMatch(
      /^faafo-install: error: installing MariaDB \(mariadb-server\) failed: '.*apt-get update -q.*' exited with status 100 \(line \d+\)$/m,
    );
    expect(run.calls).toEqual([APT_UPDATE]);
  });

  it('Node.js still too old after installing it: exit 1, saying so', () => {
    const run = install(sandbox({ node: 'v18.19.0' }), ['-i', 'faafo'], {
      env: { FAAFO_TEST_NODE_STUCK: '1' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /error: Node\.js 20 or newer is needed, but after installing it node reports 'v18\.19\.0'/,
    );
    expect(run.steps.some((c) => c[0] === 'npm')).toBe(false);
  });

  it('npm installs no faafo command on PATH: exit 1, saying so', () => {
    const run = install(sandbox({ faafo: false }), ['-i', 'faafo']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error: npm installed faafo-tutor, but no faafo command is on PATH/);
  });

  it('FAAFO_VERSION picks another release', () => {
    const run = install(sandbox(), ['-i', 'faafo'], { env: { FAAFO_VERSION: '0.2.0' } });
    expect(run.status).toBe(0);
    expect(run.steps).toContainEqual([
      'npm',
      'install',
      '-g',
      '--no-audit',
      '--no-fund',
      'faafo-tutor@0.2.0',
    ]);
  });

  it('-r demo without -r api: a warning, no demo', () => {
    const run = install(sandbox(), ['-i', 'faafo', '-r', 'worker', '-r', 'demo']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^faafo-install: warning: -r demo needs -r api on the same node; no demo$/m);
    expect(run.steps.some((c) => c[0] === 'faafo' || c[0] === 'curl')).toBe(false);
  });

  it('-r demo when the API never answers: 30 tries, then exit 1 pointing at the journal', () => {
    const run = install(sandbox(), ['-i', 'faafo', '-r', 'api', '-r', 'demo'], {
      env: { FAAFO_TEST_API_DOWN: '1000' },
    });
    expect(run.status).toBe(1);
    expect(run.steps.filter((c) => c[0] === 'curl')).toHaveLength(30);
    expect(run.steps.some((c) => c[0] === 'faafo')).toBe(false);
    expect(run.stderr).toMatch(/error: the API did not answer .* within 30 s.*journalctl -u faafo-api/);
  });

  it('an existing rabbitmq.conf keeps its lines and gets loopback_users = none once', () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'etc', 'rabbitmq'), { recursive: true });
    writeFileSync(join(box.root, 'etc', 'rabbitmq', 'rabbitmq.conf'), 'listeners.tcp.default = 5672');
    expect(install(box, ['-i', 'messaging']).status).toBe(0);
    expect(install(box, ['-i', 'messaging']).status).toBe(0);
    const conf = readFileSync(join(box.root, 'etc', 'rabbitmq', 'rabbitmq.conf'), 'utf8');
    expect(conf).toMatch(/^listeners\.tcp\.default = 5672\n/);
    expect(conf.match(/^loopback_users = none$/gm)).toHaveLength(1);
  });

  it('-r without -i faafo keeps an existing faafo.conf', () => {
    const box = sandbox();
    mkdirSync(join(box.root, 'etc', 'faafo'), { recursive: true });
    writeFileSync(
      join(box.root, 'etc', 'faafo', 'faafo.conf'),
      '[DEFAULT]\nendpoint_url = http://10.1.1.1\n',
    );
    const run = install(box, ['-r', 'worker']);
    expect(run.status).toBe(0);
    expect(run.file('etc/faafo/faafo.conf')).toBe('[DEFAULT]\nendpoint_url = http://10.1.1.1\n');
    expect(run.steps.some((c) => c[0] === 'npm')).toBe(false);
    expect(execStart(run, 'faafo-worker.service')).toEqual([
      `ExecStart=${box.bin}/faafo worker --config-file /etc/faafo/faafo.conf`,
    ]);
  });
});
