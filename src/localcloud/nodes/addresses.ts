// Address allocation for one local cloud. Pure functions over the state, so Nova (servers) and
// Neutron (ports, floating IPs) allocate from the same rules.
//
// A cloud owns one "slot" of the host's address space, so two clouds on one host never collide:
//   private (fixed)  10.<slot>.0.x   labels only: nothing of ours ever sends a packet there
//   public           127.<slot>.1.x  the node's real loopback address, where its processes listen
//   floating         127.<slot>.2.x  forwarded to a node by forwarder.ts
// x runs from 3 (as in devstack: .1 is the router, .2 the DHCP port) to 254. A node's fixed and
// public addresses share x, so 10.S.0.x ⇄ 127.S.1.x can be read at a glance. Debian's /etc/hosts
// maps the hostname to 127.0.1.1, which x ≥ 3 keeps clear of.
import type { CloudState } from '../state.ts';

export const MIN_SLOT = 0;
export const MAX_SLOT = 254;
export const FIRST_HOST = 3;
export const LAST_HOST = 254;

export const privateCidr = (slot: number) => `10.${slot}.0.0/24`;
export const privateGateway = (slot: number) => `10.${slot}.0.1`;
export const publicCidr = (slot: number) => `127.${slot}.1.0/24`;
export const publicGateway = (slot: number) => `127.${slot}.1.1`;
export const floatingCidr = (slot: number) => `127.${slot}.2.0/24`;
/** Where URLs naming an address outside the cloud are sent: a loopback address nothing listens on. */
export const unreachableAddress = (slot: number) => `127.${slot}.3.1`;

const fixedOf = (slot: number, x: number) => `10.${slot}.0.${x}`;
const loopbackOf = (slot: number, x: number) => `127.${slot}.1.${x}`;
const floatingOf = (slot: number, x: number) => `127.${slot}.2.${x}`;

/** The slot's range an address falls in, with its host number; undefined if it is none of them. */
export function classify(
  address: string,
  slot: number,
): { range: 'fixed' | 'loopback' | 'floating'; host: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return undefined;
  const [a, b, c, d] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (b !== slot || d < FIRST_HOST || d > LAST_HOST) return undefined;
  if (a === 10 && c === 0) return { range: 'fixed', host: d };
  if (a === 127 && c === 1) return { range: 'loopback', host: d };
  if (a === 127 && c === 2) return { range: 'floating', host: d };
  return undefined;
}

/** The lowest slot not in use, or undefined when all are taken. */
export function freeSlot(usedSlots: Iterable<number>): number | undefined {
  const used = new Set(usedSlots);
  for (let slot = MIN_SLOT; slot <= MAX_SLOT; slot++) if (!used.has(slot)) return slot;
  return undefined;
}

/**
 * The next node's fixed (10.S.0.x) and loopback (127.S.1.x) addresses: the lowest x that no server
 * and no port holds. Undefined when the /24 is full (Nova: "No valid host", Neutron: IpAddressGenerationFailure).
 */
export function nextFixedAddresses(
  state: Readonly<CloudState>,
): { fixedIp: string; loopbackIp: string } | undefined {
  const taken = new Set<number>();
  for (const server of state.servers) {
    for (const address of [server.fixedIp, server.loopbackIp]) {
      const c = classify(address, state.slot);
      if (c) taken.add(c.host);
    }
  }
  for (const port of state.ports) {
    const c = classify(port.fixedIp, state.slot);
    if (c && c.range !== 'floating') taken.add(c.host);
  }
  for (let x = FIRST_HOST; x <= LAST_HOST; x++) {
    if (!taken.has(x)) return { fixedIp: fixedOf(state.slot, x), loopbackIp: loopbackOf(state.slot, x) };
  }
  return undefined;
}

/** The lowest free floating address (127.S.2.x), or undefined when the pool is exhausted. */
export function nextFloatingAddress(state: Readonly<CloudState>): string | undefined {
  const taken = new Set<number>();
  for (const fip of state.floatingIps) {
    const c = classify(fip.address, state.slot);
    if (c?.range === 'floating') taken.add(c.host);
  }
  for (let x = FIRST_HOST; x <= LAST_HOST; x++) if (!taken.has(x)) return floatingOf(state.slot, x);
  return undefined;
}

/**
 * A node's 10.x label (or its floating address) → the loopback address its processes listen on.
 * A 10.S.0.x that no server holds maps by arithmetic to its 127.S.1.x twin, where nothing listens,
 * so a URL naming it is refused as a missing VM's would be. Undefined outside this cloud's ranges.
 */
export function loopbackFor(address: string, state: Readonly<CloudState>): string | undefined {
  const server = state.servers.find((s) => s.fixedIp === address || s.loopbackIp === address);
  if (server) return server.loopbackIp;
  const fip = state.floatingIps.find((f) => f.address === address);
  if (fip) {
    const owner = fip.serverId ? state.servers.find((s) => s.id === fip.serverId) : undefined;
    return owner?.loopbackIp ?? unreachableAddress(state.slot);
  }
  const c = classify(address, state.slot);
  if (!c) return undefined;
  if (c.range === 'floating') return unreachableAddress(state.slot);
  return loopbackOf(state.slot, c.host);
}
