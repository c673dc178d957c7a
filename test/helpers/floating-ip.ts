// A floating IP of project "p" as the local cloud's state holds it, for tests that build a state by
// hand: held by `serverId`, or allocated and not associated (null).
import type { FloatingIp } from '../../src/localcloud/state.ts';

export function floatingIpFixture(address: string, serverId: string | null): FloatingIp {
  return {
    id: `fip-${address}`,
    address,
    pool: 'public',
    projectId: 'p',
    portId: null,
    serverId,
    fixedAddress: null,
    createdAt: new Date(0).toISOString(),
  };
}
