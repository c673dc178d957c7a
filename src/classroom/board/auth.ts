// Who may do what on the board: the teacher's token opens the class view and its stream, a student's
// token reports for that student only. Both checks refuse with 401 and a sentence saying which link or
// command gives the right token; the token itself is never echoed.
import type { FastifyRequest } from 'fastify';
import { bearerToken, sameSecret } from './codes.ts';
import type { BoardContext } from './context.ts';
import { BoardError } from './errors.ts';

/** The stream is opened by EventSource, which cannot send headers: it may carry the token as ?token=. */
function queryToken(request: FastifyRequest): string | undefined {
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/** Refuses anyone but the teacher (Bearer header, or ?token= where `allowQuery`). */
export function requireTeacher(ctx: BoardContext, request: FastifyRequest, allowQuery = false): void {
  const token = bearerToken(request.headers.authorization) ?? (allowQuery ? queryToken(request) : undefined);
  if (token === undefined || !sameSecret(token, ctx.teacherToken))
    throw new BoardError(
      401,
      token === undefined
        ? "The class view needs the teacher's token: open the board with the link `faafo-tutor classroom serve` printed (it ends in #token=…)."
        : "That is not this board's teacher token: open the board with the link `faafo-tutor classroom serve` printed this time.",
    );
}

/** The student whose token the request carries; refuses an unknown or stale one. */
export function requireStudent(ctx: BoardContext, request: FastifyRequest): string {
  const token = bearerToken(request.headers.authorization);
  const studentId = ctx.roster.studentOf(token);
  if (studentId === undefined)
    throw new BoardError(
      401,
      token === undefined
        ? 'This needs the token the board gave when you joined (Authorization: Bearer …): join first with `npx faafo-tutor --join URL CODE --name NAME`.'
        : 'The board does not know this token (it may have restarted): join again with `npx faafo-tutor --join URL CODE --name NAME`.',
    );
  return studentId;
}
