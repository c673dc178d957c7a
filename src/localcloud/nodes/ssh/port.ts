// The port the nodes' sshd listen on: 22 as in the guide when it can be bound on the cloud's
// addresses (as root, with no host sshd on *:22), else 2222 (then 3222, …), tried like the other
// service ports (../ports.ts) and remembered in <dataDir>/nodes/ssh-port.json across `cloud up`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { firstFree, probeAddress } from '../ports.ts';
import { SSH_GUIDE_PORT } from './server.ts';

/** Where sshd goes when port 22 cannot be bound (any user but root, or a host sshd on *:22). */
export const SSH_FALLBACK_PORT = 2222;

const RememberedSchema = z.object({ ssh: z.number().int().min(1).max(65535) });

export async function chooseSshPort(slot: number, file: string): Promise<number> {
  let remembered: number | undefined;
  try {
    remembered = RememberedSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).ssh;
  } catch {
    remembered = undefined;
  }
  const port = await firstFree(probeAddress(slot), remembered ?? SSH_GUIDE_PORT, SSH_FALLBACK_PORT);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ssh: port })}\n`);
  return port;
}
