// What every Neutron route shares: who is asking, Neutron's error replies (the OSC prints
// `NeutronError.message`, so the words are Neutron's own), body parsing in the order Neutron's API
// layer checks a body (neutron/api/v2/base.py prepare_request_body, neutron_lib attributes.py), and
// list queries (attribute filters, `fields`, limit/marker), as neutron/api/api_common.py reads them.
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { neutronError, OpenStackError } from '../../errors.ts';
import type { CloudState } from '../../state.ts';

/** The token's project; the gateway has refused requests without a valid token before this runs. */
export function projectOf(request: FastifyRequest): string {
  return request.auth.projectId;
}

export function neutronFault(statusCode: number, type: string, message: string): OpenStackError {
  return new OpenStackError(neutronError(statusCode, type, message));
}

/** webob's HTTPBadRequest, as Neutron's API layer raises it for malformed bodies and queries. */
export const badRequest = (message: string) => neutronFault(400, 'HTTPBadRequest', message);

/** neutron_lib's InvalidInput. */
export const invalidInput = (message: string) =>
  neutronFault(400, 'InvalidInput', `Invalid input for operation: ${message}.`);

/** neutron_lib's BadRequest(resource, msg). */
export const resourceBadRequest = (resource: string, message: string) =>
  neutronFault(400, 'BadRequest', `Bad ${resource} request: ${message}.`);

/** neutron_lib's OverQuota: "Quota exceeded for resources: ['floatingip']." */
export const overQuota = (resources: string[]) =>
  neutronFault(
    409,
    'OverQuota',
    `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`,
  );

export const networkNotFound = (id: string) =>
  neutronFault(404, 'NetworkNotFound', `Network ${id} could not be found.`);
export const subnetNotFound = (id: string) =>
  neutronFault(404, 'SubnetNotFound', `Subnet ${id} could not be found.`);
export const portNotFound = (id: string) =>
  neutronFault(404, 'PortNotFound', `Port ${id} could not be found.`);
export const securityGroupNotFound = (id: string) =>
  neutronFault(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);

/** Neutron's timestamps: seconds precision, `Z`. */
export function neutronTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * When the cloud was set up, for records the state keeps no date for (networks, subnets): the
 * oldest security group, i.e. the seeded `default`.
 */
export function cloudEpoch(state: Readonly<CloudState>): string {
  let oldest: string | undefined;
  for (const group of state.securityGroups) {
    if (oldest === undefined || group.createdAt < oldest) oldest = group.createdAt;
  }
  return neutronTime(oldest ?? '2024-01-01T00:00:00Z');
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** oslo's `is_uuid_like`, which neutron_lib's `type:uuid` validator uses. */
export const isUuidLike = (value: string) => UUID.test(value);

/** Python's str() of a decoded JSON value, for messages that quote what the client sent. */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** neutron_lib's convert_to_boolean. */
export function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
  }
  throw invalidInput(`'${pyStr(value)}' cannot be converted to boolean`);
}

// ---------------------------------------------------------------------------------------------
// Bodies

/** What Neutron's attribute map says of one attribute: settable on create, on update, required. */
export interface Attribute {
  post: boolean;
  put: boolean;
  required?: boolean;
}

export type AttributeMap = Record<string, Attribute>;

/** Ownership attributes every project-owned resource has; only the caller's own project may be named. */
export const OWNER_ATTRIBUTES: AttributeMap = {
  tenant_id: { post: true, put: false },
  project_id: { post: true, put: false },
};

/**
 * The resource object of a create or update body (`{"security_group": {…}}`), checked as Neutron's
 * API layer checks it before any plugin code runs: envelope, unknown and read-only attributes,
 * required ones, ownership, then the value types (zod; the first problem is reported in Neutron's
 * "Invalid input for <attr>. Reason: <why>." form).
 */
