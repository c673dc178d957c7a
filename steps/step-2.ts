// step-2: as the topology changes, so do the security groups. One group per kind of node: who may
// reach it, on which port — and for the database and the queue, only from the nodes that use them.
import type { Connection } from './lesson-context.ts';

export default async function step2(conn: Connection) {
  const apiGroup = await conn.exCreateSecurityGroup('api', 'for API services only');
  await conn.exCreateSecurityGroupRule(apiGroup, 'TCP', 80, 80);
  await conn.exCreateSecurityGroupRule(apiGroup, 'TCP', 22, 22);

  const workerGroup = await conn.exCreateSecurityGroup('worker', 'for services that run on a worker note');
  await conn.exCreateSecurityGroupRule(workerGroup, 'TCP', 22, 22);

  const controllerGroup = await conn.exCreateSecurityGroup(
    'control',
    'for services that run on a control note',
  );
  await conn.exCreateSecurityGroupRule(controllerGroup, 'TCP', 22, 22);
  await conn.exCreateSecurityGroupRule(controllerGroup, 'TCP', 80, 80);
  await conn.exCreateSecurityGroupRule(controllerGroup, 'TCP', 5672, 5672, {
    sourceSecurityGroup: workerGroup,
  });

  const servicesGroup = await conn.exCreateSecurityGroup('services', 'for DB and AMQP services only');
  await conn.exCreateSecurityGroupRule(servicesGroup, 'TCP', 22, 22);
  await conn.exCreateSecurityGroupRule(servicesGroup, 'TCP', 3306, 3306, { sourceSecurityGroup: apiGroup });
  await conn.exCreateSecurityGroupRule(servicesGroup, 'TCP', 5672, 5672, {
    sourceSecurityGroup: workerGroup,
  });
  await conn.exCreateSecurityGroupRule(servicesGroup, 'TCP', 5672, 5672, { sourceSecurityGroup: apiGroup });

  for (const group of [apiGroup, workerGroup, controllerGroup, servicesGroup]) {
    console.log(`security group ${group.name}: ${group.description}`);
  }
}
