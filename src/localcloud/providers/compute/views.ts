// A server as Nova 2.1 shows it (nova/api/openstack/compute/views/servers.py), built from the shared
// state: addresses come from the server's ports (Neutron's view reads the same ports) and the
// floating IPs associated with them.
import { createHash } from 'node:crypto';
import type { Endpoints } from '../../contracts.ts';
import { portsOfServer } from '../../model/ports.ts';
import type { CloudState, Server } from '../../state.ts';
import { bookmark, isoTime, selfAndBookmark } from './context.ts';

/** The one "host" every node runs on; Nova's hostId is sha224(project + host). */
export const HOST = 'localcloud';

/** Nova's vm_state for a status. */
export function vmStateOf(server: Server): string {
  switch (server.status) {
    case 'BUILD':
      return 'building';
    case 'ACTIVE':
    case 'REBOOT':
      return 'active';
    case 'SHUTOFF':
      return 'stopped';
    case 'ERROR':
      return 'error';
    case 'DELETED':
      return 'deleted';
  }
}

/** The status Nova derives from vm_state and task_state (HARD_REBOOT is REBOOT with rebooting_hard). */
export function statusOf(server: Server): string {
  if (server.status === 'REBOOT' && server.taskState === 'rebooting_hard') return 'HARD_REBOOT';
  return server.status;
}

export interface AddressEntry {
  version: 4;
  addr: string;
  'OS-EXT-IPS:type': 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr': string;
}

/** `{network name: [fixed…, floating…]}`, as Nova's ips view lists them. Empty while BUILD, as Nova. */
export function addressesOf(state: Readonly<CloudState>, server: Server): Record<string, AddressEntry[]> {
  if (server.status === 'BUILD') return {};
  const addresses: Record<string, AddressEntry[]> = {};
  const ports = portsOfServer(state, server.id);
  const floating = state.floatingIps.filter((f) => f.serverId === server.id);
  for (const port of ports) {
    const label = state.networks.find((n) => n.id === port.networkId)?.name ?? port.networkId;
    const list = addresses[label] ?? [];
    list.push(entry(port.fixedIp, 'fixed', port.macAddress));
    for (const fip of floating) {
      if (fip.portId === port.id || (fip.portId === null && fip.fixedAddress === port.fixedIp)) {
        list.push(entry(fip.address, 'floating', port.macAddress));
      }
    }
    addresses[label] = list;
  }
  return addresses;
}

const entry = (addr: string, type: 'fixed' | 'floating', mac: string): AddressEntry => ({
  version: 4,
  addr,
  'OS-EXT-IPS:type': type,
  'OS-EXT-IPS-MAC:mac_addr': mac,
});

export function hostIdOf(server: Server): string {
  return createHash('sha224').update(`${server.projectId}${HOST}`).digest('hex');
}

export function securityGroupNames(state: Readonly<CloudState>, server: Server): { name: string }[] {
  const names: { name: string }[] = [];
  for (const id of server.securityGroupIds) {
    const group = state.securityGroups.find((g) => g.id === id);
    if (group) names.push({ name: group.name });
  }
  return names;
}

/** GET /servers/{id} and each entry of /servers/detail. */
export function serverDetail(
  state: Readonly<CloudState>,
  server: Server,
  endpoints: Endpoints,
): Record<string, unknown> {
  const status = statusOf(server);
  const body: Record<string, unknown> = {
    id: server.id,
    name: server.name,
    status,
    tenant_id: server.projectId,
    user_id: server.userId,
    metadata: { ...server.metadata },
    hostId: hostIdOf(server),
    image: { id: server.imageId, links: bookmark(endpoints, 'images', server.imageId) },
    flavor: { id: server.flavorId, links: bookmark(endpoints, 'flavors', server.flavorId) },
    created: isoTime(server.createdAt),
    updated: isoTime(server.updatedAt),
    addresses: addressesOf(state, server),
    accessIPv4: '',
    accessIPv6: '',
    links: selfAndBookmark(endpoints, 'servers', server.id),
    'OS-DCF:diskConfig': 'MANUAL',
  };
  // Nova shows a fault for ERROR (and DELETED); a node whose processes died is SHUTOFF with one too.
  if (server.fault && (status === 'ERROR' || status === 'DELETED' || status === 'SHUTOFF')) {
    const fault: Record<string, unknown> = {
      code: server.fault.code,
      created: isoTime(server.fault.created),
      message: server.fault.message,
    };
    if (server.fault.details && server.fault.code !== 500) fault.details = server.fault.details;
    body.fault = fault;
  }
  if (status === 'ACTIVE' || status === 'BUILD') body.progress = 0;
  body['OS-EXT-AZ:availability_zone'] = 'nova';
  body.config_drive = server.configDrive ? 'True' : '';
  body.key_name = server.keyName;
  const groups = securityGroupNames(state, server);
  if (groups.length > 0) body.security_groups = groups;
  body['OS-EXT-STS:task_state'] = server.taskState;
  body['OS-EXT-STS:vm_state'] = vmStateOf(server);
  body['OS-EXT-STS:power_state'] = server.powerState;
  body['os-extended-volumes:volumes_attached'] = [];
  return body;
}

/** Each entry of GET /servers. */
export function serverSummary(server: Server, endpoints: Endpoints): Record<string, unknown> {
  return { id: server.id, name: server.name, links: selfAndBookmark(endpoints, 'servers', server.id) };
}
