// prelude: what the guide's previous section (Introduction to the Fractals application
// architecture) left running — app-controller with the API, its database and the messaging, and
// app-worker-1 — so step 1 has something to remove and the overload demos something to overload.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { dataDir } from '../src/faafo/config.ts';
import { type Connection, INSTALLER_URL, type StepContext } from './lesson-context.ts';
import { getFloatingIp } from './step-3.ts';

export default async function prelude(conn: Connection, { image, flavor }: StepContext) {
  // The key pair the guide imported from ~/.ssh/id_rsa.pub; without such a file the cloud makes one.
  if (!(await conn.listKeyPairs()).some((k) => k.name === 'demokey')) {
    const keyFile = [join(homedir(), '.ssh', 'id_rsa.pub'), join(homedir(), '.ssh', 'id_ed25519.pub')].find(
      existsSync,
    );
    const key = await conn.importKeyPair(
      'demokey',
      keyFile ? readFileSync(keyFile, 'utf8').trim() : undefined,
    );
    console.log(`imported key pair demokey${keyFile ? ` from ${keyFile}` : ' (made by the cloud)'}`);
    if (key.privateKey) {
      const privateKeyFile = join(dataDir(), 'demokey.pem');
      mkdirSync(dirname(privateKeyFile), { recursive: true });
      writeFileSync(privateKeyFile, key.privateKey, { mode: 0o600 });
      // Only the file, no `ssh -i …` line: the local cloud's nodes run no sshd (yet), so it would not work.
      console.log(`its private key is in ${privateKeyFile}`);
    }
  }

  const workerGroup = await conn.exCreateSecurityGroup('worker', 'for services that run on a worker node');
  await conn.exCreateSecurityGroupRule(workerGroup, 'TCP', 22, 22);

  const controllerGroup = await conn.exCreateSecurityGroup(
    'control',
    'for services that run on a control node',
  );
  await conn.exCreateSecurityGroupRule(controllerGroup, 'TCP', 22, 22);
  await conn.exCreateSecurityGroupRule(controllerGroup, 'TCP', 80, 80);
  await conn.exCreateSecurityGroupRule(controllerGroup, 'TCP', 5672, 5672, {
    sourceSecurityGroup: workerGroup,
  });

  const userdata = `#!/usr/bin/env bash
curl -L -s ${INSTALLER_URL} | bash -s -- \\
    -i messaging -i faafo -r api
`;
  let instanceController1 = await conn.createNode({
    name: 'app-controller',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: userdata,
    exSecurityGroups: [controllerGroup],
  });
  instanceController1 = (await conn.waitUntilRunning([instanceController1]))[0][0];
  const ipController = instanceController1.privateIps[0];

  const workerUserdata = `#!/usr/bin/env bash
curl -L -s ${INSTALLER_URL} | bash -s -- \\
    -i faafo -r worker -e 'http://${ipController}' -m 'amqp://guest:guest@${ipController}:5672/'
`;
  let instanceWorker1 = await conn.createNode({
    name: 'app-worker-1',
    image,
    size: flavor,
    exKeyname: 'demokey',
    exUserdata: workerUserdata,
    exSecurityGroups: [workerGroup],
  });
  instanceWorker1 = (await conn.waitUntilRunning([instanceWorker1]))[0][0];

  // A floating IP makes the controller's API reachable from this machine.
  let controllerAddress = instanceController1.floatingIps[0];
  if (!controllerAddress) {
    const floatingIp = await getFloatingIp(conn);
    await conn.exAttachFloatingIpToNode(instanceController1, floatingIp);
    console.log(`allocated ${floatingIp.ipAddress} to ${instanceController1.name}`);
    controllerAddress = floatingIp.ipAddress;
  } else {
    console.log(`${instanceController1.name} already has the floating IP ${controllerAddress}`);
  }
  console.log(`app-controller ${ipController}, app-worker-1 ${instanceWorker1.privateIps[0]}`);
  // The whole URL, port included: the local cloud serves port 80 elsewhere when it cannot bind it.
  console.log(`the app: ${conn.serviceUrl(instanceController1, controllerAddress, 80)}/`);
}
