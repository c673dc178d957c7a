// Every refusal the board answers with: `{ "error": "<what happened and what to do>" }` and a status,
// from one handler that also words fastify's own errors (a body too large, JSON that does not parse).
// Nothing else reaches a client — no stack, no token — and unexpected failures are logged redacted.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { redactText } from '../../shared/redact.ts';

/** A refusal whose message is meant for the person (or tutor) that asked. */
export class BoardError extends Error {
  override name = 'BoardError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a request body; a field that is not there is said to be missing rather than "undefined". */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.ZodSafeParseResult<z.output<S>> {
  return schema.safeParse(body, { error: (issue) => (issue.input === undefined ? 'is missing' : undefined) });
}

/** The first few problems zod found, as `where: what` (a path of the body, then zod's words). */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.map(String).join('.');
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/** fastify's refusals (before our handlers ran) in our words. */
function fromFastify(error: FastifyError, bodyLimit: number): BoardError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BoardError(
        413,
        `The request body is larger than ${Math.round(bodyLimit / 1024)} KB; send the events in smaller batches.`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BoardError(
        415,
        'The board reads JSON only: send the body with "Content-Type: application/json".',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BoardError(400, 'The request body is empty; send a JSON object as the protocol says.');
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return new BoardError(
      400,
      'The request body is not valid JSON; send a JSON object as the protocol says.',
    );
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500)
    return new BoardError(status, `The board could not read the request (${redactText(error.message)}).`);
  return undefined;
}

export function sendError(reply: FastifyReply, error: BoardError): FastifyReply {
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send({ error: error.message });
}

/** The error and not-found handlers of the board (every plugin inherits them). */
export function installErrorHandlers(
  app: FastifyInstance,
  { bodyLimit, log }: { bodyLimit: number; log: (line: string) => void },
): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof BoardError) return sendError(reply, error);
    const known = fromFastify(error as FastifyError, bodyLimit);
    if (known) return sendError(reply, known);
    // A bug of ours: the teacher's terminal gets a redacted line (the URL without its query, which can
    // hold the teacher's token), the client a sentence.
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log(`${request.method} ${request.url.split('?')[0]} failed: ${redactText(why)}`);
    return sendError(
      reply,
      new BoardError(500, "The board failed on this request; the teacher's terminal shows why. Try again."),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new BoardError(
        404,
        `The board has no ${request.method} ${request.url.split('?')[0]}; the student's command is \`npx faafo-tutor --join URL CODE --name NAME\`.`,
      ),
    ),
  );
}
