// A notebook's handle on the lesson: `const lesson = await openLesson(tslab.display)` connects to
// the cloud the way the steps do (OS_CLOUD or the OS_* variables in the kernel's environment, else
// the local cloud, started when it is not running) and offers each cell one call: run a step's own
// function, show the servers, the security groups, fractals, a measured load chart. Every call
// finds its state in the cloud (cells re-run in any order) and fails with one line, no stack.
// `await lesson.join(url, code, name)` reports the steps' checks to a teacher's board (./classroom.ts),
// and in a room with a shared cloud points every later cell at the student's own cloud.
import { join as joinPath } from 'node:path';
import { boardAddress } from '../classroom/client/board-address.ts';
import { fetchStudentCloud, joinBoard } from '../classroom/client/join.ts';
import { createReporter, type Reporter } from '../classroom/client/reporter.ts';
import {
  cloudOutOfReach,
  joinedLines,
  saveStudentCloud,
  studentCloudSentence,
} from '../classroom/client/student-cloud.ts';
import { type CloudFallback, connect } from '../cloud/connect.ts';
import type { Connection } from '../cloud/driver.ts';
import { dataDir } from '../faafo/config.ts';
import type { StepBody } from '../lesson/run-step.ts';
import { UserError } from '../shared/user-error.ts';
import { stepProgress } from './classroom.ts';
import type { Display } from './display.ts';
import { oneLine } from './failure.ts';
import { showFractals } from './fractals.ts';
import { showSecurityGroups } from './groups-diagram.ts';
import { type BatchOptions, measureAndChart } from './load-chart.ts';
import { localCloudByCommand } from './local-cloud.ts';
import { showNodes } from './nodes-table.ts';
import { runStepCell } from './run-cell.ts';

export interface OpenOptions {
  env?: NodeJS.ProcessEnv;
  /** Where to look for the package's `faafo-tutor` command (default: this module's folder). */
  packageFrom?: string;
  /** Join a teacher's board first (before connecting: a room may give the student its own cloud). */
  join?: { url: string; code: string; name: string };
}

export interface NotebookLesson {
  /** A fresh connection per call: a cloud stopped and started again between cells is found again. */
  connection(): Promise<Connection>;
  /** Runs a step's function (`undefined`: only checks the cloud against the step) and checks the cloud after it. */
  run(step: string, body?: StepBody): Promise<void>;
  // The three below show and return nothing: tslab prints a cell's last value when it is not
  // undefined, so rows returned here would follow the table as a raw dump.
  /** Shows the servers as a table (name, status, group, addresses, load). */
  nodes(): Promise<void>;
  /** Shows the security groups: a table of rules and a diagram of which tier reaches which. */
  groups(): Promise<void>;
  /** Shows the latest fractals as images, each with the worker that drew it. */
  fractals(count?: number): Promise<void>;
  measure(options?: BatchOptions): Promise<{ drainMs: number; done: number; failed: number }>;
  /** Joins a teacher's board: the steps run from now on report their chapter and checks to it. */
  join(url: string, code: string, name: string): Promise<void>;
  /** Sends what is still queued for the board (within timeoutMs) and stops reporting. */
  leave(timeoutMs?: number): Promise<void>;
}

/** This module's folder in CommonJS (the notebooks' build); the working directory otherwise. */
const here = (): string => (typeof __dirname === 'string' ? __dirname : process.cwd());

export async function openLesson(display: Display, options: OpenOptions = {}): Promise<NotebookLesson> {
  // Replaced once by join() in a room that gives the student a cloud of their own.
  let env = options.env ?? process.env;
  let reporter: Reporter | undefined;
  let toProgress = stepProgress();
  const fallback: CloudFallback = localCloudByCommand(options.packageFrom ?? here());
  const connection = () => oneLine(() => connect({ env, fallback }));
  const withConn = <T>(work: (conn: Connection) => Promise<T>) =>
    oneLine(async () => work(await connect({ env, fallback })));
  const lesson: NotebookLesson = {
    connection,
    run: (step, body) =>
      oneLine(() =>
        runStepCell(step, body, {
          display,
          env,
          fallback,
          report: (event) => {
            for (const progress of toProgress(event)) reporter?.send(progress);
          },
        }),
      ),
    nodes: () => withConn(async (c) => void (await showNodes(c, display))),
    groups: () => withConn(async (c) => void (await showSecurityGroups(c, display))),
    fractals: (count) => withConn(async (c) => void (await showFractals(c, display, count))),
    measure: (batch) =>
      withConn(async (c) => {
        const { chart: _, ...figures } = await measureAndChart(c, display, batch);
        return figures;
      }),
    join: (url, code, name) =>
      oneLine(async () => {
        await reporter?.close(1_000);
        const reply = await joinBoard(url, code, name);
        for (const line of joinedLines(reply.room, boardAddress(url).shown, name)) display.text(line);
        if (reply.sharedCloud) {
          const files = await fetchStudentCloud(url, reply.token);
          const saved = saveStudentCloud(joinPath(dataDir(env), 'classroom'), files);
          const outOfReach = cloudOutOfReach(url, files.cloudsYaml);
          if (outOfReach) throw new UserError(outOfReach);
          env = { ...env, OS_CLIENT_CONFIG_FILE: saved.cloudsYaml, OS_CLOUD: saved.name };
          display.text(studentCloudSentence(saved));
        }
        toProgress = stepProgress();
        reporter = createReporter({ url, token: reply.token, onTrouble: (line) => display.text(line) });
      }),
    leave: async (timeoutMs) => {
      await reporter?.close(timeoutMs);
      reporter = undefined;
    },
  };
  if (options.join) await lesson.join(options.join.url, options.join.code, options.join.name);
  // Connect now: a notebook with no cloud says so in its first cell.
  const conn = await connection();
  display.text(`Connected to ${conn.label}.`);
  return lesson;
}
