// Sets a student's project's quotas for the lesson through Nova's os-quota-sets and Neutron's
// quotas APIs (admin only): servers, cores and RAM in Nova; floating IPs, security groups and rules
// in Neutron, where a cloud with Neutron keeps them (Nova's own floating_ips quota is not used then).
import type { AdminSession } from './admin-session.ts';
import type { StudentQuota } from './lesson-needs.ts';

export async function setProjectQuota(
  session: AdminSession,
  project: { id: string; name: string },
  quota: StudentQuota,
): Promise<void> {
  await session.call(
    'compute',
    `/os-quota-sets/${project.id}`,
    `setting the compute quota of ${project.name}`,
    {
      method: 'PUT',
      body: { quota_set: quota.compute },
    },
  );
  await session.call(
    'network',
    `/v2.0/quotas/${project.id}`,
    `setting the network quota of ${project.name}`,
    {
      method: 'PUT',
      body: { quota: quota.network },
    },
  );
}
