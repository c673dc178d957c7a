// `faafo-tutor classroom …`: the teacher's side of a workshop. `classroom serve` starts the board
// (board/server.ts) on loopback unless --listen says otherwise, and prints the room, its join code,
// the teacher's board link (with the teacher's token after #, which browsers never send) and the one
// command students type. Ctrl-C or SIGTERM stops it. A room's own cloud (--shared-cloud, --cloud NAME)
// plugs in through `openRoomCloud`, so the command itself stays the same with or without one.
// The roster is kept in the data directory as it changes; `--resume` takes it up again after a
// restart (board/saved-board.ts).
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { dataDir } from '../faafo/config.ts';
import { UserError } from '../shared/user-error.ts';
import { readSavedBoard, type SavedBoard, savedBoardFile, writeSavedBoard } from './board/saved-board.ts';
import { createBoard } from './board/server.ts';
import type { RoomCloud } from './room-cloud.ts';

export interface ClassroomIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The board's port when nothing else holds it, so the teacher's link is the same from one workshop to the next. */
export const PREFERRED_PORT = 8790;

export interface ServeFlags {
  listen?: { host: string; port: number };
  room: string;
  stuckAfter: number;
  /** Take up the board this room saved (same code, link and students) instead of a new room. */
  resume?: boolean;
  /** Options other parts add to `serve` (e.g. --shared-cloud, --cloud NAME), as commander parsed them. */
  [option: string]: unknown;
}

/** A room's cloud as `serve` uses it: the seam, a line saying what it is, and how to stop it with the board. */
export interface RoomCloudHandle {
  cloud: RoomCloud;
  /** Printed on start, e.g. "shared local cloud, room for 5 students". */
  description: string;
  stop(): Promise<void>;
}

/**
 * The hook for a room's cloud: given the serve command's flags, opens the room's cloud, or returns
 * undefined when the flags ask for none (students bring their own cloud).
 */
export type OpenRoomCloud = (flags: ServeFlags) => Promise<RoomCloudHandle | undefined>;

export interface ClassroomHooks {
  openRoomCloud?: OpenRoomCloud;
  /** Adds options to `serve` (the ones openRoomCloud reads). */
  serveOptions?: (serve: Command) => void;
}

/** `HOST:PORT`, `PORT` or `[v6]:PORT`. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535)
    throw new InvalidArgumentError('It must be HOST:PORT (e.g. 127.0.0.1:8790, 0.0.0.0:8790) or a port.');
  return { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

function parseMinutes(value: string): number {
  const minutes = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || minutes <= 0)
    throw new InvalidArgumentError('It must be a number of minutes above 0 (e.g. 10).');
  return minutes;
}

/** Only 127.0.0.0/8 and ::1 keep the board on this machine. */
export function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost';
}

/** Whether a port can be bound on the host right now. */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** The address students type: the host itself, or this machine's first outside address for 0.0.0.0 / ::. */
function addressForOthers(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host.includes(':') ? `[${host}]` : host;
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  return outside?.address ?? host;
}

/** Stops the board (and the room's cloud) on SIGTERM/SIGINT/SIGHUP; a second signal exits at once. */
function stopOnSignals(stop: () => Promise<void>, io: ClassroomIo): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr.write(`faafo-tutor classroom: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    io.stdout.write(`${signal}: the board stops.\n`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        io.stderr.write(`faafo-tutor classroom: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);
}

