// The web gallery: `/`, `/index`, `/index/<page>`, five finished fractals per page.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { logFailure, toApiError } from '../errors.ts';
import { errorHtml, GALLERY_PER_PAGE, galleryHtml, missingPageHtml } from '../gallery-page.ts';
import { pageNumber } from '../schemas.ts';

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).type('text/html; charset=utf-8').send(body);

export const galleryRoutes: FastifyPluginAsync<ApiDeps> = async (app, { repo }) => {
  // A person reads these pages, so errors are HTML too (this plugin's scope only).
  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    logFailure(request, error, apiError);
    return html(reply, apiError.statusCode, errorHtml(apiError.message));
  });

  const show = async (requested: string, reply: FastifyReply) => {
    const parsed = pageNumber.safeParse(requested);
    const page = parsed.success ? parsed.data : undefined;
    const { total, items } = await repo.list({ page: page ?? 1, perPage: GALLERY_PER_PAGE, doneOnly: true });
    if (page === undefined || (items.length === 0 && page > 1)) {
      return html(reply, 404, missingPageHtml(requested, total));
    }
    return html(reply, 200, galleryHtml({ page, total, items }));
  };

  app.get('/', (_request, reply) => show('1', reply));
  app.get('/index', (_request, reply) => show('1', reply));
  app.get<{ Params: { page: string } }>('/index/:page', (request, reply) => show(request.params.page, reply));
};
