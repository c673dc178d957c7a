// step-6: three workers. As soon as they are up they take tasks from the queue on app-services,
// and the backlog shrinks like a queue when new registers open at the supermarket.
import {
  type Connection,
  findNode,
  findSecurityGroup,
  INSTALLER_URL,
  type StepContext,
} from './lesson-context.ts';

export default async function step6(conn: Connection, { image, flavor }: StepContext) {
  const workerGroup = await findSecurityGroup(conn, 'worker');
  const servicesIp = (await findNode(conn, 'app-services', 'step 4')).privateIps[0];
  const api1Ip = (await findNode(conn, 'app-api-1', 'step 5')).privateIps[0];

  const userdata = `#!/usr/bin/env bash
curl -L -s ${INSTALLER_URL} | bash -s -- \\
    -i faafo -r worker -e 'http://${api1Ip}' -m 'amqp://guest:guest@${servicesIp}:5672/'
`;

  const instanceWorker1 = await conn.createNode({
    name: 'app-worker-1',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: userdata,
    exSecurityGroups: [workerGroup],
  });
  const instanceWorker2 = await conn.createNode({
    name: 'app-worker-2',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: userdata,
    exSecurityGroups: [workerGroup],
  });
  const instanceWorker3 = await conn.createNode({
    name: 'app-worker-3',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: userdata,
    exSecurityGroups: [workerGroup],
  });

  // The guide does not wait here; waiting tells you when the new capacity is really there.
  for (const [worker] of await conn.waitUntilRunning([instanceWorker1, instanceWorker2, instanceWorker3])) {
    console.log(`${worker.name} is running at ${worker.privateIps[0]}`);
  }
}
