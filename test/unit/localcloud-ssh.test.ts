// The nodes' sshd pieces without a network: which key a node lets in (parsing the key pair's
// public key, the signature check), the login's environment and its `uptime`/`hostname` shims,
// the ssh port choice, and what `faafo-tutor ssh` hands the OpenSSH client.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import type { Node } from '../../src/cloud/models.ts';
import { explainSshLine, sshArgs, sshTarget } from '../../src/lesson/ssh-call.ts';
import { loadAverageFile } from '../../src/localcloud/nodes/limits/node-limits.ts';
import { probeAddress } from '../../src/localcloud/nodes/ports.ts';
import {
  acceptsKey,
  authorizedKeyOf,
  parseAuthorizedKey,
} from '../../src/localcloud/nodes/ssh/authorized-key.ts';
import { hostKeyFile, loadOrMakeHostKey } from '../../src/localcloud/nodes/ssh/host-key.ts';
import { loginBinDir, loginEnv, prepareLogin } from '../../src/localcloud/nodes/ssh/login-env.ts';
import { chooseSshPort, SSH_FALLBACK_PORT } from '../../src/localcloud/nodes/ssh/port.ts';
import { startNodeSsh } from '../../src/localcloud/nodes/ssh/server.ts';
import type { CloudState, Server } from '../../src/localcloud/state.ts';
import { seedState } from '../../src/localcloud/store.ts';
import { opensshPublicKey } from '../helpers/ssh-key.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'faafo-ssh-unit-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const parsed = (text: string): ParsedKey => {
  const key = ssh2.utils.parseKey(text);
  if (key instanceof Error || Array.isArray(key)) throw new Error('unexpected key');
  return key;
};

/** What an OpenSSH client sends for a key: the public blob, and a signature over the session data. */
function attempt(privateKey: ParsedKey, blob = randomBytes(64)) {
  return {
    key: { algo: privateKey.type, data: privateKey.getPublicSSH() },
    blob,
    signature: privateKey.sign(blob),
  };
}

describe('the key a node lets in', () => {
  const demo = ssh2.utils.generateKeyPairSync('ed25519');
  const other = ssh2.utils.generateKeyPairSync('ed25519');
  const rsaDemo = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });

  it('parses the key pair public key as OpenSSH writes it, comment and all', () => {
    const key = parseAuthorizedKey(`${demo.public} demo@laptop\n`);
    expect(key).not.toBeInstanceOf(Error);
    expect((key as ParsedKey).type).toBe('ssh-ed25519');
    expect(parseAuthorizedKey(opensshPublicKey('Generated-by-Nova'))).toMatchObject({ type: 'ssh-rsa' });
  });

  it('says why a key pair holds no usable public key', () => {
    expect(parseAuthorizedKey('ssh-rsa not-base64!')).toBeInstanceOf(Error);
    expect(parseAuthorizedKey('')).toBeInstanceOf(Error);
    expect((parseAuthorizedKey(demo.private) as Error).message).toMatch(
      /private key where its public key belongs/,
    );
  });

  it('accepts the authorized key with a valid signature, and a probe without one', () => {
    const authorized = parseAuthorizedKey(demo.public) as ParsedKey;
    const full = attempt(parsed(demo.private));
    expect(acceptsKey(authorized, full)).toBe(true);
    expect(acceptsKey(authorized, { key: full.key })).toBe(true);
    const rsa = attempt(parsed(rsaDemo.private));
    expect(acceptsKey(parseAuthorizedKey(rsaDemo.public) as ParsedKey, rsa)).toBe(true);
  });

  it('refuses another key, a forged signature, a signature without data, and everyone without a key pair', () => {
    const authorized = parseAuthorizedKey(demo.public) as ParsedKey;
    expect(acceptsKey(authorized, attempt(parsed(other.private)))).toBe(false);
    // The authorized public key, signed by another private key.
    const forged = { ...attempt(parsed(other.private)), key: attempt(parsed(demo.private)).key };
    expect(acceptsKey(authorized, forged)).toBe(false);
    const { key, signature } = attempt(parsed(demo.private));
    expect(acceptsKey(authorized, { key, signature })).toBe(false);
    expect(acceptsKey(authorized, { ...attempt(parsed(demo.private)), blob: randomBytes(64) })).toBe(false);
    expect(acceptsKey(undefined, attempt(parsed(demo.private)))).toBe(false);
  });

  it("takes the server's key pair of the server's own user", () => {
    const state: CloudState = seedState({ slot: 9 });
    const userId = state.users[0]!.id;
    state.keypairs.push(
      { name: 'demokey', userId: 'someone-else', publicKey: other.public, fingerprint: '', createdAt: '' },
      { name: 'demokey', userId, publicKey: demo.public, fingerprint: '', createdAt: '' },
    );
    const server = { keyName: 'demokey', userId } as Server;
    const key = authorizedKeyOf(state, server) as ParsedKey;
    expect(key.getPublicSSH().equals(parsed(demo.public).getPublicSSH())).toBe(true);
    expect(authorizedKeyOf(state, { ...server, keyName: null })).toBeUndefined();
    expect((authorizedKeyOf(state, { ...server, keyName: 'gone' }) as Error).message).toBe(
      'The key pair gone is gone, so no key can log in.',
    );
  });

  it('keeps one ed25519 host key per node, readable by its owner only', () => {
    const dir = tempDir();
    const first = loadOrMakeHostKey(dir);
    expect(parsed(first).type).toBe('ssh-ed25519');
    expect(statSync(hostKeyFile(dir)).mode & 0o777).toBe(0o600);
    expect(loadOrMakeHostKey(dir)).toBe(first);
  });
});

