// step-7: try it. Create fractals through app-api-1 (`faafo create`), watch them with `faafo list`,
// look at one with `faafo show`: generated_by names the worker that drew it. Every API server
// serves every fractal. Then kill a worker and an API server, and see the app go on.
import { createHash } from 'node:crypto';
import { countBy, createFractals, faafo } from './faafo-cli.ts';
import { type Connection, findNode } from './lesson-context.ts';

export default async function step7(conn: Connection) {
  const instanceApi1 = await findNode(conn, 'app-api-1', 'step 5');
  const instanceApi2 = await findNode(conn, 'app-api-2', 'step 5');
  const instanceWorker1 = await findNode(conn, 'app-worker-1', 'step 6');
  for (const api of [instanceApi1, instanceApi2]) {
    if (api.floatingIps.length === 0) throw new Error(`${api.name} has no floating IP: run step 5 again.`);
  }
  const api1 = conn.serviceUrl(instanceApi1, instanceApi1.floatingIps[0]!, 80);
  const api2 = conn.serviceUrl(instanceApi2, instanceApi2.floatingIps[0]!, 80);

  // Create a few fractals, list them, and look at one.
  const fractals = await createFractals(api1, 6);
  await faafo(api1, 'list');
  await faafo(api1, 'show', fractals[0]!.uuid);
  console.log(`generated_by: ${countBy(fractals)}`);

  // The fractals are available from any of the app-api hosts.
  const image = async (url: string) => {
    const response = await fetch(`${url}/fractal/${fractals[0]!.uuid}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    return `${response.status} ${bytes.length} bytes sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}…`;
  };
  console.log(`GET ${api1}/fractal/${fractals[0]!.uuid} → ${await image(api1)}`);
  console.log(`GET ${api2}/fractal/${fractals[0]!.uuid} → ${await image(api2)}`);

  // Fault tolerance: kill a worker and an API server. The workers report to app-api-1 (step 6's
  // -e), so app-api-2 is the API server the app can lose; clients then use app-api-1.
  console.log('Stopping app-worker-1 and app-api-2 …');
  await conn.exStopNode(instanceWorker1);
  await conn.exStopNode(instanceApi2);
  for (const killed of [instanceWorker1, instanceApi2]) {
    while ((await conn.getNode(killed.id)).status !== 'SHUTOFF') await new Promise((r) => setTimeout(r, 500));
    console.log(`${killed.name} is SHUTOFF`);
  }
  const afterKill = await createFractals(api1, 4);
  console.log(`generated_by with app-worker-1 and app-api-2 gone: ${countBy(afterKill)}`);

  // Bring them back, so the next steps find the whole topology.
  await conn.exStartNode(instanceWorker1);
  await conn.exStartNode(instanceApi2);
  await conn.waitUntilRunning([instanceWorker1, instanceApi2]);
  console.log('app-worker-1 and app-api-2 are running again.');
}
