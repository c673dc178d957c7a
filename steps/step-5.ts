// step-5: two API servers, both using app-services, each with a floating IP so clients can reach
// it. (Sharing requests between them needs a load balancer: the guide's Networking section.)
import {
  type Connection,
  findNode,
  findSecurityGroup,
  INSTALLER_URL,
  type StepContext,
} from './lesson-context.ts';
import { getFloatingIp } from './step-3.ts';

export default async function step5(conn: Connection, { image, flavor }: StepContext) {
  const apiGroup = await findSecurityGroup(conn, 'api');
  const servicesIp = (await findNode(conn, 'app-services', 'step 4')).privateIps[0];

  const userdata = `#!/usr/bin/env bash
curl -L -s ${INSTALLER_URL} | bash -s -- \\
    -i faafo -r api -m 'amqp://guest:guest@${servicesIp}:5672/' \\
    -d 'mysql://faafo:password@${servicesIp}:3306/faafo'
`;

  let instanceApi1 = await conn.createNode({
    name: 'app-api-1',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: userdata,
    exSecurityGroups: [apiGroup],
  });
  let instanceApi2 = await conn.createNode({
    name: 'app-api-2',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: userdata,
    exSecurityGroups: [apiGroup],
  });

  instanceApi1 = (await conn.waitUntilRunning([instanceApi1]))[0][0];
  const api1Ip = instanceApi1.privateIps[0];
  instanceApi2 = (await conn.waitUntilRunning([instanceApi2]))[0][0];
  const api2Ip = instanceApi2.privateIps[0];
  console.log(`app-api-1 is running at ${api1Ip}, app-api-2 at ${api2Ip}`);

  for (const instance of [instanceApi1, instanceApi2]) {
    // Run again, this step keeps the floating IP an API server already has.
    let address = instance.floatingIps[0];
    if (address) {
      console.log(`${instance.name} already has the floating IP ${address}`);
    } else {
      const floatingIp = await getFloatingIp(conn);
      await conn.exAttachFloatingIpToNode(instance, floatingIp);
      console.log(`allocated ${floatingIp.ipAddress} to ${instance.name}`);
      address = floatingIp.ipAddress;
    }
    // The guide's http://IP_API_1/, whole: the local cloud serves port 80 elsewhere when it cannot bind it.
    console.log(`${instance.name} serves the app at ${conn.serviceUrl(instance, address, 80)}/`);
  }
}
