// A student joins the teacher's board: the name and code are checked here first (the protocol's own
// schemas, so a typo is said before anything is sent), then POST /api/join. Every way it can go
// wrong is one line the student can act on — a board that does not answer, a wrong code, a name
// already taken, the board's own refusal, an address that is not a board. When the room has a
// shared cloud, fetchStudentCloud downloads the student's own clouds.yaml and openrc with the token.

import { UserError } from '../../shared/user-error.ts';
import { type JoinReply, joinReply, joinRequest } from '../protocol.ts';
import { type BoardAddress, boardAddress, unreachableReason } from './board-address.ts';

/** A board on a classroom's network answers at once; longer means it is not there. */
export const JOIN_TIMEOUT_MS = 5_000;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function ask(board: BoardAddress, path: string, init: RequestInit, timeoutMs: number): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(board.route(path), { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UserError(
      `The board at ${board.shown} does not answer (${unreachableReason(error, timeoutMs)}). Check the address the teacher showed.`,
      { cause: error },
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new UserError(
      `The board at ${board.shown} stopped answering mid-reply (${unreachableReason(error, timeoutMs)}); try again.`,
      { cause: error },
    );
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
}

/** The board's own `{ error }` sentence, or undefined when the body is not one. */
function boardError(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(answer.text) as { error?: unknown };
    return typeof body.error === 'string' && body.error.trim()
      ? body.error.trim().replace(/\s+/g, ' ')
      : undefined;
  } catch {
    return undefined;
  }
}

function notABoard(board: BoardAddress, answer: Answer): UserError {
  const what = answer.contentType
    ? `HTTP ${answer.status}, ${answer.contentType.split(';')[0]}`
    : `HTTP ${answer.status}`;
  return new UserError(
    `${board.shown} answered, but not as a classroom board (${what}). Check the address the teacher showed.`,
  );
}

/** Joins the board at `url` with the join code and the student's name; the board's reply, checked. */
export async function joinBoard(
  url: string,
  code: string,
  name: string,
  options: { timeoutMs?: number } = {},
): Promise<JoinReply> {
  const board = boardAddress(url);
  const request = joinRequest.safeParse({ code, name });
  if (!request.success)
    throw new UserError(request.error.issues[0]?.message ?? 'The join code or name is not valid.');
  const answer = await ask(
    board,
    'api/join',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request.data),
    },
    options.timeoutMs ?? JOIN_TIMEOUT_MS,
  );
  const said = boardError(answer);
  if (answer.status === 403)
    throw new UserError(
      `The board at ${board.shown} does not know the code ${request.data.code}; check the code the teacher showed.`,
    );
  if (answer.status === 409)
    throw new UserError(
      `Someone in this room is already called '${request.data.name}'; join with another --name (add an initial).`,
    );
  if ((answer.status === 400 || answer.status === 503) && said)
    throw new UserError(`The board at ${board.shown} refused to let you join: ${said}`);
  if (answer.status !== 201 && answer.status !== 200) {
    if (said) throw new UserError(`The board at ${board.shown} answered HTTP ${answer.status}: ${said}`);
    throw notABoard(board, answer);
  }
  let reply: ReturnType<typeof joinReply.safeParse>;
  try {
    reply = joinReply.safeParse(JSON.parse(answer.text));
  } catch {
    throw notABoard(board, answer);
  }
  if (!reply.success) throw notABoard(board, answer);
  return reply.data;
}

/** What a student of a shared-cloud room downloads: their own cloud's credentials, two ways. */
export interface StudentCloudFiles {
  cloudsYaml: string;
  openrc: string;
}

/** GET /api/cloud/clouds.yaml and /api/cloud/openrc with the student's token. */
export async function fetchStudentCloud(
  url: string,
  token: string,
  options: { timeoutMs?: number } = {},
): Promise<StudentCloudFiles> {
  const board = boardAddress(url);
  const timeoutMs = options.timeoutMs ?? JOIN_TIMEOUT_MS * 2;
  const file = async (name: 'clouds.yaml' | 'openrc') => {
    const answer = await ask(
      board,
      `api/cloud/${name}`,
      { headers: { authorization: `Bearer ${token}` } },
      timeoutMs,
    );
    if (answer.status === 401)
      throw new UserError(`The board at ${board.shown} no longer knows this student's token; join again.`);
    if (answer.status === 404)
      throw new UserError(
        `The board at ${board.shown} has no shared cloud for this room; run the lesson on your own cloud.`,
      );
    if (answer.status !== 200) {
      const said = boardError(answer);
      if (said) throw new UserError(`The board at ${board.shown} could not give your ${name}: ${said}`);
      throw notABoard(board, answer);
    }
    return answer.text;
  };
  const cloudsYaml = await file('clouds.yaml');
  if (!/^\s*clouds\s*:/m.test(cloudsYaml))
    throw new UserError(
      `The board at ${board.shown} sent a clouds.yaml without a 'clouds:' section; tell the teacher.`,
    );
  const openrc = await file('openrc');
  return { cloudsYaml, openrc };
}
