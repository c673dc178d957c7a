// POST /api/join: a student with the room's code and a name free in the room gets a token (and, when
// the room has a shared cloud, a project of their own on it). The name is held while the room's cloud
// works, so two students typing the same name at once cannot both get it.
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { redactText } from '../../../shared/redact.ts';
import { type JoinReply, joinRequest } from '../../protocol.ts';
import { RoomFullError, type StudentCloud } from '../../room-cloud.ts';
import { newToken, sameSecret, studentToken } from '../codes.ts';
import type { BoardContext } from '../context.ts';
import { BoardError, describeIssues, parseBody } from '../errors.ts';
import { WrongCodeLimit } from '../wrong-code-limit.ts';

/** A short id, free on this board, with no dot (the token's separator). */
function newStudentId(ctx: BoardContext): string {
  for (;;) {
    const id = `st-${randomBytes(4).toString('hex')}`;
    if (!ctx.roster.has(id)) return id;
  }
}

export const joinRoutes: FastifyPluginAsync<BoardContext & { refreshHeadroom: () => Promise<void> }> = async (
  app,
  ctx,
) => {
  const wrongCodes = new WrongCodeLimit();
  app.post('/api/join', async (request, reply) => {
    if (wrongCodes.blocked(request.ip, ctx.now()))
      throw new BoardError(
        429,
        'Too many wrong join codes from this address in the last minute: wait a minute, then type the code the board shows.',
      );
    const parsed = parseBody(joinRequest, request.body);
    if (!parsed.success)
      throw new BoardError(
        400,
        `The join request was not understood (${describeIssues(parsed.error)}); join with \`npx faafo-tutor --join URL CODE --name "Your Name"\`.`,
      );
    const { code, name } = parsed.data;
    if (!sameSecret(code, ctx.joinCode)) {
      wrongCodes.count(request.ip, ctx.now());
      throw new BoardError(403, "That is not this room's join code: check the code on the teacher's board.");
    }
    if (!ctx.roster.reserveName(name))
      throw new BoardError(
        409,
        `Someone in this room already joined as "${name}": join with another --name (an initial helps: "${name} B.").`,
      );

    const id = newStudentId(ctx);
    let cloud: StudentCloud | undefined;
    try {
      cloud = ctx.roomCloud ? await ctx.roomCloud.admit({ id, name }) : undefined;
    } catch (error) {
      ctx.roster.releaseName(name);
      if (error instanceof RoomFullError) throw new BoardError(503, error.message);
      ctx.log(`the room's cloud could not admit ${name}: ${redactText(String(error))}`);
      throw new BoardError(
        503,
        "The room's cloud could not make a project for you; tell the teacher (their terminal says why) and join again.",
      );
    }
    const secret = newToken();
    ctx.roster.add({ id, name, secret, cloud }, ctx.now());
    ctx.log(`${name} joined (${ctx.roster.size} in the room)`);
    if (ctx.roomCloud) void ctx.refreshHeadroom();
    const body: JoinReply = {
      studentId: id,
      token: studentToken(id, secret),
      room: ctx.room,
      sharedCloud: cloud !== undefined,
    };
    return reply.code(201).send(body);
  });
};