export function parseResource<S extends z.ZodType>(options: {
  body: unknown;
  resource: string;
  attributes: AttributeMap;
  schema: S;
  method: 'POST' | 'PUT';
  projectId: string;
}): z.output<S> {
  const { body, resource, attributes, schema, method, projectId } = options;
  if (body === undefined || body === null || body === '') throw badRequest('Resource body required');
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Body contains invalid data');
  const item = (body as Record<string, unknown>)[resource];
  if (item === undefined || item === null) throw badRequest(`Unable to find '${resource}' in request body`);
  if (typeof item !== 'object' || Array.isArray(item)) {
    throw badRequest(`Object '${resource}' contains invalid data`);
  }
  const fields = item as Record<string, unknown>;
  checkOwner(fields, projectId);
  const unknown = Object.keys(fields).filter((key) => !Object.hasOwn(attributes, key));
  if (unknown.length > 0) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  for (const [name, attribute] of Object.entries(attributes)) {
    const given = Object.hasOwn(fields, name);
    if (method === 'POST') {
      if (!attribute.post && given) throw badRequest(`Attribute '${name}' not allowed in POST`);
      if (attribute.post && attribute.required && !given) {
        throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`);
      }
    } else if (!attribute.put && given) {
      throw badRequest(`Cannot update read-only attribute ${name}`);
    }
  }
  const result = schema.safeParse(fields);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const attribute = String(issue?.path[0] ?? resource);
  const reason = issue?.message ?? 'invalid value';
  throw badRequest(`Invalid input for ${attribute}. Reason: ${reason}.`);
}

/** neutron_lib attributes._validate_privileges: a non-admin may only name its own project. */
function checkOwner(fields: Record<string, unknown>, projectId: string): void {
  const tenant = fields.tenant_id;
  const project = fields.project_id;
  if (tenant !== undefined && project !== undefined && tenant !== project) {
    throw badRequest("'project_id' and 'tenant_id' do not match");
  }
  const named = project ?? tenant;
  if (named !== undefined && named !== projectId) {
    throw badRequest(
      "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges",
    );
  }
}

/** zod message for neutron_lib's `type:string` validator. */
export const notAString = (input: unknown) => `'${pyStr(input)}' is not a valid string`;

// ---------------------------------------------------------------------------------------------
// Lists

export type Query = Record<string, string | string[] | undefined>;

/** Query parameters that steer a list rather than filter it (or that only an admin may use). */
const NOT_FILTERS = new Set([
  'fields',
  'limit',
  'marker',
  'page_reverse',
  'sort_key',
  'sort_dir',
  'all_tenants',
  'all_projects',
]);

export function queryValues(query: Query, key: string): string[] {
  const value = query[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** `?fields=id&fields=name` → only those keys (Neutron drops unknown field names silently). */
export function project<T extends object>(item: T, fields: string[]): Partial<T> {
  if (fields.length === 0) return item;
  const record = item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) if (Object.hasOwn(record, field)) out[field] = record[field];
  return out as Partial<T>;
}

function matches(value: unknown, wanted: string[]): boolean {
  if (typeof value === 'boolean') return wanted.some((w) => toBoolean(w) === value);
  if (Array.isArray(value)) return value.some((v) => wanted.includes(String(v)));
  if (value === null || value === undefined) return wanted.includes('');
  return wanted.includes(String(value));
}

/**
 * A list answer: items filtered on every query parameter that names one of their attributes (several
 * values of one parameter match any of them; parameters naming no attribute are ignored), then paged
 * with `limit`/`marker` (a `<collection>_links` next link when there is more), then narrowed to
 * `fields`. Filters on attributes Neutron does not expose to a project (none here) would 400 there.
 */
export function listResponse<T extends { id: string }>(options: {
  items: T[];
  query: Query;
  collection: string;
  /** The collection's URL, for the next link. */
  url: string;
  /** Parameters the caller has already applied itself. */
  handled?: string[];
}): Record<string, unknown> {
  const { query, collection, url } = options;
  const handled = new Set(options.handled ?? []);
  let items = options.items;
  for (const key of Object.keys(query)) {
    if (NOT_FILTERS.has(key) || handled.has(key)) continue;
    const wanted = queryValues(query, key);
    items = items.filter((item) => {
      const record = item as unknown as Record<string, unknown>;
      return !Object.hasOwn(record, key) || matches(record[key], wanted);
    });
  }
  const marker = queryValues(query, 'marker')[0];
  if (marker) {
    const at = items.findIndex((item) => item.id === marker);
    if (at >= 0) items = items.slice(at + 1);
  }
  const limit = parseLimit(queryValues(query, 'limit')[0]);
  const body: Record<string, unknown> = {};
  if (limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (key === 'marker') continue;
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) next.append(key, v);
    }
    next.append('marker', items[items.length - 1]!.id);
    body[`${collection}_links`] = [{ rel: 'next', href: `${url}?${next.toString()}` }];
  }
  const fields = queryValues(query, 'fields');
  body[collection] = items.map((item) => project(item, fields));
  return body;
}

/** neutron/api/api_common.py _get_limit_param. */
function parseLimit(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(limit)) {
    throw resourceBadRequest('limit', `Limit must be an integer 0 or greater and not '${text}'`);
  }
  return limit;
}

/** A single resource, narrowed to `?fields=` as Neutron's show does. */
export function showResponse<T extends object>(resource: string, item: T, query: Query) {
  return { [resource]: project(item, queryValues(query, 'fields')) };
}
