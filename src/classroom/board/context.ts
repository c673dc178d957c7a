// What every route plugin of one board shares: the room's name and secrets, the roster, the room's
// cloud (if any), the clock and the log. Passed to each plugin as its options, never kept on the
// fastify instance, so a secret is not one property away from every request.
import type { RoomCloud } from '../room-cloud.ts';
import type { Roster } from './roster.ts';
import type { BoardView } from './state.ts';

export interface BoardContext {
  room: string;
  joinCode: string;
  teacherToken: string;
  roster: Roster;
  roomCloud: RoomCloud | undefined;
  /** The board's clock (ms since the epoch); a test passes its own. */
  now: () => number;
  stuckAfterMs: number;
  /** One line for the teacher's terminal: never a token or a password. */
  log: (line: string) => void;
  /** The class as the board shows it now. */
  view: () => BoardView;
}
