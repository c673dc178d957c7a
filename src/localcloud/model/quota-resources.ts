// The quotas the state keeps, by the names OpenStack gives them. A file of its own because both the
// quota rules (quotas.ts) and the refusals that name a resource (refusals.ts) need it, and neither
// may import the other.
import type { Quota } from '../state.ts';

/** OpenStack's names for the quotas the state keeps (as refusals name them) ↔ the state's fields. */
export const QUOTA_FIELDS = {
  instances: 'instances',
  cores: 'cores',
  ram: 'ram',
  key_pairs: 'keyPairs',
  floatingip: 'floatingIps',
  security_group: 'securityGroups',
  security_group_rule: 'securityGroupRules',
} as const satisfies Record<string, keyof Quota>;

export type QuotaResource = keyof typeof QUOTA_FIELDS;
