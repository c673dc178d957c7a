// The identity model's refusals (model/identity.ts) in Keystone's words and statuses: duplicates
// are 409 Conflict as Keystone's SQL backend words them, missing records 404 "Could not find …".
import { keystoneError, OpenStackError } from '../../errors.ts';
import type { IdentityRefusal } from '../../model/identity.ts';
import { domainName, notFound } from './directory.ts';

const conflict = (message: string) => new OpenStackError(keystoneError(409, 'Conflict', message));

export function identityRefusal(refusal: IdentityRefusal): OpenStackError {
  switch (refusal.kind) {
    case 'duplicate':
      return refusal.resource === 'project'
        ? conflict(
            `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${refusal.name}.`,
          )
        : conflict(
            `Conflict occurred attempting to store user - Duplicate entry found with name ${refusal.name} at domain ID ${refusal.domainId} (${domainName(refusal.domainId)}).`,
          );
    case 'not-found':
      return notFound(refusal.resource, refusal.id);
    case 'project-has-servers':
      return conflict(
        `Project ${refusal.projectId} still has servers (${refusal.servers.join(', ')}), which this cloud runs as processes; delete them first (openstack server delete …), then delete the project.`,
      );
    case 'project-owns-networks':
      return conflict(
        `Project ${refusal.projectId} owns the network${refusal.networks.length === 1 ? '' : 's'} ${refusal.networks.join(', ')} that every project uses, so it cannot be deleted.`,
      );
    case 'no-assignment':
      return new OpenStackError(
        keystoneError(
          404,
          'Not Found',
          'Could not find role assignment: the user has no such role on the project.',
        ),
      );
  }
}
