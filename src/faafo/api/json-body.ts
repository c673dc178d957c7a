// Request bodies are JSON and only JSON, as in the original (Flask-Restless answered 415 otherwise).
// Our own parser keeps the reason a body does not decode, which fastify's default parser drops.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function installJsonParser(app: FastifyInstance): void {
  // Without this, fastify would accept text/plain bodies and hand the handlers a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(new ApiError('BAD_JSON', 'Unable to decode data: the body is empty.'), undefined);
      return;
    }
    try {
      // JSON.parse never touches prototypes ("__proto__" becomes an own key, which the strict
      // schemas then reject as an unknown field).
      done(null, JSON.parse(text));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      done(new ApiError('BAD_JSON', `Unable to decode data: ${why.slice(0, 200)}`), undefined);
    }
  });
}

/** onRequest hook for POST/PUT: refuse before reading the body, even when there is none. */
export async function requireJson(request: FastifyRequest): Promise<void> {
  const type = request.headers['content-type'] ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Request must have "Content-Type: application/json" header');
  }
}
