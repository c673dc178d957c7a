// The teacher's view of the class: GET /api/class once, GET /api/class/stream as server-sent events (a
// view on connect, then one per change, from the class feed). Both need the teacher's token; the
// stream also takes it as ?token= because a browser's EventSource cannot send a header.
import type { FastifyPluginAsync } from 'fastify';
import { requireTeacher } from '../auth.ts';
import type { ClassFeed } from '../class-feed.ts';
import type { BoardContext } from '../context.ts';

/** A comment line now and then keeps proxies and browsers from closing a quiet stream. */
const KEEPALIVE_MS = 20_000;

export const classRoutes: FastifyPluginAsync<BoardContext & { feed: ClassFeed }> = async (app, ctx) => {
  const open = new Set<() => void>();
  // Open streams would keep app.close() waiting forever: end them first.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get('/api/class', async (request, reply) => {
    requireTeacher(ctx, request);
    return reply.header('cache-control', 'no-store').send(ctx.view());
  });

  app.get('/api/class/stream', async (request, reply) => {
    requireTeacher(ctx, request, true);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const keepalive = setInterval(() => raw.write(': still here\n\n'), KEEPALIVE_MS);
    // A page that reads slower than the board pushes gets the latest view once it has caught up, not
    // every view in between piling up in memory (each view is the whole class).
    let waiting: string | undefined;
    raw.on('drain', () => {
      const latest = waiting;
      waiting = undefined;
      if (latest !== undefined) raw.write(latest);
    });
    const unsubscribe = ctx.feed.subscribe((view) => {
      const message = `data: ${view}\n\n`;
      if (raw.writableNeedDrain) waiting = message;
      else raw.write(message);
    });
    const end = () => {
      clearInterval(keepalive);
      unsubscribe();
      open.delete(end);
      raw.end();
    };
    open.add(end);
    request.raw.on('close', end);
  });
};
