// `ssh` into a local-cloud node the guide's way, with the real OpenSSH client: a node created with
// the demokey key pair lets that key in (on its floating IP and on its own address) and no other;
// a login runs in the node's environment (its hostname, FAAFO_NODE_NAME, its own `uptime`); the
// security group's port-22 rule opens and closes the floating IP's port; and `faafo-tutor ssh`
// finds all of that by itself. Under CI a missing `ssh` fails; elsewhere the file skips loudly.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/cloud/connect.ts';
import type { Connection } from '../../src/cloud/driver.ts';
import type { Node } from '../../src/cloud/models.ts';
import { sshArgs, sshTarget } from '../../src/lesson/ssh-call.ts';
import {
  cleanEnv,
  isAlive,
  issueV3Token,
  runTutor,
  startTestCloud,
  type TestCloud,
} from '../helpers/localcloud.ts';

const run = promisify(execFile);
const haveSsh = spawnSync('ssh', ['-V']).status === 0;
if (!haveSsh) {
  if (process.env.CI) throw new Error('The OpenSSH client (ssh) is missing; CI must install openssh-client.');
  console.warn(
    'SKIPPING localcloud-ssh: the OpenSSH client (ssh) is not installed (apt-get install openssh-client).',
  );
}

let cloud: TestCloud;
let conn: Connection;
let node: Node;
/** app-controller: an API node with the guide's userdata, for `faafo list` on the node. */
let controller: Node;
let demokey: string;
let otherKey: string;
let ruleId: string;

