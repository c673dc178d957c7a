// `faafo` at the prompt: the Fractals app reached the way a learner reaches it from their laptop,
// through a server's floating IP (`await faafo.list('app-api-1')`), with the app's own REST client
// (src/faafo/cli/client.ts). The URL takes the port the local cloud moved (80 → 8080) into account,
// as the steps do (conn.serviceUrl).
import type { Connection } from '../cloud/driver.ts';
import { FaafoClient } from '../faafo/cli/client.ts';
import { DEFAULT_RANGES, randomTask, type TaskRanges } from '../faafo/cli/random-task.ts';
import type { Fractal } from '../faafo/model.ts';
import { UserError } from '../shared/user-error.ts';
import { nodeNamed } from './node-named.ts';

/** Small fractals, so asking for a few does not keep the workers busy for minutes. */
const SMALL: TaskRanges = {
  ...DEFAULT_RANGES,
  width: { min: 256, max: 512 },
  height: { min: 256, max: 512 },
  iterations: { min: 128, max: 256 },
};

export interface FaafoAtPrompt {
  /** The app's address on that server, e.g. http://203.0.113.5:8080 */
  url(node: string): Promise<string>;
  list(node: string): Promise<Fractal[]>;
  show(node: string, uuid: string): Promise<Fractal>;
  /** Asks for `count` small random fractals (default 1); resolves with them as the API accepted them. */
  create(node: string, count?: number): Promise<Fractal[]>;
  delete(node: string, uuid: string): Promise<boolean>;
}

export function faafoAtPrompt(conn: Connection): FaafoAtPrompt {
  const url = async (name: string) => {
    const node = await nodeNamed(conn, name);
    const address = node.floatingIps[0];
    if (!address) {
      throw new UserError(
        `${name} has no floating IP, so the app on it cannot be reached from here; use a server that has one (app-controller after the prelude, app-api-1 after step 5).`,
      );
    }
    return conn.serviceUrl(node, address, 80);
  };
  const client = async (name: string) => new FaafoClient(await url(name));
  return {
    url,
    list: async (name) => (await client(name)).listAll(),
    show: async (name, uuid) => {
      const found = await (await client(name)).get(uuid);
      if (!found) throw new UserError(`There is no fractal ${uuid} in the app on ${name}.`);
      return found;
    },
    create: async (name, count = 1) => {
      if (!Number.isInteger(count) || count < 1 || count > 100)
        throw new UserError(`faafo.create asks for 1 to 100 fractals at a time; ${count} is outside that.`);
      const api = await client(name);
      const made: Fractal[] = [];
      for (let i = 0; i < count; i++) made.push(await api.create(randomTask(SMALL)));
      return made;
    },
    delete: async (name, uuid) => (await client(name)).delete(uuid),
  };
}