/** What `serve` says about a board saved earlier: taken up again, or replaced by this new room. */
function savedLine(room: string, file: string, resumed: boolean, students: number, savedAt: number): string {
  const who = `${students} student${students === 1 ? '' : 's'}`;
  const when = new Date(savedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  return resumed
    ? `  Resumed:          the board saved at ${when} with ${who}: the same code, link and tokens.`
    : `  Saved earlier:    a board of room "${room}" (${who}, ${when}) is replaced by this new room as students join;\n                    to take it up again, stop now and start with --resume (it is in ${file}).`;
}

export async function serveBoard(
  flags: ServeFlags,
  io: ClassroomIo,
  hooks: ClassroomHooks = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const explicit = flags.listen !== undefined;
  const host = flags.listen?.host ?? '127.0.0.1';
  const port = flags.listen?.port ?? ((await portFree(host, PREFERRED_PORT)) ? PREFERRED_PORT : 0);
  const savedFile = savedBoardFile(dataDir(env), flags.room);
  // Read before anything starts: with --resume a damaged file is one line and nothing was opened;
  // without it, a new room does not need the old one, which it replaces.
  let earlier: SavedBoard | undefined;
  try {
    earlier = readSavedBoard(savedFile);
  } catch (error) {
    if (flags.resume) throw error;
  }
  const saved = flags.resume ? earlier : undefined;
  const handle = await hooks.openRoomCloud?.(flags);
  const log = (line: string) => io.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let saveFailed = false;
  const board = createBoard({
    room: flags.room,
    ...(handle ? { roomCloud: handle.cloud } : {}),
    stuckAfterMs: flags.stuckAfter * 60_000,
    log,
    ...(saved ? { saved } : {}),
    save: (snapshot) => {
      try {
        writeSavedBoard(savedFile, snapshot);
        saveFailed = false;
      } catch (error) {
        // Said once per run of failures: the board goes on, only a later --resume would miss the latest.
        if (!saveFailed) {
          const code = (error as NodeJS.ErrnoException).code ?? String(error);
          log(
            `the board could not be saved in ${savedFile} (${code}); it goes on, but --resume would not find the latest.`,
          );
        }
        saveFailed = true;
      }
    },
  });
  let address: string;
  try {
    address = await board.app.listen({ host, port });
  } catch (error) {
    await handle?.stop();
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'EADDRINUSE'
        ? `Port ${port} on ${host} is taken: choose another with --listen ${host}:PORT.`
        : `The board could not listen on ${host}:${port} (${code ?? String(error)}): check the --listen address.`,
    );
  }
  const bound = new URL(address).port;
  const base = `http://${addressForOthers(host)}:${bound}`;
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`faafo-tutor classroom: the board of room "${flags.room}" is up.`);
  out(`  Join code:        ${board.joinCode}`);
  out(`  Teacher's board:  ${base}/#token=${board.teacherToken}`);
  out('                    (keep this link to yourself: it opens the class view)');
  out(`  Students run:     npx faafo-tutor --join ${base} ${board.joinCode} --name "Your Name"`);
  if (earlier)
    out(savedLine(flags.room, savedFile, saved !== undefined, earlier.students.length, earlier.savedAt));
  else if (flags.resume)
    out(`  Resumed:          nothing was saved for room "${flags.room}": this is a new room.`);
  if (handle) {
    out(`  Room's cloud:     ${handle.description}`);
    // Students already admitted (a board started again) take their places: say what is left.
    const free = await handle.cloud.headroom().then(
      (n) => n,
      () => undefined,
    );
    out(
      free === undefined
        ? "  Headroom:         the room's cloud did not answer; the board shows it when it does."
        : free === null
          ? "  Headroom:         not counted on this cloud: its own capacity and each student's quotas decide."
          : `  Headroom:         ${free} more student${free === 1 ? '' : 's'} fit; the board refuses any beyond.`,
    );
  }
  if (isLoopback(host))
    out(
      `  It listens on ${host} only, so students on other machines cannot reach it: start it with --listen 0.0.0.0:${bound} for a room.`,
    );
  else if (explicit)
    out(
      `  It listens on ${host}:${bound}, beyond this machine (--listen): anyone on the network reaches the board; only the code lets them join.`,
    );
  out('  Ctrl-C stops the board.');
  stopOnSignals(async () => {
    await board.app.close();
    await handle?.stop();
  }, io);
}

/** The `classroom` command with its subcommands, for the faafo-tutor program. */
export function classroomCommand(io: ClassroomIo, hooks: ClassroomHooks = {}): Command {
  const classroom = new Command('classroom').description(
    "a workshop: the teacher's board, which students join with a code",
  );
  const serve = classroom
    .command('serve')
    .description("start the teacher's board; print the join code, the board's link and the students' command")
    .addOption(
      new Option(
        '--listen <host:port>',
        `where the board listens (default: 127.0.0.1 on port ${PREFERRED_PORT}, or a free one); 0.0.0.0:PORT lets a room reach it`,
      ).argParser(parseListen),
    )
    .option('--room <name>', 'the room, as the board and the students see it', 'workshop')
    .option(
      '--resume',
      'take up the board this room saved when it last ran (the same code, link and students) instead of a new room',
    )
    .addOption(
      new Option('--stuck-after <minutes>', 'show a student as stuck after this long on one chapter')
        .argParser(parseMinutes)
        .default(10),
    );
  hooks.serveOptions?.(serve);
  serve.action(async (flags: ServeFlags) => serveBoard(flags, io, hooks));
  return classroom;
}
