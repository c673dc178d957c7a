// step-4: before the API and the workers can scale out, they need a central database and message
// queue that every copy shares: app-services.
import { type Connection, findSecurityGroup, INSTALLER_URL, type StepContext } from './lesson-context.ts';

export default async function step4(conn: Connection, { image, flavor }: StepContext) {
  const servicesGroup = await findSecurityGroup(conn, 'services');

  const userdata = `#!/usr/bin/env bash
curl -L -s ${INSTALLER_URL} | bash -s -- \\
    -i database -i messaging
`;

  let instanceServices = await conn.createNode({
    name: 'app-services',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: userdata,
    exSecurityGroups: [servicesGroup],
  });
  instanceServices = (await conn.waitUntilRunning([instanceServices]))[0][0];
  const servicesIp = instanceServices.privateIps[0];
  console.log(`app-services is running at ${servicesIp}`);
}
