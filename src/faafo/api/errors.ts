// Every error the API answers with: one table of codes → HTTP status, one JSON shape
// `{"message": "…"}`, and a handler that maps everything else (zod, fastify, the repository,
// the queue) onto that table. Nothing but the message ever reaches the client: no stack traces.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { redactText } from '../../shared/redact.ts';
import { DatabaseUnavailableError, DuplicateFractalError } from '../db/repository.ts';
import { QueueUnavailableError } from '../queue/publisher.ts';

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  BAD_JSON: 400,
  BAD_IMAGE: 400,
  CHECKSUM_MISMATCH: 400,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  IMAGE_NOT_ON_THIS_NODE: 404,
  METHOD_NOT_ALLOWED: 405,
  DUPLICATE: 409,
  FRACTAL_PENDING: 409,
  FRACTAL_FAILED: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  message: string;
}

/** An error whose message is meant for the client. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
  }
  get statusCode(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (uuid: string) => new ApiError('NOT_FOUND', `Fractal ${uuid} not found.`);

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * zod's per-parse error map: the problem worded for people rather than for zod. Messages set in
 * schemas.ts take precedence over it (zod's rule), so those are already worded.
 */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const got = issue.input;
      if (got === undefined) return 'is required';
      const expected = issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
      const shown = typeof got === 'string' ? ` "${got.slice(0, 40)}"` : '';
      return `must be ${expected}, not ${typeName(got)}${shown}`;
    }
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : `must be at most ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      return issue.inclusive === false
        ? `must be greater than ${issue.minimum}`
        : `must be at least ${issue.minimum}`;
    default:
      return undefined;
  }
}

/** All issues as `field: problem; field: problem`. */
export function zodMessage(error: z.core.$ZodError): string {
  return error.issues
    .flatMap((issue) => {
      const path = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${[...path, key].join('.')}: unknown field`);
      }
      return [path.length > 0 ? `${path.join('.')}: ${issue.message}` : issue.message];
    })
    .join('; ');
}

/** Parses or throws a 400 ApiError naming every bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { error: issueMessage });
  if (result.success) return result.data;
  throw new ApiError('BAD_REQUEST', zodMessage(result.error), { cause: result.error });
}

/** Fastify's own errors (body parsing, limits, bad URLs) in our wording. */
function fromFastify(error: FastifyError): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Request must have "Content-Type: application/json" header',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('BODY_TOO_LARGE', 'Request body is too large.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('BAD_JSON', 'Unable to decode data: the body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('BAD_JSON', 'Unable to decode data: the body is not valid JSON.');
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new ApiError('BAD_REQUEST', error.message);
  }
  return undefined;
}

/** Maps any thrown value to a coded ApiError; unknown errors become INTERNAL. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof z.core.$ZodError) return new ApiError('BAD_REQUEST', zodMessage(error));
  if (error instanceof DuplicateFractalError) return new ApiError('DUPLICATE', error.message);
  if (error instanceof DatabaseUnavailableError) {
    return new ApiError('DATABASE_UNAVAILABLE', `The database is unavailable: ${redactText(error.message)}`);
  }
  if (error instanceof QueueUnavailableError) {
    return new ApiError('QUEUE_UNAVAILABLE', queueMessage(error));
  }
  if (error instanceof Error && typeof (error as FastifyError).code === 'string') {
    const mapped = fromFastify(error as FastifyError);
    if (mapped) return mapped;
  }
  return new ApiError('INTERNAL', 'Internal server error');
}

export function queueMessage(error: Error): string {
  const why = redactText(error.message).replace(/\.?\s*$/, '.');
  return `The task queue is unavailable: ${why} Try again later.`;
}

/** Logs server-side failures without leaking URL-embedded passwords (driver messages may carry them). */
export function logFailure(request: FastifyRequest, error: unknown, apiError: ApiError): void {
  if (apiError.statusCode < 500) return;
  const err =
    error instanceof Error
      ? { type: error.name, message: redactText(error.message), stack: redactText(error.stack ?? '') }
      : { message: redactText(String(error)) };
  request.log.error({ err }, `${request.method} ${request.url} failed: ${apiError.message}`);
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  const body: ErrorBody = { message: error.message };
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(body);
}

/** Installs the error and not-found handlers on the root instance (children inherit them). */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error);
    logFailure(request, error, apiError);
    return sendError(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError('ROUTE_NOT_FOUND', `Not found: ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
