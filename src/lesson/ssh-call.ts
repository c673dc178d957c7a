// Where and how to ssh into one of the lesson's servers: its address and (possibly moved) port 22,
// the lesson's key, and the OpenSSH client's argument list, plus what ssh's own complaints mean.
// Plain functions with no process or CLI library, so the lab (which a notebook loads as CommonJS)
// can run the guide's commands on a node the way `faafo-tutor ssh` does.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Node } from '../cloud/models.ts';
import { dataDir } from '../faafo/config.ts';
import { readPortMap } from '../shared/port-map.ts';

const SSH_PORT = 22;
/** The user the guide logs in as on its Ubuntu image; any name works on the local cloud's nodes. */
export const DEFAULT_SSH_USER = 'ubuntu';

/** Where to reach a node's sshd: its floating IP when it has one, and its (possibly moved) port 22. */
export function sshTarget(node: Node): { address: string; port: number } | undefined {
  const address = node.floatingIps[0] ?? node.publicIps[0] ?? node.privateIps[0];
  if (!address) return undefined;
  return { address, port: readPortMap(node.metadata).get(SSH_PORT) ?? SSH_PORT };
}

/** The lesson's private key: the prelude's demokey.pem, else the key the prelude imported from ~/.ssh. */
export function lessonKeyFile(env: NodeJS.ProcessEnv = process.env, home = homedir()): string | undefined {
  return [
    join(dataDir(env), 'demokey.pem'),
    join(home, '.ssh', 'id_rsa'),
    join(home, '.ssh', 'id_ed25519'),
  ].find(existsSync);
}

export interface SshCall {
  address: string;
  port: number;
  user: string;
  key?: string;
  command: readonly string[];
}

/** The OpenSSH client's arguments. A node's host key is new on every cloud, so none is remembered. */
export function sshArgs(call: SshCall): string[] {
  return [
    ...(call.key ? ['-i', call.key, '-o', 'IdentitiesOnly=yes'] : []),
    '-p',
    String(call.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    `${call.user}@${call.address}`,
    ...call.command,
  ];
}

/** ssh's own complaint about the connection, as one sentence with the fix; undefined if it is not one. */
export function explainSshLine(line: string, node: Node, call: SshCall): string | undefined {
  const where = `${call.address} port ${call.port}`;
  if (/Permission denied \(publickey/.test(line)) {
    return (
      `${node.name} refused the key ${call.key ?? '(ssh default keys)'}: it lets in only the key pair it was created with` +
      `${node.keyName ? ` (${node.keyName})` : ''}; pass that key's private file with --identity FILE.`
    );
  }
  if (
    /Connection refused|Connection closed by|Connection reset|kex_exchange_identification|timed out/.test(
      line,
    )
  ) {
    return (
      `${node.name} does not answer ssh on ${where}: check that one of its security groups opens TCP port 22 ` +
      '(openstack security group rule list), then try again.'
    );
  }
  return undefined;
}
