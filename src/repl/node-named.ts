// A server of the lesson by the name a learner types at the prompt (`'app-worker-1'`), for the lab's
// meters and the app's helpers. An unknown name is a mistake said in one line with the names there
// are; a server still booting is waited for, as the steps wait (Nova shows no address before it is up).
import type { Connection } from '../cloud/driver.ts';
import { isBooting, type Node } from '../cloud/models.ts';
import { UserError } from '../shared/user-error.ts';

export async function nodeNamed(conn: Connection, name: string): Promise<Node> {
  if (typeof name !== 'string' || name === '') {
    throw new UserError("Name a server, e.g. 'app-worker-1' (`await conn.listNodes()` lists them).");
  }
  const nodes = await conn.listNodes();
  const node = nodes.find((n) => n.name === name);
  if (!node) {
    const names = nodes.map((n) => n.name).sort();
    throw new UserError(
      `There is no server '${name}' in ${conn.label}; ${names.length > 0 ? `its servers are: ${names.join(', ')}` : 'it has no servers yet (`await steps.prelude()` makes the first ones)'}.`,
    );
  }
  if (isBooting(node)) return (await conn.waitUntilRunning([node]))[0][0];
  return node;
}
