// The runtime's one call into ssh/: start a booting node's sshd with the key its server was
// created with. An sshd that cannot start does not fail the node (a VM whose sshd fails still
// runs its services); the node's console says why, and the node has no ssh port.
import type { CloudState, Server } from '../../state.ts';
import { authorizedKeyOf } from './authorized-key.ts';
import { type NodeSsh, startNodeSsh } from './server.ts';

export type { NodeSsh };

export async function startSshFor(options: {
  server: Server;
  state: Readonly<CloudState>;
  dir: string;
  port: number;
  say: (line: string) => void;
  onSession?: (pid: number) => void;
}): Promise<NodeSsh | undefined> {
  const { server, say } = options;
  const key = authorizedKeyOf(options.state, server);
  if (key instanceof Error) say(`sshd: ${key.message}`);
  else if (!key) say('sshd: the server has no key pair, so nobody can log in');
  try {
    const ssh = await startNodeSsh({
      node: { name: server.name, dir: options.dir },
      host: server.loopbackIp,
      port: options.port,
      authorizedKey: key instanceof Error ? undefined : key,
      say,
      ...(options.onSession ? { onSession: options.onSession } : {}),
    });
    say(
      `sshd listening on ${server.loopbackIp}:${options.port}` +
        `${options.port === 22 ? '' : ' (port 22 in the guide)'}${key && !(key instanceof Error) ? `, key pair ${server.keyName}` : ''}`,
    );
    return ssh;
  } catch (error) {
    say(
      `sshd could not start, so the node has no ssh: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}
