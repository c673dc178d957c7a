// A cloud administrator's session with an OpenStack cloud, over fetch: a Keystone v3 password token
// (renewed before it expires, as a workshop outlasts a token), the catalog's identity, compute and
// network endpoints for the cloud's region and interface, and one `call` that sends a request and
// turns a refusal into one readable sentence. The same requests a real OpenStack answers; the
// local cloud answers them too. No token or password ever appears in an error.
import { z } from 'zod';
import type { CloudAuth } from '../../cloud/config.ts';
import { redactText } from '../../shared/redact.ts';
import { UserError } from '../../shared/user-error.ts';

/** A request the cloud refused, or a cloud that did not answer: what was done, what it said, what to do. */
export class CloudAdminError extends UserError {
  override name = 'CloudAdminError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type AdminService = 'identity' | 'compute' | 'network';

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Extra headers (a Nova microversion). */
  headers?: Record<string, string>;
  /** Statuses that are not an error (404 when looking something up, say); default: any 2xx. */
  accept?: number[];
}

export interface CallResult {
  /** What was done, for a sentence about its answer. */
  what: string;
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: each caller parses the body it asked for with zod
  body: any;
}

export interface AdminSession {
  /** Where the cloud came from (a clouds.yaml name, the OS_* variables), for messages. */
  label: string;
  auth: CloudAuth;
  /** The admin's project's domain: students' projects and users are made in it. */
  domain: { id: string; name: string };
  /** The admin's own user id. */
  userId: string;
  /** `what` names the action for the error sentence ("creating project faafo-x-ada"). */
  call(service: AdminService, path: string, what: string, options?: CallOptions): Promise<CallResult>;
  /** The answer's body as `schema` has it; another shape is told as one sentence. */
  read<T>(schema: z.ZodType<T>, result: CallResult): T;
}

const catalogSchema = z.array(
  z.object({
    type: z.string(),
    endpoints: z.array(
      z.object({
        interface: z.string(),
        region: z.string().nullish(),
        region_id: z.string().nullish(),
        url: z.string(),
      }),
    ),
  }),
);

const tokenSchema = z.object({
  token: z.object({
    expires_at: z.string(),
    user: z.object({ id: z.string() }),
    project: z.object({ domain: z.object({ id: z.string(), name: z.string().optional() }) }).optional(),
    catalog: catalogSchema.optional(),
  }),
});

/** Renew a token this long before it expires. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** What the cloud said, from the error bodies Keystone, Nova and Neutron send, on one short line. */
export function cloudSaid(status: number, body: unknown): string {
  const inner = (v: unknown): string | undefined => {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.message === 'string') return o.message;
    for (const value of Object.values(o)) {
      if (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { message?: unknown }).message === 'string'
      )
        return (value as { message: string }).message;
    }
    return undefined;
  };
  const said = redactText(inner(body) ?? (typeof body === 'string' ? body : ''))
    .replace(/\s+/g, ' ')
    .trim();
  return said ? `${status}: ${said.slice(0, 200)}` : String(status);
}

/** The Keystone root: the auth URL without a trailing /v3 or /v2.0. */
function keystoneRoot(authUrl: string): string {
  return authUrl.replace(/\/+$/, '').replace(/\/v(3|2\.0)$/, '');
}

/** The endpoint of `type` for the region and interface, from a v3 catalog. */
export function catalogEndpoint(
  catalog: z.infer<typeof catalogSchema>,
  type: AdminService,
  region: string,
  iface: string,
  label: string,
): string {
  const service = catalog.find((s) => s.type === type);
  const endpoint = service?.endpoints.find(
    (e) => e.interface === iface && (e.region ?? e.region_id ?? '').toLowerCase() === region.toLowerCase(),
  );
  if (!endpoint) {
    throw new CloudAdminError(
      `The catalog of ${label} has no ${iface} ${type} endpoint in region ${region}; check region_name and interface of that cloud.`,
    );
  }
  return endpoint.url.replace(/\/+$/, '');
}

/** "creating project x" → "Creating project x", to start a sentence. */
const sentence = (what: string) => `${what.charAt(0).toUpperCase()}${what.slice(1)}`;

