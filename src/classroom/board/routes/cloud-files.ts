// GET /api/cloud/clouds.yaml and /api/cloud/openrc: a student downloads the credentials of the project
// the room's cloud made for them at join, with their own token. A room without a shared cloud has none.
import type { FastifyPluginAsync } from 'fastify';
import type { StudentCloud } from '../../room-cloud.ts';
import { requireStudent } from '../auth.ts';
import type { BoardContext } from '../context.ts';
import { BoardError } from '../errors.ts';

const FILES: Record<string, { type: string; body: (cloud: StudentCloud) => string }> = {
  'clouds.yaml': { type: 'application/yaml; charset=utf-8', body: (c) => c.cloudsYaml },
  openrc: { type: 'text/plain; charset=utf-8', body: (c) => c.openrc },
};

export const cloudFileRoutes: FastifyPluginAsync<BoardContext> = async (app, ctx) => {
  for (const [file, { type, body }] of Object.entries(FILES)) {
    app.get(`/api/cloud/${file}`, async (request, reply) => {
      const studentId = requireStudent(ctx, request);
      const cloud = ctx.roster.cloudOf(studentId);
      if (!cloud)
        throw new BoardError(
          404,
          'This room has no shared cloud: run the lesson on your own cloud (--cloud NAME) or on the local cloud.',
        );
      return reply
        .type(type)
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${file}"`)
        .send(body(cloud));
    });
  }
};
