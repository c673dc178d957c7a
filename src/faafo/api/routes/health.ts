// GET /healthz: for load balancers (the guide's LBaaS health monitor) and for `faafo-tutor` checks.
// Healthy means this node can reach its database; the queue is checked on each POST instead.
import type { FastifyPluginAsync } from 'fastify';
import { redactText } from '../../../shared/redact.ts';
import type { ApiDeps } from '../deps.ts';

export const healthRoutes: FastifyPluginAsync<ApiDeps> = async (app, { repo }) => {
  app.get('/healthz', async (request, reply) => {
    try {
      await repo.ping();
      return { status: 'ok' };
    } catch (error) {
      const why = redactText(error instanceof Error ? error.message : String(error));
      request.log.warn(`health check failed: ${why}`);
      return reply.code(503).send({ status: 'unavailable', message: `The database is unavailable: ${why}` });
    }
  });
};
