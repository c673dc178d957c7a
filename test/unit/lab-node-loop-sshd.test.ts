// The guide's loop logs in to each API node; on a real cloud a server is ACTIVE before its sshd
// answers. nodeLoop waits for the node's ssh port (bounded), then logs in; a port that never
// answers is one sentence naming the node, address and port, not ssh's "Connection refused".
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Node } from '../../src/cloud/models.ts';
import { nodeLoop } from '../../src/lab/node-loop.ts';
import { PORT_MAP_METADATA_KEY } from '../../src/shared/port-map.ts';
import { UserError } from '../../src/shared/user-error.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A free loopback port, closed again: nothing answers there until a test listens on it. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const apiNode = (port: number): Node => ({
  id: 'n1',
  name: 'app-api-2',
  state: 'running',
  status: 'ACTIVE',
  privateIps: ['127.0.0.1'],
  publicIps: [],
  floatingIps: [],
  securityGroups: ['api'],
  metadata: { [PORT_MAP_METADATA_KEY]: `22=${port}` },
});

describe('nodeLoop waits for the node’s sshd', () => {
  it('names the node, address and port when its ssh port never answers', async () => {
    const port = await freePort();
    const started = Date.now();
    const failure = await nodeLoop({
      nodes: [apiNode(port)],
      keyFile: '/nonexistent',
      requests: 1,
      sshWaitMs: 1500,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toBe(
      `app-api-2 does not answer ssh on 127.0.0.1 port ${port} (waited 2 s); check that \`faafo-tutor ssh app-api-2 -- uptime\` works.`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('logs in once the port answers, even when it opens after the loop began', async () => {
    const port = await freePort();
    // Not an sshd: what answers closes at once, so ssh itself fails — after the wait, not before.
    setTimeout(() => {
      const late = createServer((socket) => socket.destroy());
      servers.push(late);
      late.listen(port, '127.0.0.1');
    }, 1200);
    const failure = await nodeLoop({
      nodes: [apiNode(port)],
      keyFile: '/nonexistent',
      requests: 1,
      sshWaitMs: 10_000,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toMatch(/^The loop did not run on app-api-2 \(ssh exited 255/);
    // Without the wait ssh would have found the port closed.
    expect((failure as Error).message).not.toMatch(/Connection refused/);
  });
});
