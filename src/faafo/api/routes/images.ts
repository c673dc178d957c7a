// GET /fractal/<uuid>: the rendered PNG. Where the original crashed (500 on a pending fractal)
// we say why there is no image yet; with the disk store on several API nodes we reproduce the
// guide's IOError story as a clear 404 instead of a traceback.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { ApiError, notFound } from '../errors.ts';
import { lookupUuid } from '../uuid.ts';

export const imageRoutes: FastifyPluginAsync<ApiDeps> = async (app, { config, repo, images }) => {
  app.get<{ Params: { uuid: string } }>('/fractal/:uuid', async (request, reply) => {
    const uuid = lookupUuid(request.params.uuid);
    if (uuid === undefined) throw notFound(request.params.uuid);
    const fractal = await repo.get(uuid);
    if (!fractal) throw notFound(uuid);
    if (fractal.state === 'pending') {
      throw new ApiError(
        'FRACTAL_PENDING',
        `Fractal ${uuid} is still pending: no worker has rendered it yet.`,
      );
    }
    if (fractal.state === 'failed') {
      throw new ApiError('FRACTAL_FAILED', `Fractal ${uuid} failed, so it has no image: ${fractal.failure}`);
    }
    const png = await images.get(uuid);
    if (!png) {
      throw new ApiError(
        'IMAGE_NOT_ON_THIS_NODE',
        images.kind === 'disk'
          ? `IOError: [Errno 2] No such file or directory: the image of fractal ${uuid} is not stored on this API node (${config.imageDir}).`
          : `IOError: [Errno 2] No such file or directory: the image of fractal ${uuid} is missing from the ${images.kind} image store.`,
      );
    }
    // The image of a fractal never changes once rendered: caches may keep it for good.
    if (fractal.checksum) reply.header('etag', `"${fractal.checksum}"`);
    return reply
      .type('image/png')
      .header('content-length', png.length)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(png);
  });
};
