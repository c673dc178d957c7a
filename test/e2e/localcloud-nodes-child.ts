// A cloud process that dies abruptly: boots one services node in the data dir given, prints the
// node's pids as JSON, then waits to be killed with SIGKILL (so it cannot stop its nodes).
import { createNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import type { Server } from '../../src/localcloud/state.ts';
import { createMemoryStore, seedState } from '../../src/localcloud/store.ts';

const [dataDir, slot] = process.argv.slice(2);
const store = createMemoryStore(seedState({ slot: Number(slot) }));
const now = new Date().toISOString();
const server: Server = {
  id: 'abandoned',
  name: 'app-services',
  projectId: 'p',
  userId: 'u',
  imageId: 'i',
  flavorId: '1',
  keyName: null,
  securityGroupIds: [],
  metadata: {},
  userData: Buffer.from('#!/bin/bash\ninstall.sh -i messaging\n').toString('base64'),
  status: 'BUILD',
  taskState: 'spawning',
  powerState: 0,
  fault: null,
  fixedIp: `10.${slot}.0.3`,
  loopbackIp: `127.${slot}.1.3`,
  createdAt: now,
  updatedAt: now,
};
store.update((state) => {
  state.servers.push(server);
});
const runtime = createNodeRuntime({ store, dataDir: dataDir! });
runtime.boot(server);
await runtime.settled(server.id);
process.stdout.write(
  `${JSON.stringify({ status: store.read().servers[0]!.status, pids: runtime.pids(server.id) })}\n`,
);
setInterval(() => {}, 1000);
