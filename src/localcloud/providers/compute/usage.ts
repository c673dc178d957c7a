// Quota limits and what a project uses, counted from the shared state (so Nova's limits and
// os-quota-sets, and the checks on create, agree with what Neutron's view shows).
import type { CloudState, Quota } from '../../state.ts';
import { DEFAULT_QUOTA } from '../../store.ts';

/** Nova quotas with no counterpart in the state: fixed, as Nova's defaults. */
export const FIXED_LIMITS = {
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  server_groups: 10,
  server_group_members: 10,
  fixed_ips: -1,
} as const;

/** The project's quota; the seed's defaults for a project without a record. */
export function quotaOf(state: Readonly<CloudState>, projectId: string): Quota {
  return { ...DEFAULT_QUOTA, ...state.quotas[projectId] };
}

export interface Usage {
  instances: number;
  cores: number;
  ram: number;
  floatingIps: number;
  securityGroups: number;
  securityGroupRules: number;
  keyPairs: number;
}

export function usageOf(state: Readonly<CloudState>, projectId: string, userId: string): Usage {
  let instances = 0;
  let cores = 0;
  let ram = 0;
  for (const server of state.servers) {
    if (server.projectId !== projectId || server.status === 'DELETED') continue;
    const flavor = state.flavors.find((f) => f.id === server.flavorId);
    instances += 1;
    cores += flavor?.vcpus ?? 0;
    ram += flavor?.ram ?? 0;
  }
  const groups = new Set(state.securityGroups.filter((g) => g.projectId === projectId).map((g) => g.id));
  return {
    instances,
    cores,
    ram,
    floatingIps: state.floatingIps.filter((f) => f.projectId === projectId).length,
    securityGroups: groups.size,
    securityGroupRules: state.securityGroupRules.filter((r) => groups.has(r.groupId)).length,
    keyPairs: state.keypairs.filter((k) => k.userId === userId).length,
  };
}

/** Whether `used + delta` stays within `limit` (-1 is unlimited). */
export const fits = (limit: number, used: number, delta: number) => limit < 0 || used + delta <= limit;