/** `ssh` with the test's key to address:port; exit code and output, never a throw. */
async function ssh(address: string, port: number, key: string, command: string[]) {
  try {
    const { stdout, stderr } = await run('ssh', sshArgs({ address, port, user: 'ubuntu', key, command }), {
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Alive and not a zombie: an orphan's zombie waits for an init that may reap slowly. */
function running(pid: number): boolean {
  try {
    return isAlive(pid) && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false; // gone between the two looks
  }
}

const ownAddress = (n: Node) => n.publicIps.find((a) => !n.floatingIps.includes(a))!;

describe.skipIf(!haveSsh)('ssh into a local-cloud node', () => {
  beforeAll(async () => {
    cloud = await startTestCloud('faafo-ssh-');
    conn = await connect({ env: cleanEnv(cloud.osEnv) });
    const key = await conn.importKeyPair('demokey');
    demokey = join(cloud.dir, 'demokey.pem');
    writeFileSync(demokey, key.privateKey!, { mode: 0o600 });
    otherKey = join(cloud.dir, 'other.pem');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(otherKey, other.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), {
      mode: 0o600,
    });

    const group = await conn.exCreateSecurityGroup('worker', 'ssh only');
    await conn.exCreateSecurityGroupRule(group, 'TCP', 22, 22);
    ruleId = (await conn.exListSecurityGroups()).find((g) => g.id === group.id)!.rules[0]!.id;
    const image = (await conn.listImages())[0]!;
    const size = (await conn.listSizes()).find((s) => s.name === 'm1.small') ?? (await conn.listSizes())[0]!;
    await conn.createNode({
      name: 'app-worker-1',
      image,
      size,
      exKeyname: 'demokey',
      exSecurityGroups: [group],
    });
    await conn.createNode({
      name: 'app-controller',
      image,
      size,
      exKeyname: 'demokey',
      exUserdata:
        '#!/usr/bin/env bash\ncurl -L -s http://example.invalid/install.sh | bash -s -- \\\n    -i messaging -i faafo -r api\n',
      exSecurityGroups: [group],
    });
    await conn.waitUntilBooted({ names: ['app-worker-1', 'app-controller'], timeoutMs: 90_000 });
    const booted = (await conn.listNodes()).find((n) => n.name === 'app-worker-1');
    const pool = (await conn.exListFloatingIpPools())[0]!;
    await conn.exAttachFloatingIpToNode(booted!, await pool.createFloatingIp());
    node = (await conn.listNodes()).find((n) => n.name === 'app-worker-1')!;
    controller = (await conn.listNodes()).find((n) => n.name === 'app-controller')!;
    for (const n of [node, controller]) expect(n.status, await conn.exGetConsoleOutput(n)).toBe('ACTIVE');
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  it('publishes where sshd listens and has a floating IP', async () => {
    const target = sshTarget(node)!;
    expect(node.floatingIps).toHaveLength(1);
    expect(await conn.exGetConsoleOutput(node)).toContain(
      `sshd listening on ${ownAddress(node)}:${target.port}`,
    );
    expect(target.address).toBe(node.floatingIps[0]);
    // 22 when this user may bind it, else moved and published as 22=<port>.
    expect(target.port === 22 || node.metadata['local-cloud:ports']?.includes(`22=${target.port}`)).toBe(
      true,
    );
  });

  it('runs uptime on the floating IP with the demokey and prints the node load', async () => {
    const { address, port } = sshTarget(node)!;
    // The cloud rewrites the node's load every 5 s: compare with a reading that held still around the login.
    const loadFile = join(cloud.dataDir, 'nodes', node.id, 'loadavg');
    const averages = () => readFileSync(loadFile, 'utf8').split(' ').slice(0, 3);
    for (let attempt = 1; ; attempt++) {
      const before = averages();
      const result = await ssh(address, port, demokey, ['uptime']);
      const diagnostics = (await conn.exGetServerDiagnostics(node)) as Record<string, unknown>;
      if (attempt < 3 && averages().join() !== before.join()) continue;
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toMatch(
        new RegExp(`^ \\d\\d:\\d\\d:\\d\\d up .*, {2}1 user, {2}load average: ${before.join(', ')}\n$`),
      );
      // The same load a client reads through Nova's diagnostics.
      expect(diagnostics['local-cloud:loadavg']).toEqual(before.map(Number));
      break;
    }
  });

  it("runs a login's commands on the node's vCPUs, counted in its load", async () => {
    const { address, port } = sshTarget(node)!;
    const diagnostics = (await conn.exGetServerDiagnostics(node)) as Record<string, unknown>;
    const mechanism = String(diagnostics['local-cloud:cpu-limit']);
    const cgroups = await ssh(address, port, demokey, ['cat', '/proc/self/cgroup']);
    expect(cgroups.code).toBe(0);
    // A cgroup quota: the login's shell is in the node's own group; a duty cycle signals it instead.
    if (mechanism.startsWith('cgroup')) expect(cgroups.stdout).toContain(`/${node.id}\n`);
    else expect(mechanism).toMatch(/^(duty-cycle|none)$/);
  });

  it("answers with the node's hostname, FAAFO_NODE_NAME and exit codes", async () => {
    const { address, port } = sshTarget(node)!;
    expect((await ssh(address, port, demokey, ['hostname'])).stdout).toBe('app-worker-1\n');
    expect((await ssh(address, port, demokey, ['echo $FAAFO_NODE_NAME'])).stdout).toBe('app-worker-1\n');
    expect((await ssh(address, port, demokey, ['exit 3'])).code).toBe(3);
  });

  it("runs faafo with the node's own config: faafo list asks the node's API", async () => {
    const { port } = sshTarget(node)!;
    const address = ownAddress(controller);
    const conf = await ssh(address, port, demokey, ['cat "$FAAFO_CONFIG_FILE"']);
    expect(conf.code, conf.stderr).toBe(0);
    expect(conf.stdout).toContain(`endpoint_url = http://${address}:`);
    const list = await ssh(address, port, demokey, ['faafo list']);
    expect(list.stderr).toBe('');
    expect(list.code, list.stderr).toBe(0);
    // The API answered with its (empty) gallery's table; a faafo that reached no API exits non-zero.
    expect(list.stdout).toMatch(/UUID.*Dimensions.*Filesize/);
  });

  it('gives an interactive shell, on a terminal when the client asks for one', async () => {
    const { address, port } = sshTarget(node)!;
    const session = (extra: string[], input: string) =>
      new Promise<string>((resolve) => {
        const args = sshArgs({ address, port, user: 'ubuntu', key: demokey, command: [] });
        const child = spawn('ssh', [...extra, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.stdin.end(input);
        child.on('close', () => resolve(out));
      });
    // -tt: a pseudo-terminal although our stdin is a pipe; `tty` names it there.
    const onTty = await session(['-tt'], 'echo "tty:$(tty)"; hostname; exit\n');
    expect(onTty).toMatch(/tty:\/dev\/pts\/\d+/);
    expect(onTty).toContain('app-worker-1');
    const plain = await session(['-T'], 'echo "sum:$((40 + 2))"\nexit\n');
    expect(plain).toContain('sum:42');
  });

  it('refuses another key', async () => {
    const { address, port } = sshTarget(node)!;
    const result = await ssh(address, port, otherKey, ['uptime']);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
    expect(result.stdout).toBe('');
    expect(await conn.exGetConsoleOutput(node)).toMatch(/sshd: refused an ssh-rsa key for ubuntu from 127\./);
  });

  it('faafo-tutor ssh NODE -- uptime logs in by itself; a bad name is one line', async () => {
    const env = cleanEnv({ ...cloud.osEnv, FAAFO_RUN_TS: '1', XDG_DATA_HOME: cloud.dir });
    // The prelude keeps demokey's private key in <XDG_DATA_HOME>/faafo-tutor/demokey.pem.
    const keyHome = join(cloud.dir, 'faafo-tutor');
    mkdirSync(keyHome, { recursive: true });
    copyFileSync(demokey, join(keyHome, 'demokey.pem'));
    const ok = await runTutor(['ssh', 'app-worker-1', '--', 'uptime'], env);
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ code: 0 });
    // The node's own load, as the cloud writes it (an idle node: near 0, not the host's).
    expect(ok.stdout).toMatch(/load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n$/);

    const bad = await runTutor(['ssh', 'app-wroker-1', '--', 'uptime'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toBe(
      'faafo-tutor ssh: There is no server named app-wroker-1; `openstack server list` shows the servers there are.\n',
    );

    // No cloud configured and the local cloud not running: ssh starts none, and says so.
    const noCloudDir = join(cloud.dir, 'no-cloud');
    const noCloud = await runTutor(
      ['ssh', 'app-worker-1'],
      cleanEnv({ FAAFO_RUN_TS: '1', FAAFO_CLOUD_DIR: noCloudDir }),
    );
    expect(noCloud.code).not.toBe(0);
    expect(noCloud.stderr).toBe(
      `faafo-tutor ssh: The local cloud (${noCloudDir}) is not running, so none of its servers is; start it with \`faafo-tutor cloud up\` and try again.\n`,
    );
    expect(existsSync(noCloudDir)).toBe(false);

    const noClient = await runTutor(['ssh', 'app-worker-1', '--', 'uptime'], {
      ...env,
      PATH: '/nonexistent',
    });
    expect(noClient.code).not.toBe(0);
    expect(noClient.stderr).toBe(
      'faafo-tutor ssh: The OpenSSH client (ssh) is not installed; install it (apt-get install openssh-client) and try again.\n',
    );

    const refused = await runTutor(['ssh', 'app-worker-1', '--identity', otherKey, '--', 'uptime'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^faafo-tutor ssh: app-worker-1 refused the key .*other\.pem/);
  }, 60_000);

  it('faafo-tutor ssh on a stopped node says so in one line', async () => {
    const env = cleanEnv({ ...cloud.osEnv, FAAFO_RUN_TS: '1', XDG_DATA_HOME: cloud.dir });
    await conn.exStopNode(controller);
    const deadline = Date.now() + 30_000;
    while ((await conn.getNode(controller.id)).status !== 'SHUTOFF' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const stopped = await runTutor(['ssh', 'app-controller', '--', 'uptime'], env);
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr).toBe(
      'faafo-tutor ssh: app-controller is SHUTOFF, not running; start it (openstack server start app-controller) and try again.\n',
    );
    // Its sshd stopped with it.
    const { port } = sshTarget(node)!;
    expect((await ssh(ownAddress(controller), port, demokey, ['uptime'])).stderr).toMatch(
      /Connection refused/,
    );
  }, 60_000);

  it("closes the floating IP's port 22 when the group's rule goes; the node's own address still answers", async () => {
    const { address, port } = sshTarget(node)!;
    const token = await issueV3Token(cloud.serving.cloud.endpoints.identity, cloud.osEnv);
    const res = await fetch(`${cloud.serving.cloud.endpoints.network}/v2.0/security-group-rules/${ruleId}`, {
      method: 'DELETE',
      headers: { 'x-auth-token': token },
    });
    expect(res.status).toBe(204);
    let closed = await ssh(address, port, demokey, ['uptime']);
    for (let i = 0; i < 40 && closed.code === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      closed = await ssh(address, port, demokey, ['uptime']);
    }
    expect(closed.code).toBe(255);
    expect(closed.stderr).toMatch(/Connection refused|Connection closed|Connection reset/);
    const own = await ssh(ownAddress(node), port, demokey, ['hostname']);
    expect(own).toMatchObject({ code: 0, stdout: 'app-worker-1\n' });
  });

  it("stopping the node ends its sshd's sessions and every process they started, in the background too", async () => {
    const { port } = sshTarget(node)!;
    const args = sshArgs({
      address: ownAddress(node),
      port,
      user: 'ubuntu',
      key: demokey,
      command: ['echo $$; exec sleep 120'],
    });
    const client = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const ended = new Promise<number | null>((resolve) => client.on('close', (code) => resolve(code)));
    const pid = await new Promise<number>((resolve) =>
      client.stdout.once('data', (d: Buffer) => resolve(Number(d.toString()))),
    );
    expect(isAlive(pid)).toBe(true);
    // A job the user left running in the background after logging out (nohup ignores the hangup).
    const detached = await ssh(ownAddress(node), port, demokey, [
      'nohup sleep 120 >/dev/null 2>&1 & echo $!',
    ]);
    const backgroundPid = Number(detached.stdout);
    expect(detached.code).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(running(backgroundPid)).toBe(true);
    // What lets the next run of a cloud that was killed outright end it (reapStale): a pid file of
    // the node's, for a process running in the node's dir.
    const nodeDir = join(cloud.dataDir, 'nodes', node.id);
    expect(readFileSync(join(nodeDir, 'run', `ssh-session-${pid}.pid`), 'utf8')).toBe(`${pid}\n`);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(nodeDir);
    await conn.exStopNode(node);
    expect(await ended).not.toBe(0);
    const deadline = Date.now() + 5_000;
    const pidFile = join(nodeDir, 'run', `ssh-session-${pid}.pid`);
    while ((isAlive(pid) || running(backgroundPid) || existsSync(pidFile)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid)).toBe(false);
    expect(running(backgroundPid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
  }, 60_000);
});
