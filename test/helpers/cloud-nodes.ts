// A local cloud started in-process with nodes placed straight into its store (no Nova call), for
// e2e tests about what the nodes run: its own address slot, any free ports, and the servers the
// guide's userdata describes, booted and checked ACTIVE.
import { randomUUID } from 'node:crypto';
import { claimFreeSlot } from '../../src/localcloud/control/slots.ts';
import { nextFixedAddresses } from '../../src/localcloud/nodes/addresses.ts';
import type { BackendUrls } from '../../src/localcloud/nodes/backends.ts';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import { type LocalCloud, startLocalCloud } from '../../src/localcloud/server.ts';
import type { Server } from '../../src/localcloud/state.ts';

const INSTALL = 'http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh';
/** The guide's userdata: install.sh with these arguments. */
export const guide = (args: string) =>
  `#!/usr/bin/env bash\ncurl -L -s ${INSTALL} | bash -s -- \\\n${args}\n`;

/** A cloud on a slot of its own in the host's registry; `release` gives the slot back. */
export async function startSlottedCloud(
  dataDir: string,
  backends?: BackendUrls,
): Promise<{ cloud: LocalCloud; release: () => void }> {
  const { slot, release } = claimFreeSlot(dataDir);
  try {
    const cloud = await startLocalCloud({
      dataDir,
      slot,
      ports: { identity: 0, compute: 0, network: 0, image: 0 },
      ...(backends ? { backends } : {}),
    });
    return { cloud, release };
  } catch (error) {
    release();
    throw error;
  }
}

/** Adds a BUILD server with this userdata to the cloud's state, as Nova's create would. */
export function addServer(
  cloud: LocalCloud,
  name: string,
  userData: string,
  id: string = randomUUID(),
): Server {
  return cloud.store.update((state) => {
    const addresses = nextFixedAddresses(state);
    if (!addresses) throw new Error('no address left');
    const now = new Date().toISOString();
    const server: Server = {
      id,
      name,
      projectId: state.projects[0]!.id,
      userId: state.users[0]!.id,
      imageId: state.images[0]!.id,
      flavorId: '1',
      keyName: null,
      securityGroupIds: [],
      metadata: {},
      userData: Buffer.from(userData).toString('base64'),
      status: 'BUILD',
      taskState: 'spawning',
      powerState: 0,
      fault: null,
      ...addresses,
      createdAt: now,
      updatedAt: now,
    };
    state.servers.push(server);
    return structuredClone(server);
  });
}

/** Boots the server, records its pids in `pids`, and throws with its console unless it is ACTIVE. */
export async function bootNode(cloud: LocalCloud, server: Server, pids: Set<number>): Promise<void> {
  const runtime = cloud.runtime as LocalNodeRuntime;
  runtime.boot(server);
  await runtime.settled(server.id);
  for (const pid of runtime.pids(server.id)) pids.add(pid);
  const status = cloud.store.read().servers.find((s) => s.id === server.id);
  if (status?.status !== 'ACTIVE')
    throw new Error(`${server.name} is ${status?.status}: ${runtime.consoleOutput(server.id)}`);
}
