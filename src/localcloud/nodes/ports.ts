// The ports a cloud's services listen on. A node binds its own loopback address, but Linux refuses
// that when another program listens on the same port on every address (a RabbitMQ on *:5672,
// a dev server on *:8080): so before the first node boots, each service port is tried on an
// address of the cloud no node uses, and moved (+1000 at a time) while it is taken. The choice is
// kept in <dataDir>/nodes/ports.json, so nodes keep their ports across `cloud down`/`up` while
// those ports stay free.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DEFAULT_PORTS, type ServicePorts } from './roles.ts';

const PortsSchema = z.object({
  amqp: z.number().int().min(1).max(65535),
  api: z.number().int().min(1).max(65535),
  // Absent in the ports.json of a cloud from before the database node had a server.
  database: z.number().int().min(1).max(65535).optional(),
});

/** An address in the slot's public range that no node gets (hosts start at .3). */
export const probeAddress = (slot: number) => `127.${slot}.1.2`;

export function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `preferred`, else `fallback`, else fallback + 1000, + 2000 …: the first port free on `host`. */
export async function firstFree(host: string, preferred: number, fallback: number): Promise<number> {
  const candidates = [preferred, fallback];
  for (let k = 1; k <= 40; k++) candidates.push(fallback + 1000 * k);
  for (const port of candidates) if (port <= 65535 && (await canListen(host, port))) return port;
  throw new Error(`No free port for the cloud's services near ${fallback}; free one of them and try again.`);
}

/** Chooses (or confirms) the cloud's service ports and remembers them in `file`. */
export async function chooseServicePorts(slot: number, file: string): Promise<ServicePorts> {
  let remembered: z.infer<typeof PortsSchema> | undefined;
  try {
    remembered = PortsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    remembered = undefined;
  }
  const host = probeAddress(slot);
  const ports: ServicePorts = {
    amqp: await firstFree(host, remembered?.amqp ?? DEFAULT_PORTS.amqp, DEFAULT_PORTS.amqp),
    api: await firstFree(host, remembered?.api ?? DEFAULT_PORTS.api, DEFAULT_PORTS.api),
    database: await firstFree(host, remembered?.database ?? DEFAULT_PORTS.database, DEFAULT_PORTS.database),
  };
  if (ports.amqp === ports.api) ports.api = await firstFree(host, ports.api + 1000, ports.api + 1000);
  while (ports.database === ports.amqp || ports.database === ports.api) {
    ports.database = await firstFree(host, ports.database + 1000, ports.database + 1000);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(ports)}\n`);
  return ports;
}
