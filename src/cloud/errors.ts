// A cloud call that failed → one sentence a student can act on: what was being done, what the
// cloud said (its own message, from Nova's, Neutron's or Keystone's error body), and what to do.
// Never a stack, never a password (pkgcloud's errors carry request headers: they are not read).
import { UserError } from '../shared/user-error.ts';

/** A failure the user can act on; `message` is the whole line to print. */
export class CloudError extends UserError {
  override name = 'CloudError';
  constructor(
    message: string,
    /** The HTTP status the cloud answered, if it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

interface RawError {
  statusCode?: number;
  result?: unknown;
  code?: string;
  message?: string;
  cause?: unknown;
}

/** The message inside an OpenStack error body: {"forbidden":{"message":…}}, {"NeutronError":{…}}, {"error":{…}}. */
export function cloudMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return cloudMessage(JSON.parse(body));
    } catch {
      return body.trim() || undefined;
    }
  }
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.message === 'string') return record.message;
  for (const value of Object.values(record)) {
    if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
      return (value as { message: string }).message;
    }
  }
  return undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
]);

function networkCode(error: RawError): string | undefined {
  if (error.code && NETWORK_CODES.has(error.code)) return error.code;
  const cause = error.cause as RawError | undefined;
  if (cause?.code && NETWORK_CODES.has(cause.code)) return cause.code;
  const m = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)\b/.exec(
    error.message ?? '',
  );
  return m?.[1];
}

export interface ExplainContext {
  /** What was being done, as a verb phrase: "create the server app-api-1". */
  doing: string;
  /** Which cloud, for the credentials hint: "the OS_* variables (…)". */
  cloud?: string;
}

const sentence = (text: string) => {
  const t = text.trim().replace(/\s+/g, ' ');
  return /[.!?]$/.test(t) ? t : `${t}.`;
};

/** The advice for the other answers a cloud gives. */
function whatToDo(status: number): string {
  if (status === 404)
    return 'It may have been deleted meanwhile: list what there is (`openstack server list`) and run the step again.';
  if (status === 409)
    return 'Something else is using it or changing it; wait a moment and run the step again.';
  if (status >= 500)
    return "The cloud failed on its side; try again, and if it goes on, ask its administrator (or read the local cloud's cloud.log).";
  return '';
}

/** Any error from a cloud call → a CloudError (CloudErrors pass through unchanged). */
export function explain(error: unknown, context: ExplainContext): CloudError {
  if (error instanceof CloudError) return error;
  const raw = (error && typeof error === 'object' ? error : { message: String(error) }) as RawError;
  const status = raw.statusCode;
  const said = cloudMessage(raw.result);
  const code = networkCode(raw);
  if (status === undefined && code) {
    return new CloudError(
      `Could not ${context.doing}: nothing answers at the cloud's address (${code}). ` +
        'Check the auth URL and your network; for the local cloud run `faafo-tutor cloud up`.',
    );
  }
  if (status === 401) {
    return new CloudError(
      `The cloud refused the credentials${context.cloud ? ` of ${context.cloud}` : ''}: wrong user name, password or project` +
        `${said ? ` (Keystone: ${sentence(said).slice(0, -1)})` : ''}. ` +
        'Check OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME, or the auth section of your clouds.yaml entry.',
      401,
    );
  }
  if (said && /quota|OverQuota|exceeded/i.test(said)) {
    return new CloudError(
      `Could not ${context.doing}: ${sentence(said)} ` +
        "Delete what you no longer need (`faafo-tutor step 1` removes the lesson's servers) or ask your cloud's administrator for a larger quota.",
      status,
    );
  }
  if (status === 403) {
    return new CloudError(
      `Could not ${context.doing}: the cloud forbids it${said ? ` (${sentence(said).slice(0, -1)})` : ''}. ` +
        "Your project may lack the permission; ask your cloud's administrator.",
      403,
    );
  }
  if (status !== undefined) {
    return new CloudError(
      `Could not ${context.doing}: the cloud answered ${status}${said ? `: ${sentence(said)}` : '.'} ${whatToDo(status)}`.trimEnd(),
      status,
    );
  }
  const message = raw.message?.split('\n')[0] ?? 'unknown error';
  return new CloudError(`Could not ${context.doing}: ${sentence(message)}`);
}
