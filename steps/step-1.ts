// step-1: delete the instances and security groups of the previous section. When components in
// the cloud aren't doing what you want them to do, remove them and create something new.
import type { Connection, Node } from './lesson-context.ts';

export default async function step1(conn: Connection) {
  const destroyed: Node[] = [];
  for (const instance of await conn.listNodes()) {
    // The guide's list, plus the servers this section makes, so the lesson can start again here.
    if (
      ['all-in-one', 'app-worker-1', 'app-worker-2', 'app-controller'].includes(instance.name) ||
      ['app-services', 'app-api-1', 'app-api-2', 'app-worker-3'].includes(instance.name)
    ) {
      console.log(`Destroying Instance: ${instance.name}`);
      await conn.destroyNode(instance);
      destroyed.push(instance);
    }
  }
  // Nova deletes asynchronously, and a group stays "in use" until its servers are gone.
  await conn.waitUntilGone(destroyed);

  let deleted = 0;
  for (const group of await conn.exListSecurityGroups()) {
    if (['control', 'worker', 'api', 'services'].includes(group.name)) {
      console.log(`Deleting security group: ${group.name}`);
      await conn.exDeleteSecurityGroup(group);
      deleted++;
    }
  }
  if (destroyed.length === 0 && deleted === 0) console.log('Found nothing of an earlier run to delete.');
}
