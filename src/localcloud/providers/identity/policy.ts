// Keystone's policy, as far as the local cloud needs it: the admin role on the token's project
// administers the cloud (projects, users, role assignments); anybody else gets Keystone's 403,
// naming the policy rule the way keystone's enforcer does.
import type { FastifyRequest } from 'fastify';
import type { CloudStore } from '../../contracts.ts';
import { keystoneError, OpenStackError } from '../../errors.ts';
import { isAdmin } from '../../model/identity.ts';

export function forbidden(action: string): OpenStackError {
  return new OpenStackError(
    keystoneError(
      403,
      'Forbidden',
      `You are not authorized to perform the requested action: identity:${action}.`,
    ),
  );
}

export function callerIsAdmin(request: FastifyRequest, store: CloudStore): boolean {
  return isAdmin(store.read(), request.auth);
}

/** Refuses (403) unless the caller holds the admin role on the token's project. */
export function requireAdmin(request: FastifyRequest, store: CloudStore, action: string): void {
  if (!callerIsAdmin(request, store)) throw forbidden(action);
}
