// What every compute route needs: who is asking (set by the gateway's token check), Nova's error
// replies, and Nova's links (`self` under /v2.1, `bookmark` without the version).
import type { FastifyRequest } from 'fastify';
import type {} from '../../auth.ts';
import type { Endpoints } from '../../contracts.ts';
import { novaError, OpenStackError, unauthorized } from '../../errors.ts';

export interface Caller {
  userId: string;
  projectId: string;
}

/** The token's user and project; the gateway refuses unauthenticated requests before this runs. */
export function callerOf(request: FastifyRequest): Caller {
  const auth = request.auth as Partial<Caller> | null;
  if (!auth?.userId || !auth.projectId) throw new OpenStackError(unauthorized());
  return { userId: auth.userId, projectId: auth.projectId };
}

const KINDS: Record<number, string> = {
  400: 'badRequest',
  403: 'forbidden',
  404: 'itemNotFound',
  409: 'conflict',
  413: 'overLimit',
};

/** A Nova fault: `{"<kind>": {"message": …, "code": status}}`. */
export function novaFault(statusCode: 400 | 403 | 404 | 409 | 413, message: string): OpenStackError {
  return new OpenStackError(novaError(statusCode, KINDS[statusCode] ?? 'computeFault', message));
}

export const badRequest = (message: string) => novaFault(400, message);
export const forbidden = (message: string) => novaFault(403, message);
export const notFound = (message: string) => novaFault(404, message);
export const conflict = (message: string) => novaFault(409, message);

export interface Link {
  rel: string;
  href: string;
  type?: string;
}

/** Nova's base URLs: the versioned endpoint, and the same without `/v2.1` for bookmarks. */
export function linkBases(endpoints: Endpoints): { self: string; bookmark: string } {
  const self = endpoints.compute.replace(/\/+$/, '');
  return { self, bookmark: self.replace(/\/v\d+(\.\d+)?$/, '') };
}

export function selfAndBookmark(endpoints: Endpoints, collection: string, id: string): Link[] {
  const { self, bookmark } = linkBases(endpoints);
  return [
    { rel: 'self', href: `${self}/${collection}/${id}` },
    { rel: 'bookmark', href: `${bookmark}/${collection}/${id}` },
  ];
}

export function bookmark(endpoints: Endpoints, collection: string, id: string): Link[] {
  return [{ rel: 'bookmark', href: `${linkBases(endpoints).bookmark}/${collection}/${id}` }];
}

/** Nova's `utils.isotime`: seconds precision, `Z`. */
export function isoTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19)}Z`;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** oslo's `is_uuid_like`: hex with or without dashes. */
export const isUuidLike = (value: string) => UUID.test(value.replace(/^urn:uuid:/i, '').replace(/[{}]/g, ''));
