// The faafo API as a fastify instance: JSON bodies only, one error table, and one plugin per concern.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ApiDeps } from './deps.ts';
import { installErrorHandlers } from './errors.ts';
import { installJsonParser } from './json-body.ts';
import { fractalRoutes } from './routes/fractals.ts';
import { galleryRoutes } from './routes/gallery.ts';
import { healthRoutes } from './routes/health.ts';
import { imageRoutes } from './routes/images.ts';

export type { ApiDeps } from './deps.ts';

/** A worker PUTs a whole PNG as base64 text: a 9999 × 9999 render is tens of MiB, 4/3 of that as text. */
export const BODY_LIMIT = 256 * 1024 * 1024;

export interface BuildApiOptions extends ApiDeps {
  /** fastify's logger option: false (the default here), true, or pino options. */
  logger?: boolean | object;
  /** Largest request body in bytes; BODY_LIMIT unless a test wants a small one. */
  bodyLimit?: number;
}

export function buildApi(deps: BuildApiOptions): FastifyInstance {
  const { logger = false, bodyLimit = BODY_LIMIT, ...plugins } = deps;
  const app = Fastify({
    logger: logger as FastifyServerOptions['logger'],
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
  });
  installJsonParser(app);
  installErrorHandlers(app);
  app.register(healthRoutes, plugins);
  app.register(fractalRoutes, plugins);
  app.register(imageRoutes, plugins);
  app.register(galleryRoutes, plugins);
  return app;
}