describe("a login's environment", () => {
  it("puts the node's shims first and its faafo config in, and leaves the host's FAAFO_* out", () => {
    const dir = tempDir();
    const node = { name: 'app-worker-1', dir };
    process.env.FAAFO_ENDPOINT_URL = 'http://developer.example:1';
    try {
      const before = loginEnv(node, 'ubuntu');
      expect(before.PATH?.split(':')[0]).toBe(loginBinDir(dir));
      expect(before).toMatchObject({
        FAAFO_NODE_NAME: 'app-worker-1',
        HOSTNAME: 'app-worker-1',
        USER: 'ubuntu',
      });
      expect(before.FAAFO_CONFIG_FILE).toBeUndefined();
      expect(before.FAAFO_ENDPOINT_URL).toBeUndefined();
      writeFileSync(join(dir, 'faafo.conf'), '[DEFAULT]\n');
      expect(loginEnv(node, 'ubuntu', 'xterm').FAAFO_CONFIG_FILE).toBe(join(dir, 'faafo.conf'));
      expect(loginEnv(node, 'ubuntu', 'xterm').TERM).toBe('xterm');
    } finally {
      delete process.env.FAAFO_ENDPOINT_URL;
    }
  });

  it("answers uptime with the node's load file and hostname with its name", () => {
    const dir = tempDir();
    const node = { name: "o'brien-1", dir };
    prepareLogin(node, new Date(Date.now() - (2 * 3600 + 5 * 60) * 1000));
    const sh = (command: string) =>
      execFileSync('/bin/sh', ['-c', command], { env: loginEnv(node, 'ubuntu'), encoding: 'utf8' });
    expect(sh('hostname')).toBe("o'brien-1\n");
    expect(sh('uptime')).toMatch(/^ \d\d:\d\d:\d\d up {2}2:0[56], {2}1 user, {2}load average: unknown \(/);
    writeFileSync(loadAverageFile(dir), '2.04 1.10 0.33 3/99 777\n');
    expect(sh('uptime')).toMatch(/ up {2}2:0[56], {2}1 user, {2}load average: 2\.04, 1\.10, 0\.33\n$/);
    prepareLogin(node, new Date(Date.now() - 3 * 86400 * 1000 - 60_000));
    expect(sh('uptime')).toMatch(/ up 3 days, {2}0:0[12], /);
  });
});

describe('the ssh port', () => {
  it('moves off 22 when it is taken on the cloud addresses, and remembers the choice', async () => {
    const slot = 97;
    const file = join(tempDir(), 'ssh-port.json');
    const blocker = createServer();
    // As root 22 is ours to take; otherwise nobody may bind it and the choice moves anyway.
    await new Promise<void>((resolve) => {
      blocker.once('error', () => resolve());
      blocker.listen({ host: probeAddress(slot), port: 22 }, () => resolve());
    });
    try {
      expect(await chooseSshPort(slot, file)).toBe(SSH_FALLBACK_PORT);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ ssh: SSH_FALLBACK_PORT });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('what faafo-tutor ssh gives the OpenSSH client', () => {
  const node = {
    name: 'app-worker-1',
    keyName: 'demokey',
    floatingIps: ['127.5.2.3'],
    publicIps: ['127.5.1.4', '127.5.2.3'],
    privateIps: ['10.5.0.4'],
    metadata: { 'local-cloud:ports': '80=8080,22=2222' },
  } as unknown as Node;

  it('the floating IP and the published ssh port; else the address and 22', () => {
    expect(sshTarget(node)).toEqual({ address: '127.5.2.3', port: 2222 });
    expect(sshTarget({ ...node, floatingIps: [], publicIps: ['127.5.1.4'], metadata: {} })).toEqual({
      address: '127.5.1.4',
      port: 22,
    });
    expect(sshTarget({ ...node, floatingIps: [], publicIps: [], privateIps: [] })).toBeUndefined();
  });

  it('one argument per word: the command is never joined into a string of ours', () => {
    const args = sshArgs({
      address: '127.5.2.3',
      port: 2222,
      user: 'ubuntu',
      key: '/k/demokey.pem',
      command: ['echo', '$HOME; rm x'],
    });
    expect(args).toEqual([
      '-i',
      '/k/demokey.pem',
      '-o',
      'IdentitiesOnly=yes',
      '-p',
      '2222',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      'ubuntu@127.5.2.3',
      'echo',
      '$HOME; rm x',
    ]);
  });

  it("explains ssh's refusals in one sentence and leaves other lines alone", () => {
    const call = { address: '127.5.2.3', port: 2222, user: 'ubuntu', key: '/k/other.pem', command: [] };
    expect(explainSshLine('ubuntu@127.5.2.3: Permission denied (publickey).', node, call)).toBe(
      "app-worker-1 refused the key /k/other.pem: it lets in only the key pair it was created with (demokey); pass that key's private file with --identity FILE.",
    );
    expect(
      explainSshLine('ssh: connect to host 127.5.2.3 port 2222: Connection refused', node, call),
    ).toMatch(
      /^app-worker-1 does not answer ssh on 127\.5\.2\.3 port 2222: check that one of its security groups opens TCP port 22/,
    );
    expect(explainSshLine('ls: cannot access x: No such file or directory', node, call)).toBeUndefined();
  });
});

describe("a node's sshd on an address still held", () => {
  /** A loopback port free now, held by `blocker` until the test frees it. */
  async function held(host: string) {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, host, resolve));
    return { blocker, port: (blocker.address() as { port: number }).port };
  }

  it('starts once the address is free again, within its tries', async () => {
    const { blocker, port } = await held('127.0.0.1');
    setTimeout(() => blocker.close(), 600);
    const said: string[] = [];
    const ssh = await startNodeSsh({
      node: { name: 'app-api-2', dir: tempDir() },
      host: '127.0.0.1',
      port,
      authorizedKey: undefined,
      say: (line) => said.push(line),
    });
    try {
      expect(ssh.listen).toEqual({ port, guidePort: 22 });
      // It answers as an SSH server does: its version line first.
      const banner = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => {});
        socket.once('data', (chunk) => {
          resolve(chunk.toString('utf8'));
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(banner).toMatch(/^SSH-2\.0-/);
    } finally {
      await ssh.close();
    }
  });

  it('gives up with EADDRINUSE when the address stays held', async () => {
    const { blocker, port } = await held('127.0.0.1');
    try {
      await expect(
        startNodeSsh({
          node: { name: 'app-api-2', dir: tempDir() },
          host: '127.0.0.1',
          port,
          authorizedKey: undefined,
        }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
