// A small typed client for the faafo REST API (the routes of the original Flask-Restless API plus
// the image route). Every failure becomes a CliError with one readable line: an unreachable server
// says so and suggests the fix; an error answer carries the API's own `{"message": …}`.
import { z } from 'zod';
import { redactUrl } from '../../shared/redact.ts';
import { type Fractal, FractalSchema, type NewFractal, stateOf } from '../model.ts';
import { CliError } from './errors.ts';

/**
 * A record as we accept it. `state` and `failure` are ours; a server without them (the original
 * faafo) still works, and we derive the state with the same rule the API uses.
 */
export const ClientFractalSchema = FractalSchema.extend({
  url: z.string().nullable().optional().default(null),
  state: FractalSchema.shape.state.optional(),
  failure: z.string().nullable().optional().default(null),
}).transform((f): Fractal => ({ ...f, state: f.state ?? stateOf(f) }));

export const FractalPageSchema = z.object({
  num_results: z.number().int().nonnegative(),
  objects: z.array(ClientFractalSchema),
  page: z.number().int(),
  total_pages: z.number().int().nonnegative(),
});
export type FractalPage = z.infer<typeof FractalPageSchema>;

/** The server answered with a 4xx/5xx status. */
export class ApiResponseError extends CliError {
  readonly status: number;
  /** The API's `message`, or a description of the status when it sent none. */
  readonly apiMessage: string;

  constructor(status: number, apiMessage: string, context: string) {
    super(`${context}: ${withoutPeriod(apiMessage)} (HTTP ${status}).`);
    this.name = 'ApiResponseError';
    this.status = status;
    this.apiMessage = apiMessage;
  }
}

/** Nothing answered at the endpoint (refused, unknown host, timeout…). */
export class UnreachableError extends CliError {
  constructor(endpoint: string, reason: string, options?: { cause?: unknown }) {
    super(
      `Cannot reach the faafo API at ${shown(endpoint)}: ${reason}. Is 'faafo api' running, and is --endpoint-url right?`,
      undefined,
      options,
    );
    this.name = 'UnreachableError';
  }
}

export interface ClientOptions {
  /** Per request, including reading the body. */
  timeoutMs?: number;
  /** Replaceable for tests. */
  fetch?: typeof fetch;
  /** Receives one line per request (shown with --debug). */
  debug?: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** An image of 9999 × 9999 pixels is tens of megabytes; give its download longer. */
const IMAGE_TIMEOUT_MS = 300_000;
/** The most the original API serves per page; fewer round trips than its default 10. */
const LIST_PAGE_SIZE = 100;

export class FaafoClient {
  readonly endpoint: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #debug: (line: string) => void;

  constructor(endpointUrl: string, options: ClientOptions = {}) {
    // "http://host/" and "http://host" are the same endpoint; a path prefix is kept.
    this.endpoint = endpointUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
    this.#debug = options.debug ?? (() => {});
  }

  /** One page of `GET /v1/fractal`. */
  async listPage(page: number, perPage = LIST_PAGE_SIZE): Promise<FractalPage> {
    const res = await this.#request('GET', `/v1/fractal?page=${page}&results_per_page=${perPage}`);
    await this.#ensureOk(res, 'Could not list the fractals');
    return this.#parse(res, FractalPageSchema);
  }

  /** Every fractal: pages are fetched until page ≥ total_pages, as the original CLI did. */
  async listAll(): Promise<Fractal[]> {
    const seen = new Set<string>();
    const all: Fractal[] = [];
    for (let page = 1; ; page += 1) {
      const body = await this.listPage(page);
      for (const f of body.objects) {
        // A fractal created while we page can shift a row onto the next page; show it once.
        if (seen.has(f.uuid)) continue;
        seen.add(f.uuid);
        all.push(f);
      }
      if (page >= body.total_pages) return all;
    }
  }

  /** undefined when the API has no such fractal. */
  async get(uuid: string): Promise<Fractal | undefined> {
    const res = await this.#request('GET', `/v1/fractal/${encodeURIComponent(uuid)}`);
    if (res.status === 404) return discard(res, undefined);
    await this.#ensureOk(res, `Could not get fractal ${uuid}`);
    return this.#parse(res, ClientFractalSchema);
  }

  async create(task: NewFractal): Promise<Fractal> {
    const res = await this.#request('POST', '/v1/fractal', task);
    await this.#ensureOk(res, 'The API refused the new fractal');
    return this.#parse(res, ClientFractalSchema);
  }

  /** false when there was nothing to delete. */
  async delete(uuid: string): Promise<boolean> {
    const res = await this.#request('DELETE', `/v1/fractal/${encodeURIComponent(uuid)}`);
    if (res.status === 404) return discard(res, false);
    await this.#ensureOk(res, `Could not delete fractal ${uuid}`);
    return discard(res, true);
  }

