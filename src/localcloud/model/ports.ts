// Ports: a server's network interfaces, one on each of the cloud's networks (private first, the
// port a floating IP goes to), made when the server is created and removed with it. Neutron's
// /ports and Nova's addresses and os-interface read them; only servers-network.ts changes them.
import { randomBytes, randomUUID } from 'node:crypto';
import type { CloudState, Port, Server } from '../state.ts';

const NETWORK_ORDER = ['private', 'public'];

export function projectPorts(state: Readonly<CloudState>, projectId: string): Port[] {
  return state.ports.filter((p) => p.projectId === projectId);
}

export function findPort(state: Readonly<CloudState>, projectId: string, id: string): Port | undefined {
  return state.ports.find((p) => p.id === id && p.projectId === projectId);
}

/** The server's ports, private network first. */
export function portsOfServer(state: Readonly<CloudState>, serverId: string): Port[] {
  const networkName = (port: Port) => state.networks.find((n) => n.id === port.networkId)?.name ?? '';
  const rank = (port: Port) => {
    const i = NETWORK_ORDER.indexOf(networkName(port));
    return i < 0 ? NETWORK_ORDER.length : i;
  };
  return state.ports.filter((p) => p.deviceId === serverId).sort((a, b) => rank(a) - rank(b));
}

/** Whether the port is on an external network (where Neutron gives no floating IP). */
export function onExternalNetwork(state: Readonly<CloudState>, port: Port): boolean {
  return state.networks.find((n) => n.id === port.networkId)?.external ?? false;
}

/** OpenStack's MAC prefix (fa:16:3e), three random bytes, unique in the cloud. */
function newMac(taken: readonly Port[]): string {
  for (;;) {
    const mac = `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    if (!taken.some((p) => p.macAddress === mac)) return mac;
  }
}

/** New ports for a server: its fixed 10.S.0.x on `private`, its loopback 127.S.1.x on `public`. */
export function newServerPorts(state: Readonly<CloudState>, server: Server): Port[] {
  const ports: Port[] = [];
  for (const name of NETWORK_ORDER) {
    const network = state.networks.find((n) => n.name === name);
    if (!network) continue;
    ports.push({
      id: randomUUID(),
      networkId: network.id,
      deviceId: server.id,
      macAddress: newMac([...state.ports, ...ports]),
      fixedIp: name === 'private' ? server.fixedIp : server.loopbackIp,
      projectId: server.projectId,
    });
  }
  return ports;
}