async function send(url: string, init: RequestInit, what: string, label: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const reason = redactText(
      (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message,
    );
    throw new CloudAdminError(
      `${sentence(what)} failed: ${label} did not answer (${reason}); check that it is running and reachable.`,
    );
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Logs in as the cloud's admin and finds its endpoints; throws CloudAdminError with the reason. */
export async function openAdminSession(auth: CloudAuth, label: string): Promise<AdminSession> {
  if (auth.identityApiVersion !== '3') {
    throw new CloudAdminError(
      `${label} uses Keystone v2.0, but making projects and users for a room needs Keystone v3; give the admin cloud identity_api_version: 3 and a v3 auth_url.`,
    );
  }
  if (!auth.projectName && !auth.projectId) {
    throw new CloudAdminError(
      `${label} names no project; an admin token needs one (project_name: admin, usually); add it.`,
    );
  }
  const root = keystoneRoot(auth.authUrl);
  const iface = auth.interface ?? 'public';
  const domainRef = (name: string, id?: string) => (id ? { id } : { name });
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: auth.username,
            password: auth.password,
            domain: domainRef(auth.userDomainName, auth.userDomainId),
          },
        },
      },
      scope: {
        project: auth.projectId
          ? { id: auth.projectId }
          : { name: auth.projectName, domain: domainRef(auth.projectDomainName, auth.projectDomainId) },
      },
    },
  };

  interface Token {
    value: string;
    expiresAt: number;
    endpoints: Record<AdminService, string>;
    userId: string;
    domain: { id: string; name: string };
  }
  const login = async (): Promise<Token> => {
    const what = `logging in to ${label} as ${auth.username}`;
    const response = await send(
      `${root}/v3/auth/tokens`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      what,
      label,
    );
    const answer = await readBody(response);
    const value = response.headers.get('x-subject-token');
    if (response.status === 401) {
      throw new CloudAdminError(
        `Logging in to ${label} as ${auth.username} was refused (${cloudSaid(401, answer)}); check the user, password and project of that cloud.`,
        401,
      );
    }
    const parsed = tokenSchema.safeParse(answer);
    if (!response.ok || !value || !parsed.success || !parsed.data.token.catalog) {
      throw new CloudAdminError(
        `Logging in to ${label} as ${auth.username} failed (${cloudSaid(response.status, answer)}); check its auth_url (a Keystone v3 root).`,
        response.status,
      );
    }
    const token = parsed.data.token;
    const catalog = token.catalog ?? [];
    const find = (type: AdminService) => catalogEndpoint(catalog, type, auth.region, iface, label);
    const projectDomain = token.project?.domain ?? { id: 'default', name: 'Default' };
    return {
      value,
      expiresAt: Date.parse(token.expires_at),
      endpoints: { identity: `${root}`, compute: find('compute'), network: find('network') },
      userId: token.user.id,
      domain: { id: projectDomain.id, name: projectDomain.name ?? auth.projectDomainName },
    };
  };

  let token = await login();
  const current = async (): Promise<Token> => {
    if (!(token.expiresAt - Date.now() > RENEW_BEFORE_MS)) token = await login();
    return token;
  };

  return {
    label,
    auth,
    domain: token.domain,
    userId: token.userId,
    read(schema, result) {
      const parsed = schema.safeParse(result.body);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      throw new CloudAdminError(
        `${sentence(result.what)} failed: ${label} answered with a body this client cannot read (${issue?.path.join('.') || 'it'}: ${issue?.message ?? 'bad shape'}); check that it is an OpenStack cloud with Keystone v3, Nova and Neutron.`,
      );
    },
    async call(service, path, what, options = {}) {
      const { value, endpoints } = await current();
      const url = `${endpoints[service]}${path}`;
      const headers: Record<string, string> = {
        'x-auth-token': value,
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      };
      const init: RequestInit = { method: options.method ?? 'GET', headers };
      if (options.body !== undefined) init.body = JSON.stringify(options.body);
      const response = await send(url, init, what, label);
      const answer = await readBody(response);
      if (response.ok || options.accept?.includes(response.status))
        return { what, status: response.status, headers: response.headers, body: answer };
      const fix =
        response.status === 403
          ? 'the cloud user needs the admin role (use the cloud’s admin credentials)'
          : response.status === 404
            ? `this ${service} API may be missing on ${label}`
            : 'see what it said, fix that, and try again';
      throw new CloudAdminError(
        `${sentence(what)} failed: ${label} answered ${cloudSaid(response.status, answer)}; ${fix}.`,
        response.status,
      );
    },
  };
}
