// Tokens, as Keystone issues them and keystonemiddleware checks them on every other service: random
// ids that live one hour (pkgcloud re-authenticates when fewer than 5 minutes remain, so short-lived
// tokens would mean a token request per call), kept in the state so that they survive a restart of
// the cloud. A missing, unknown or expired token is a 401 in Keystone's body shape on every service.
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { CloudStore } from './contracts.ts';
import { OpenStackError, unauthorized } from './errors.ts';
import type { CloudState, Token } from './state.ts';

export const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

/** Who an authenticated request acts as. */
export interface RequestAuth {
  tokenId: string;
  userId: string;
  projectId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the gateway's token check on every route that needs a token (all but discovery and token issue). */
    auth: RequestAuth;
  }
}

/** Issues a token scoped to `projectId`; drops the expired ones while at it. */
export function issueToken(
  store: CloudStore,
  scope: { userId: string; projectId: string },
  now: Date,
): Token {
  const token: Token = {
    id: `gAAAAA${randomBytes(32).toString('base64url')}`,
    userId: scope.userId,
    projectId: scope.projectId,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_MS).toISOString(),
  };
  store.update((state) => {
    state.tokens = state.tokens.filter((t) => Date.parse(t.expiresAt) > now.getTime());
    state.tokens.push(token);
  });
  return token;
}

/** The live token with this id, or undefined (unknown, expired, or its user or project gone). */
export function findToken(state: Readonly<CloudState>, id: string, now: Date): Token | undefined {
  const token = state.tokens.find((t) => t.id === id);
  if (!token || Date.parse(token.expiresAt) <= now.getTime()) return undefined;
  if (!state.users.some((u) => u.id === token.userId)) return undefined;
  if (!state.projects.some((p) => p.id === token.projectId)) return undefined;
  return token;
}

/** The token with this id, or a 401 as keystonemiddleware answers. */
export function validateToken(state: Readonly<CloudState>, id: string | undefined, now: Date): Token {
  const token = id ? findToken(state, id, now) : undefined;
  if (!token) throw new OpenStackError(unauthorized());
  return token;
}

/** Removes a token (DELETE /v3/auth/tokens); true if it existed. */
export function revokeToken(store: CloudStore, id: string): boolean {
  return store.update((state) => {
    const before = state.tokens.length;
    state.tokens = state.tokens.filter((t) => t.id !== id);
    return state.tokens.length < before;
  });
}

/** One header's value (node lower-cases header names, so `x-auth-token` from pkgcloud matches too). */
export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** Checks the request's X-Auth-Token and sets request.auth; throws a 401 otherwise. */
export function authenticateRequest(request: FastifyRequest, store: CloudStore, now: Date): RequestAuth {
  const tokenId = headerValue(request, 'X-Auth-Token');
  const token = validateToken(store.read(), tokenId, now);
  request.auth = { tokenId: token.id, userId: token.userId, projectId: token.projectId };
  return request.auth;
}
