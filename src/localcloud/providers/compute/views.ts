// A server as Nova shows it (nova/api/openstack/compute/views/servers.py) at the request's
// microversion, built from the shared state: addresses come from the server's ports (Neutron's view
// reads the same ports) and the floating IPs associated with them.
import { createHash } from 'node:crypto';
import type { Endpoints } from '../../contracts.ts';
import { portsOfServer } from '../../model/ports.ts';
import type { CloudState, Server } from '../../state.ts';
import { bookmark, isoTime, selfAndBookmark } from './context.ts';
import { MIN_MICROVERSION, type Microversion } from './microversion.ts';

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

/**
 * The server's flavor: a link to it before 2.47; from 2.47 the flavor as it was at boot, embedded
 * (openstacksdk reads `flavor.original_name`, `vcpus`, `ram` from it).
 */
function flavorView(state: Readonly<CloudState>, server: Server, endpoints: Endpoints, embedded: boolean) {
  if (!embedded) return { id: server.flavorId, links: bookmark(endpoints, 'flavors', server.flavorId) };
  const flavor = state.flavors.find((f) => f.id === server.flavorId);
  return {
    vcpus: flavor?.vcpus ?? 0,
    ram: flavor?.ram ?? 0,
    disk: flavor?.disk ?? 0,
    ephemeral: 0,
    swap: 0,
    original_name: flavor?.name ?? server.flavorId,
    extra_specs: {},
  };
}

/** GET /servers/{id} and each entry of /servers/detail, at the request's microversion. */
export function serverDetail(
  state: Readonly<CloudState>,
  server: Server,
  endpoints: Endpoints,
  version: Microversion = MIN_MICROVERSION,
): Record<string, unknown> {
  const from = (minor: number) => version.major > 2 || version.minor >= minor;
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
    flavor: flavorView(state, server, endpoints, from(47)),
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
  // Nothing locks a server here (2.9); its description (2.19); no server has tags here (2.26).
  if (from(9)) body.locked = false;
  if (from(19)) body.description = server.description ?? null;
  if (from(26)) body.tags = [];
  return body;
}

/** Each entry of GET /servers. */
export function serverSummary(server: Server, endpoints: Endpoints): Record<string, unknown> {
  return { id: server.id, name: server.name, links: selfAndBookmark(endpoints, 'servers', server.id) };
}
