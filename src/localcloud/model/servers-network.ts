// A server's place on the network: its ports (made with the server, removed with it), its security
// groups, and its floating IPs let go when it is deleted (Neutron disassociates a floating IP when
// its port goes). Nova's server create/delete and its addSecurityGroup/removeSecurityGroup actions
// call these; Neutron's ports and floating IPs then show the same records.
import type { CloudState, Server } from '../state.ts';
import { newServerPorts } from './ports.ts';
import { done, type Outcome, refuse } from './refusals.ts';
import { findGroup } from './security-groups.ts';

/** Gives a new server (already in state.servers or about to be) its ports. */
export function plugServer(state: CloudState, server: Server): void {
  state.ports.push(...newServerPorts(state, server));
}

/** Removes the server's ports and lets go of its floating IPs; true if one was associated. */
export function unplugServer(state: CloudState, serverId: string): boolean {
  const portIds = new Set(state.ports.filter((p) => p.deviceId === serverId).map((p) => p.id));
  let hadFloating = false;
  for (const fip of state.floatingIps) {
    if (fip.serverId === serverId || (fip.portId !== null && portIds.has(fip.portId))) {
      fip.serverId = null;
      fip.portId = null;
      fip.fixedAddress = null;
      hadFloating = true;
    }
  }
  state.ports = state.ports.filter((p) => !portIds.has(p.id));
  return hadFloating;
}

function projectServer(state: CloudState, projectId: string, serverId: string): Server | undefined {
  return state.servers.find((s) => s.id === serverId && s.projectId === projectId && s.status !== 'DELETED');
}

/** Puts the server in one of the project's groups. Refused: unknown server or group, already a member. */
export function joinSecurityGroup(
  state: CloudState,
  target: { projectId: string; serverId: string; groupId: string },
): Outcome<Server> {
  const { projectId, serverId, groupId } = target;
  const server = projectServer(state, projectId, serverId);
  if (!server) return refuse({ kind: 'not-found', resource: 'server', id: serverId });
  if (!findGroup(state, projectId, groupId))
    return refuse({ kind: 'not-found', resource: 'security_group', id: groupId });
  if (server.securityGroupIds.includes(groupId)) return refuse({ kind: 'already-member', groupId, serverId });
  server.securityGroupIds.push(groupId);
  return done(server);
}

/** Takes the server out of a group. Refused: unknown server, not a member. */
export function leaveSecurityGroup(
  state: CloudState,
  target: { projectId: string; serverId: string; groupId: string },
): Outcome<Server> {
  const { projectId, serverId, groupId } = target;
  const server = projectServer(state, projectId, serverId);
  if (!server) return refuse({ kind: 'not-found', resource: 'server', id: serverId });
  if (!server.securityGroupIds.includes(groupId)) return refuse({ kind: 'not-member', groupId, serverId });
  server.securityGroupIds = server.securityGroupIds.filter((g) => g !== groupId);
  return done(server);
}
