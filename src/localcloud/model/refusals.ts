// What the model answers when OpenStack's rules refuse a change. The model is shared by Nova's
// proxies and Neutron's routes, which word the same refusal differently (Neutron's 409
// SecurityGroupInUse is Nova's 400 "Security Group … in use."), so a model function never builds an
// HTTP error: it returns an Outcome, and each provider maps a Refusal to its own words and status.
// A model function refuses before it changes anything, so a refused call leaves the draft as it was.
import type { QuotaResource } from './quota-resources.ts';

/** The records a refusal can be about. */
export type ModelResource =
  | 'security_group'
  | 'security_group_rule'
  | 'floating_ip'
  | 'port'
  | 'server'
  | 'network';

export type Refusal =
  /** No such record in the caller's project. */
  | { kind: 'not-found'; resource: ModelResource; id: string }
  /** The change would take these resources past the project's quota (sorted by name). */
  | { kind: 'quota'; resources: QuotaResource[] }
  /** A quota limit below what the project already uses. */
  | { kind: 'below-usage'; resource: QuotaResource; limit: number; used: number }
  /** A server uses the group. */
  | { kind: 'in-use'; resource: 'security_group'; id: string }
  /** The group already has this rule. */
  | { kind: 'duplicate'; resource: 'security_group_rule'; existingId: string }
  /** `default` is Neutron's: no second one, no renaming or deleting it. */
  | { kind: 'default-group'; change: 'take-name' | 'rename' | 'delete' }
  /** The port already has another floating IP (`heldBy`) than the one to associate. */
  | { kind: 'port-has-floating-ip'; portId: string; floatingIpId: string; heldBy: string }
  /** A port on the external network cannot take a floating IP. */
  | { kind: 'port-on-external-network'; portId: string }
  /** The port does not hold the fixed IP that was named. */
  | { kind: 'fixed-ip-not-on-port'; portId: string; fixedIp: string }
  /** The floating IP is not associated (with that server). */
  | { kind: 'not-associated'; floatingIpId: string }
  /** Floating IPs come from an external network only. */
  | { kind: 'not-external'; networkId: string }
  /** The asked floating address is outside the pool, or somebody holds it. */
  | { kind: 'address-invalid'; address: string }
  | { kind: 'address-taken'; address: string }
  /** No floating address left in the pool. */
  | { kind: 'pool-exhausted'; networkId: string }
  /** The server is already (or not) a member of the group. */
  | { kind: 'already-member'; groupId: string; serverId: string }
  | { kind: 'not-member'; groupId: string; serverId: string };

export type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export const done = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const refuse = (refusal: Refusal): { ok: false; refusal: Refusal } => ({ ok: false, refusal });

/** The outcome's value, or the provider's error for its refusal (thrown, so store.update() drops the draft). */
export function valueOr<T>(outcome: Outcome<T>, toError: (refusal: Refusal) => Error): T {
  if (outcome.ok) return outcome.value;
  throw toError(outcome.refusal);
}