  /**
   * The PNG from `GET /fractal/<uuid>`; undefined when unknown. A pending or failed fractal has no
   * image yet: the API answers 409 and its message becomes the error.
   */
  async image(uuid: string): Promise<Buffer | undefined> {
    const res = await this.#request(
      'GET',
      `/fractal/${encodeURIComponent(uuid)}`,
      undefined,
      IMAGE_TIMEOUT_MS,
    );
    const context = `Could not download fractal ${uuid}`;
    if (res.status === 404) {
      // Either no such fractal, or (disk image store, several API nodes: the guide's IOError
      // story) a fractal whose image lives on another node. Only the record can tell them apart.
      const message = apiMessageOf(res, await this.#read(() => res.text()));
      if (!(await this.get(uuid))) return undefined;
      throw new ApiResponseError(404, message, context);
    }
    await this.#ensureOk(res, context);
    const type = res.headers.get('content-type') ?? '';
    const bytes = Buffer.from(await this.#read(() => res.arrayBuffer()));
    if (!type.startsWith('image/png') || !isPng(bytes)) {
      throw new CliError(
        `The server at ${shown(this.endpoint)} sent ${type || 'something'} instead of a PNG for fractal ${uuid}; is --endpoint-url pointing at a faafo API?`,
      );
    }
    return bytes;
  }

  async #request(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = this.#timeoutMs,
  ): Promise<Response> {
    const url = `${this.endpoint}${path}`;
    const started = performance.now();
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new UnreachableError(this.endpoint, describeNetworkError(error, timeoutMs), { cause: error });
    }
    this.#debug(
      `${method} ${redactUrl(url)} → ${res.status} (${Math.round(performance.now() - started)} ms)`,
    );
    return res;
  }

  /** Reads a body; a connection that dies half-way is reported like an unreachable server. */
  async #read<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new UnreachableError(this.endpoint, describeNetworkError(error, this.#timeoutMs), {
        cause: error,
      });
    }
  }

  async #ensureOk(res: Response, context: string): Promise<void> {
    if (res.ok) return;
    const text = await this.#read(() => res.text());
    throw new ApiResponseError(res.status, apiMessageOf(res, text), context);
  }

  async #parse<T>(res: Response, schema: z.ZodType<T>): Promise<T> {
    const text = await this.#read(() => res.text());
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : '';
      throw new CliError(
        `The server at ${shown(this.endpoint)} gave an answer that is not a faafo record${where}; is --endpoint-url pointing at a faafo API?`,
      );
    }
    return parsed.data;
  }
}

/** The API's `{"message": …}`, else its `validation_errors`, else the status text. */
export function apiMessageOf(res: Pick<Response, 'status' | 'statusText'>, text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object') {
      const { message, validation_errors: validation } = body as Record<string, unknown>;
      if (typeof message === 'string' && message.trim()) return oneLine(message);
      if (validation && typeof validation === 'object') {
        return oneLine(
          Object.entries(validation)
            .map(([field, why]) => `${field}: ${String(why)}`)
            .join('; '),
        );
      }
    }
  } catch {
    // Not JSON (a proxy's HTML error page, say): fall back to the status line.
  }
  return `the server answered ${res.status} ${res.statusText}`.trim();
}

/** Turns fetch's "fetch failed" into what actually went wrong, in a few words. */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${Math.round(timeoutMs / 1000)} seconds`;
  }
  const code = findCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'the host name could not be resolved';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'the connection timed out';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'the connection was closed unexpectedly';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    default: {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      return cause instanceof Error ? oneLine(cause.message) : 'unknown network error';
    }
  }
}

function findCode(error: unknown): string | undefined {
  // undici wraps the system error: TypeError('fetch failed', { cause: Error{code} }), sometimes
  // an AggregateError of one error per address tried.
  for (let e: unknown = error, depth = 0; e && depth < 5; depth += 1) {
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    if (Array.isArray(errors) && errors.length > 0) return findCode(errors[0]);
    e = cause;
  }
  return undefined;
}

function isPng(bytes: Buffer): boolean {
  return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

/** The endpoint as the user wrote it, password masked (URL parsing would add a trailing "/"). */
function shown(endpoint: string): string {
  const redacted = redactUrl(endpoint);
  return endpoint.endsWith('/') ? redacted : redacted.replace(/\/$/, '');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function withoutPeriod(text: string): string {
  return /[.!?]$/.test(text) ? text.slice(0, -1) : text;
}

/** Frees the connection of a response whose body we do not need. */
async function discard<T>(res: Response, value: T): Promise<T> {
  await res.body?.cancel().catch(() => {});
  return value;
}
