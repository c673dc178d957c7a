// Floating IPs: the one place they are allocated, associated, disassociated and released, for
// Nova's os-floating-ips proxy and its addFloatingIp/removeFloatingIp actions, and Neutron's
// /floatingips. An address comes from an external network's pool (127.S.2.x, nodes/addresses.ts);
// an association is recorded as portId (the server's port), serverId (the port's device) and
// fixedAddress (the port's fixed IP), and the forwarders follow it. Neutron's rules
// (l3_db._internal_fip_assoc_data): the port must be the project's, hold the fixed IP named, not be
// on the external network, and have no other floating IP; a floating IP may move between ports.
import { randomUUID } from 'node:crypto';
import { classify, nextFloatingAddress } from '../nodes/addresses.ts';
import type { CloudState, FloatingIp, Network } from '../state.ts';
import { findPort, onExternalNetwork } from './ports.ts';
import { quotaRefusal } from './quotas.ts';
import { done, type Outcome, refuse } from './refusals.ts';

export function projectFloatingIps(state: Readonly<CloudState>, projectId: string): FloatingIp[] {
  return state.floatingIps.filter((f) => f.projectId === projectId);
}

export function findFloatingIp(
  state: Readonly<CloudState>,
  projectId: string,
  id: string,
): FloatingIp | undefined {
  return state.floatingIps.find((f) => f.id === id && f.projectId === projectId);
}

/** The project's floating IP with this address (Neutron filters by project for a non-admin). */
export function findFloatingIpByAddress(
  state: Readonly<CloudState>,
  projectId: string,
  address: string,
): FloatingIp | undefined {
  return state.floatingIps.find((f) => f.address === address && f.projectId === projectId);
}

/**
 * A floating IP for the project from `network`'s pool: the lowest free address, or `address` if
 * asked for. Refused: over quota, not an external network, an address outside the pool or taken,
 * the pool exhausted.
 */
export function allocateFloatingIp(
  state: CloudState,
  options: { projectId: string; network: Network; now: Date; address?: string },
): Outcome<FloatingIp> {
  const { projectId, network, now, address } = options;
  const overQuota = quotaRefusal(state, projectId, { floatingip: 1 });
  if (overQuota) return refuse(overQuota);
  if (!network.external) return refuse({ kind: 'not-external', networkId: network.id });
  let chosen: string | undefined;
  if (address !== undefined) {
    if (classify(address, state.slot)?.range !== 'floating')
      return refuse({ kind: 'address-invalid', address });
    if (state.floatingIps.some((f) => f.address === address))
      return refuse({ kind: 'address-taken', address });
    chosen = address;
  } else {
    chosen = nextFloatingAddress(state);
    if (!chosen) return refuse({ kind: 'pool-exhausted', networkId: network.id });
  }
  const floatingIp: FloatingIp = {
    id: randomUUID(),
    address: chosen,
    pool: network.name as FloatingIp['pool'],
    projectId,
    portId: null,
    serverId: null,
    fixedAddress: null,
    createdAt: now.toISOString(),
  };
  state.floatingIps.push(floatingIp);
  return done(floatingIp);
}

/**
 * Associates one of the project's floating IPs with one of its ports (moving it if it was
 * associated elsewhere). Refused, in Neutron's order: unknown floating IP or port, a fixed IP the
 * port does not hold, a port on the external network, a port that has another floating IP.
 */
export function associateFloatingIp(
  state: CloudState,
  target: { projectId: string; floatingIpId: string; portId: string; fixedIp?: string },
): Outcome<FloatingIp> {
  const { projectId, floatingIpId, portId, fixedIp } = target;
  const fip = findFloatingIp(state, projectId, floatingIpId);
  if (!fip) return refuse({ kind: 'not-found', resource: 'floating_ip', id: floatingIpId });
  const port = findPort(state, fip.projectId, portId);
  if (!port) return refuse({ kind: 'not-found', resource: 'port', id: portId });
  if (fixedIp !== undefined && fixedIp !== port.fixedIp) {
    return refuse({ kind: 'fixed-ip-not-on-port', portId: port.id, fixedIp });
  }
  if (onExternalNetwork(state, port)) return refuse({ kind: 'port-on-external-network', portId: port.id });
  const other = state.floatingIps.find((f) => f.portId === port.id && f.id !== fip.id);
  if (other) {
    return refuse({ kind: 'port-has-floating-ip', portId: port.id, floatingIpId: fip.id, heldBy: other.id });
  }
  fip.portId = port.id;
  fip.serverId = port.deviceId;
  fip.fixedAddress = port.fixedIp;
  return done(fip);
}

/**
 * Lets go of the floating IP's port. With `serverId`, it must be associated with that server
 * (Nova's removeFloatingIp); without, disassociating a free one is a no-op (Neutron's PUT port_id null).
 */
export function disassociateFloatingIp(
  state: CloudState,
  target: { projectId: string; floatingIpId: string; serverId?: string },
): Outcome<FloatingIp> {
  const fip = findFloatingIp(state, target.projectId, target.floatingIpId);
  if (!fip) return refuse({ kind: 'not-found', resource: 'floating_ip', id: target.floatingIpId });
  if (target.serverId !== undefined && (fip.serverId !== target.serverId || fip.portId === null)) {
    return refuse({ kind: 'not-associated', floatingIpId: fip.id });
  }
  fip.portId = null;
  fip.serverId = null;
  fip.fixedAddress = null;
  return done(fip);
}

/** Gives the floating IP back to the pool. Refused: unknown. */
export function releaseFloatingIp(
  state: CloudState,
  target: { projectId: string; id: string },
): Outcome<void> {
  const fip = findFloatingIp(state, target.projectId, target.id);
  if (!fip) return refuse({ kind: 'not-found', resource: 'floating_ip', id: target.id });
  state.floatingIps = state.floatingIps.filter((f) => f.id !== fip.id);
  return done(undefined);
}
