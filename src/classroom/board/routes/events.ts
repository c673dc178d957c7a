// POST /api/events: a student's tutor reports a batch of progress events with its own token. The
// batch is checked whole before any of it is applied (one malformed event refuses them all, so the
// board never holds half a batch), and it changes only the token's own student.
import type { FastifyPluginAsync } from 'fastify';
import { eventsRequest } from '../../protocol.ts';
import { requireStudent } from '../auth.ts';
import type { BoardContext } from '../context.ts';
import { BoardError, describeIssues, parseBody } from '../errors.ts';

export const eventsRoutes: FastifyPluginAsync<BoardContext> = async (app, ctx) => {
  app.post(
    '/api/events',
    // The token first, before the body is read: a stranger learns nothing from the board's parser.
    { onRequest: async (request) => void requireStudent(ctx, request) },
    async (request, reply) => {
      const studentId = requireStudent(ctx, request);
      const parsed = parseBody(eventsRequest, request.body);
      if (!parsed.success)
        throw new BoardError(
          400,
          `The events were refused and none was kept (${describeIssues(parsed.error)}); update the tutor if this keeps happening.`,
        );
      ctx.roster.apply(studentId, parsed.data.events, ctx.now());
      return reply.code(202).send({ accepted: parsed.data.events.length });
    },
  );
};
