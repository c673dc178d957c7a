// `faafo-tutor --join URL CODE --name NAME`: the tutor in a teacher's classroom. Joins the board
// (one line when it cannot), says once what the board will see, and hands back what the lesson needs:
// the events' tap (each TutorEvent mapped to progress and queued for the board — the lesson never
// waits for it), where trouble lines go (the plain output, or the Ink app's notes), and, when the
// room gives each student a cloud, that cloud: its clouds.yaml and openrc downloaded into the data
// dir (0600) and the lesson pointed at it (OS_CLIENT_CONFIG_FILE and its name, as --cloud NAME).
import { join } from 'node:path';
import { boardAddress } from '../src/classroom/client/board-address.ts';
import { fetchStudentCloud, joinBoard } from '../src/classroom/client/join.ts';
import { createReporter } from '../src/classroom/client/reporter.ts';
import {
  cloudOutOfReach,
  joinedLines,
  saveStudentCloud,
  studentCloudSentence,
} from '../src/classroom/client/student-cloud.ts';
import { dataDir } from '../src/faafo/config.ts';
import { UserError } from '../src/shared/user-error.ts';
import { progressOf } from './engine/classroom-report.ts';
import type { TutorEvent } from './engine/events.ts';

export interface JoinFlags {
  url: string;
  code: string;
  name: string;
}

/** How long the end of a lesson waits for the board to take the last events. */
export const CLOSE_TIMEOUT_MS = 3_000;

export interface ClassroomSession {
  /** What the tutor says once on joining (the room, the name, what the board sees; the cloud used). */
  greeting: string[];
  /** One short line the Ink app keeps on screen all along: which room, as whom, what the board sees. */
  roomLine: string;
  /** The room's cloud for this student, when the room has one: the lesson runs on it. */
  cloud?: { name: string; env: NodeJS.ProcessEnv };
  /** Every engine event goes through here too; it returns at once. */
  observe(event: TutorEvent): void;
  /** Where the reporter's trouble lines go from now on. */
  showTroubleWith(show: (line: string) => void): void;
  /** Sends what is left within CLOSE_TIMEOUT_MS. */
  close(): Promise<void>;
}

export async function joinClassroom(flags: JoinFlags, env: NodeJS.ProcessEnv): Promise<ClassroomSession> {
  const board = boardAddress(flags.url);
  const reply = await joinBoard(flags.url, flags.code, flags.name);
  const greeting = joinedLines(reply.room, board.shown, flags.name);
  let cloud: ClassroomSession['cloud'];
  if (reply.sharedCloud) {
    const files = await fetchStudentCloud(flags.url, reply.token);
    const saved = saveStudentCloud(join(dataDir(env), 'classroom'), files);
    const outOfReach = cloudOutOfReach(flags.url, files.cloudsYaml);
    if (outOfReach) throw new UserError(outOfReach);
    cloud = { name: saved.name, env: { ...env, OS_CLIENT_CONFIG_FILE: saved.cloudsYaml } };
    greeting.push(studentCloudSentence(saved));
  }
  let show: (line: string) => void = () => {};
  const reporter = createReporter({ url: flags.url, token: reply.token, onTrouble: (line) => show(line) });
  return {
    greeting,
    roomLine: `Room "${reply.room}" · you are ${flags.name.trim()} · the board sees chapter, checks, figures`,
    ...(cloud ? { cloud } : {}),
    observe: (event) => {
      for (const progress of progressOf(event)) reporter.send(progress);
    },
    showTroubleWith: (next) => {
      show = next;
    },
    close: () => reporter.close(CLOSE_TIMEOUT_MS),
  };
}
