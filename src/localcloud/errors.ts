// Error bodies in each OpenStack service's own shape. Real clients parse these (libcloud reads
// Nova's `{"itemNotFound":{…}}`, the OSC prints Neutron's `NeutronError.message`, keystoneauth
// reads Keystone's `error.message`), so a provider throws an OpenStackError carrying the exact body
// and the gateway's error handler sends it as it is. Nothing here ever carries a stack trace.

export type ServiceName = 'identity' | 'compute' | 'network' | 'image';

/** A status and the JSON body to answer with. */
export interface ErrorReply {
  statusCode: number;
  body: unknown;
}

/** Thrown by providers (and auth); the gateway serialises `body` with `statusCode` and `headers`. */
export class OpenStackError extends Error {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(reply: ErrorReply, headers?: Record<string, string>);
  constructor(statusCode: number, body: unknown, headers?: Record<string, string>);
  constructor(first: number | ErrorReply, second?: unknown, third?: Record<string, string>) {
    const reply: ErrorReply = typeof first === 'number' ? { statusCode: first, body: second } : first;
    const headers =
      (typeof first === 'number' ? third : (second as Record<string, string> | undefined)) ?? {};
    super(messageOf(reply.body) ?? `OpenStack error ${reply.statusCode}`);
    this.name = 'OpenStackError';
    this.statusCode = reply.statusCode;
    this.body = reply.body;
    this.headers = headers;
  }
}

/** Nova: `{"itemNotFound": {"message": …, "code": 404}}`. */
export function novaError(statusCode: number, kind: string, message: string): ErrorReply {
  return { statusCode, body: { [kind]: { message, code: statusCode } } };
}

/** Neutron: `{"NeutronError": {"type": "SecurityGroupNotFound", "message": …, "detail": ""}}`. */
export function neutronError(statusCode: number, type: string, message: string, detail = ''): ErrorReply {
  return { statusCode, body: { NeutronError: { type, message, detail } } };
}

/** Keystone (and keystonemiddleware, for a missing token on any service): `{"error": {code, title, message}}`. */
export function keystoneError(statusCode: number, title: string, message: string): ErrorReply {
  return { statusCode, body: { error: { code: statusCode, title, message } } };
}

/** Glance answers with webob's JSON error: `{"code": "404 Not Found", "title": …, "message": …}`. */
export function glanceError(statusCode: number, message: string): ErrorReply {
  const title = HTTP_TITLES[statusCode] ?? 'Error';
  return { statusCode, body: { code: `${statusCode} ${title}`, title, message } };
}

const HTTP_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** Nova's fault names by status (nova/api/openstack/wsgi.py). */
const NOVA_KINDS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflict',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Neutron's generic types, as its fault wrapper names webob's exceptions. */
const NEUTRON_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  409: 'HTTPConflict',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
  500: 'HTTPInternalServerError',
  503: 'HTTPServiceUnavailable',
};

/** The generic error of `service` for `statusCode`, when no more specific kind applies. */
export function serviceError(service: ServiceName, statusCode: number, message: string): ErrorReply {
  switch (service) {
    case 'compute':
      return novaError(statusCode, NOVA_KINDS[statusCode] ?? 'computeFault', message);
    case 'network':
      return neutronError(statusCode, NEUTRON_TYPES[statusCode] ?? 'HTTPInternalServerError', message);
    case 'image':
      return glanceError(statusCode, message);
    case 'identity':
      return keystoneError(statusCode, HTTP_TITLES[statusCode] ?? 'Error', message);
  }
}

/** keystonemiddleware's and Keystone's words for a missing, unknown or expired token. */
export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

export function unauthorized(message = UNAUTHORIZED_MESSAGE): ErrorReply {
  return keystoneError(401, 'Unauthorized', message);
}

/** The message inside any of the shapes above, for Error.message and logs. */
function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.message === 'string') return record.message;
  for (const value of Object.values(record)) {
    if (typeof value === 'object' && value !== null) {
      const message = (value as Record<string, unknown>).message;
      if (typeof message === 'string') return message;
    }
  }
  return undefined;
}
