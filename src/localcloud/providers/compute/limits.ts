// GET /limits: the absolute limits and what the project uses (pkgcloud's getLimits, the OSC's
// `limits show --absolute`, openstacksdk's get_compute_limits at 2.47), from the same quota and
// state the create checks use. From 2.36 Nova leaves out the network limits (Neutron's now), from
// 2.39 the image-metadata one (the image proxy's).
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderDeps } from '../../contracts.ts';
import { quotaOf, usageOf } from '../../model/quotas.ts';
import { callerOf } from './context.ts';
import { FIXED_LIMITS } from './fixed-limits.ts';
import { atLeast } from './microversion.ts';

const NETWORK_LIMITS = [
  'maxTotalFloatingIps',
  'maxSecurityGroups',
  'maxSecurityGroupRules',
  'totalFloatingIpsUsed',
  'totalSecurityGroupsUsed',
];

export const limitRoutes: FastifyPluginAsync<ProviderDeps> = async (app, { store }) => {
  app.get('/limits', async (request) => {
    const caller = callerOf(request);
    const state = store.read();
    const quota = quotaOf(state, caller.projectId);
    const usage = usageOf(state, caller.projectId, caller.userId);
    const absolute: Record<string, number> = {
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
    };
    if (atLeast(request, 36)) for (const name of NETWORK_LIMITS) delete absolute[name];
    if (atLeast(request, 39)) delete absolute.maxImageMeta;
    return { limits: { rate: [], absolute } };
  });
};
