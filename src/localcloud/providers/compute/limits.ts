// GET /limits: the absolute limits and what the project uses (pkgcloud's getLimits, the OSC's
// `limits show --absolute`), from the same quota and state the create checks use.
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { quotaOf, usageOf } from '../../model/quotas.ts';
import { callerOf } from './context.ts';
import { FIXED_LIMITS } from './fixed-limits.ts';

export const limitRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store }) => {
  app.get('/limits', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const quota = quotaOf(state, caller.projectId);
    const usage = usageOf(state, caller.projectId, caller.userId);
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalInstances: quota.instances,
          maxTotalCores: quota.cores,
          maxTotalRAMSize: quota.ram,
          maxTotalKeypairs: quota.keyPairs,
          maxTotalFloatingIps: quota.floatingIps,
          maxServerMeta: FIXED_LIMITS.metadata_items,
          maxImageMeta: FIXED_LIMITS.metadata_items,
          maxPersonality: FIXED_LIMITS.injected_files,
          maxPersonalitySize: FIXED_LIMITS.injected_file_content_bytes,
          maxSecurityGroups: quota.securityGroups,
          maxSecurityGroupRules: quota.securityGroupRules,
          maxServerGroups: FIXED_LIMITS.server_groups,
          maxServerGroupMembers: FIXED_LIMITS.server_group_members,
          totalRAMUsed: usage.ram,
          totalCoresUsed: usage.cores,
          totalInstancesUsed: usage.instances,
          totalFloatingIpsUsed: usage.floatingIps,
          totalSecurityGroupsUsed: usage.securityGroups,
          totalServerGroupsUsed: 0,
        },
      },
    };
  });
};
