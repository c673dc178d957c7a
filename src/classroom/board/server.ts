// The teacher's board as a fastify app: students join with the room's code and report their progress,
// the teacher's page reads the class and follows it live. One plugin per concern under routes/; the
// state lives in one Roster; secrets are made here (codes.ts) and handed to the plugins, never put on
// the instance. `faafo-tutor classroom serve` (../cli.ts) listens; tests use it through inject() or a
// real port.
import Fastify, { type FastifyInstance } from 'fastify';
import { redactText } from '../../shared/redact.ts';
import type { RoomCloud } from '../room-cloud.ts';
import { ClassFeed } from './class-feed.ts';
import { newJoinCode, newToken } from './codes.ts';
import type { BoardContext } from './context.ts';
import { installErrorHandlers } from './errors.ts';
import { Roster } from './roster.ts';
import { classRoutes } from './routes/class.ts';
import { cloudFileRoutes } from './routes/cloud-files.ts';
import { eventsRoutes } from './routes/events.ts';
import { joinRoutes } from './routes/join.ts';
import { pageRoutes } from './routes/page.ts';
import type { SavedBoard } from './saved-board.ts';
import { boardView, DEFAULT_STUCK_AFTER_MS } from './state.ts';

/** The largest request: a batch of events is a few KB; nothing a tutor sends needs more. */
export const BOARD_BODY_LIMIT = 64 * 1024;
/** A burst of events is saved once, this long after its first change. */
const SAVE_AFTER_MS = 250;
/** How often the room cloud's headroom is asked again, besides after each join. */
const HEADROOM_EVERY_MS = 30_000;

export interface BoardOptions {
  /** The room's name, shown on the board and to each student who joins. */
  room: string;
  /** The cloud that gives each student a project (--shared-cloud, --cloud NAME); none: students bring their own. */
  roomCloud?: RoomCloud;
  /** A student this long on one chapter is shown as stuck. */
  stuckAfterMs?: number;
  /** The board's clock; a test passes its own. */
  now?: () => number;
  /** Lines for the teacher's terminal (never a token); default: none. */
  log?: (line: string) => void;
  /** The join code and teacher token; default: new random ones. */
  joinCode?: string;
  teacherToken?: string;
  /** A board saved earlier (--resume): its code, teacher token and students, taken up again. */
  saved?: SavedBoard;
  /** Keeps the board for a --resume: called a moment after changes, and on close. */
  save?: (board: SavedBoard) => void;
}

export interface Board {
  app: FastifyInstance;
  /** What students type to join. */
  joinCode: string;
  /** What the teacher's board link carries after #token=. */
  teacherToken: string;
}

export function createBoard(options: BoardOptions): Board {
  const {
    room,
    roomCloud,
    stuckAfterMs = DEFAULT_STUCK_AFTER_MS,
    now = Date.now,
    log = () => {},
    saved,
    save,
  } = options;
  const joinCode = options.joinCode ?? saved?.joinCode ?? newJoinCode();
  const teacherToken = options.teacherToken ?? saved?.teacherToken ?? newToken();
  const roster = new Roster(saved?.students);
  const view = () =>
    boardView({ room, joinCode, headroom: roster.headroom }, roster.students(), now(), stuckAfterMs);
  const ctx: BoardContext = { room, joinCode, teacherToken, roster, roomCloud, now, stuckAfterMs, log, view };
  const feed = new ClassFeed({ view, roster, now, stuckAfterMs });

  const refreshHeadroom = async () => {
    if (!roomCloud) return;
    try {
      roster.headroom = await roomCloud.headroom();
    } catch (error) {
      log(`the room's cloud could not say its headroom: ${redactText(String(error))}`);
    }
  };

  // No request logging: the stream's URL carries the teacher's token.
  const app = Fastify({ logger: false, bodyLimit: BOARD_BODY_LIMIT });
  // JSON only: a text/plain body would reach the handlers as a string.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app, { bodyLimit: BOARD_BODY_LIMIT, log });
  app.register(joinRoutes, { ...ctx, refreshHeadroom });
  app.register(eventsRoutes, ctx);
  app.register(classRoutes, { ...ctx, feed });
  app.register(cloudFileRoutes, ctx);
  app.register(pageRoutes);

  let headroomTimer: NodeJS.Timeout | undefined;
  if (roomCloud) {
    app.addHook('onReady', async () => {
      await refreshHeadroom();
      headroomTimer = setInterval(() => void refreshHeadroom(), HEADROOM_EVERY_MS);
      headroomTimer.unref();
    });
  }
  let saveTimer: NodeJS.Timeout | undefined;
  // Only the students are saved: a change of headroom or of the clock (who is stuck) is not one, so a
  // new room nobody joined yet never overwrites the board saved before it.
  let savedStudents = JSON.stringify(saved?.students ?? []);
  const saveNow = () => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    const students = roster.snapshot();
    const text = JSON.stringify(students);
    if (text === savedStudents) return;
    savedStudents = text;
    save?.({ version: 1, room, joinCode, teacherToken, savedAt: now(), students });
  };
  const stopSaving = save
    ? roster.onChange(() => {
        saveTimer ??= setTimeout(saveNow, SAVE_AFTER_MS).unref();
      })
    : () => {};
  app.addHook('onClose', async () => {
    clearInterval(headroomTimer);
    feed.close();
    stopSaving();
    if (saveTimer) saveNow();
  });
  return { app, joinCode, teacherToken };
}
