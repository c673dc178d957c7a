// /v1/fractal: the REST resource of the original (Flask-Restless), with its wrong turns fixed:
// a task is only acknowledged once the queue confirmed it, a failed publish leaves no orphan row,
// errors are JSON with a message, and an image is checked before it is stored.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { FractalResult, Task } from '../../model.ts';
import { QueueUnavailableError } from '../../queue/publisher.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, notFound, parseOr400, queueMessage } from '../errors.ts';
import { requireJson } from '../json-body.ts';
import { createBodySchema, ListQuerySchema, UpdateBodySchema } from '../schemas.ts';
import { lookupUuid } from '../uuid.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Standard or URL-safe alphabet; line breaks allowed (Python's base64.encodestring wraps lines).
const BASE64 = /^[A-Za-z0-9+/_\-\r\n]*={0,2}\s*$/;

export const COLLECTION = '/v1/fractal';

/** Decodes the worker's base64 text and checks that it is a PNG; 400 otherwise. */
export function decodePng(text: string): Buffer {
  if (!BASE64.test(text)) throw new ApiError('BAD_IMAGE', 'image: must be base64 text of a PNG file.');
  const png = Buffer.from(text, 'base64');
  if (png.length <= PNG_SIGNATURE.length || !png.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw new ApiError('BAD_IMAGE', 'image: is not a PNG file (wrong signature).');
  }
  return png;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Flask-Restless's Link header: `next` while there is a next page, always `last`. */
export function linkHeader(base: string, page: number, totalPages: number, perPage: number): string {
  const link = (p: number, rel: string) => `<${base}?page=${p}&results_per_page=${perPage}>; rel="${rel}"`;
  const last = link(Math.max(totalPages, 1), 'last');
  return page < totalPages ? `${link(page + 1, 'next')}, ${last}` : last;
}

type UuidRoute = { Params: { uuid: string } };

function uuidOf(text: string): string {
  const uuid = lookupUuid(text);
  if (uuid === undefined) throw notFound(text);
  return uuid;
}

export const fractalRoutes: FastifyPluginAsync<ApiDeps> = async (
  app,
  { config, repo, images, publisher },
) => {
  const createBody = createBodySchema(config);

  app.get(COLLECTION, async (request, reply) => {
    const query = parseOr400(ListQuerySchema, request.query);
    const perPage = query.results_per_page;
    const { total, items } = await repo.list({ page: query.page, perPage });
    const totalPages = Math.ceil(total / perPage);
    reply.header(
      'link',
      linkHeader(`${request.protocol}://${request.host}${COLLECTION}`, query.page, totalPages, perPage),
    );
    return { num_results: total, objects: items, page: query.page, total_pages: totalPages };
  });

  app.post(COLLECTION, { onRequest: requireJson }, async (request, reply) => {
    const body = parseOr400(createBody, request.body);
    const record = await repo.create(body);
    const task: Task = {
      uuid: record.uuid,
      width: record.width,
      height: record.height,
      iterations: record.iterations,
      xa: record.xa,
      xb: record.xb,
      ya: record.ya,
      yb: record.yb,
    };
    try {
      await publisher.publish(task);
    } catch (error) {
      // No worker will ever see this fractal: take the row back so no pending orphan remains.
      await repo.delete(record.uuid).catch((cleanup: unknown) => {
        request.log.error(
          { uuid: record.uuid, cleanup: String(cleanup) },
          'could not delete unpublished fractal',
        );
      });
      if (error instanceof QueueUnavailableError)
        throw new ApiError('QUEUE_UNAVAILABLE', queueMessage(error));
      throw error;
    }
    return reply.code(201).header('location', `${COLLECTION}/${record.uuid}`).send(record);
  });

  app.get<UuidRoute>(`${COLLECTION}/:uuid`, async (request) => {
    const uuid = uuidOf(request.params.uuid);
    const record = await repo.get(uuid);
    if (!record) throw notFound(uuid);
    return record;
  });

  app.put<UuidRoute>(`${COLLECTION}/:uuid`, { onRequest: requireJson }, async (request) => {
    const uuid = uuidOf(request.params.uuid);
    const { uuid: bodyUuid, image, ...fields } = parseOr400(UpdateBodySchema, request.body);
    if (bodyUuid !== undefined && bodyUuid !== uuid) {
      throw new ApiError('BAD_REQUEST', `uuid: ${bodyUuid} does not match the fractal in the URL (${uuid}).`);
    }
    if (!(await repo.get(uuid))) throw notFound(uuid);

    const result: FractalResult = fields;
    if (image !== undefined) {
      const png = decodePng(image);
      const sum = sha256(png);
      if (fields.checksum != null && fields.checksum.toLowerCase() !== sum) {
        throw new ApiError(
          'CHECKSUM_MISMATCH',
          `checksum: ${fields.checksum} is not the sha256 of the image (${sum}).`,
        );
      }
      if (fields.size != null && fields.size !== png.length) {
        throw new ApiError(
          'BAD_REQUEST',
          `size: ${fields.size} is not the image's length (${png.length} bytes).`,
        );
      }
      result.checksum = sum;
      result.size = png.length;
      // Stored first: a row marked done must always have its image.
      await images.put(uuid, png);
    }
    const updated = await repo.update(uuid, result);
    if (!updated) {
      // Deleted while we were storing its image.
      if (image !== undefined) await images.delete(uuid).catch(() => undefined);
      throw notFound(uuid);
    }
    return updated;
  });

  app.delete<UuidRoute>(`${COLLECTION}/:uuid`, async (request, reply) => {
    const uuid = uuidOf(request.params.uuid);
    if (!(await repo.delete(uuid))) throw notFound(uuid);
    // The database store's image went with the row; a disk store keeps its own file.
    await images.delete(uuid).catch((error: unknown) => {
      request.log.warn({ uuid, error: String(error) }, 'could not delete the image of a deleted fractal');
    });
    return reply.code(204).send();
  });

  // As in the original (Flask-Restless without PATCH): partial updates go through PUT.
  app.patch(`${COLLECTION}/:uuid`, async (_request, reply) => {
    reply.header('allow', 'GET, HEAD, PUT, DELETE');
    throw new ApiError('METHOD_NOT_ALLOWED', 'Method PATCH is not allowed: use PUT for partial updates.');
  });
};
