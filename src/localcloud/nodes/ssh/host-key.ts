// A node's SSH host key: one ed25519 key per node, made on its first boot and kept in its dir
// (0600) like /etc/ssh/ssh_host_ed25519_key, so the node shows the same host key after a reboot.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { writeFileAtomicSync } from '../../../shared/atomic-write.ts';

export const hostKeyFile = (nodeDir: string) => join(nodeDir, 'ssh_host_ed25519_key');

/** The node's host private key (OpenSSH format), made now if it has none. */
export function loadOrMakeHostKey(nodeDir: string): string {
  const file = hostKeyFile(nodeDir);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const made = ssh2.utils.generateKeyPairSync('ed25519');
  writeFileAtomicSync(file, made.private, 0o600);
  return made.private;
}
