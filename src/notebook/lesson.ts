// A notebook's handle on the lesson: `const lesson = await openLesson(tslab.display)` connects to
// the cloud the way the steps do (OS_CLOUD or the OS_* variables in the kernel's environment, else
// the local cloud, started when it is not running) and offers each cell one call: run a step's own
// function, show the servers, the security groups, fractals, a measured load chart. Every call
// finds its state in the cloud (cells re-run in any order) and fails with one line, no stack.
import { type CloudFallback, connect } from '../cloud/connect.ts';
import type { Connection } from '../cloud/driver.ts';
import type { StepBody } from '../lesson/run-step.ts';
import type { Display } from './display.ts';
import { oneLine } from './failure.ts';
import { type ShownFractal, showFractals } from './fractals.ts';
import { type Reach, showSecurityGroups } from './groups-diagram.ts';
import { type BatchOptions, measureAndChart } from './load-chart.ts';
import { localCloudByCommand } from './local-cloud.ts';
import { type NodeRow, showNodes } from './nodes-table.ts';
import { runStepCell } from './run-cell.ts';

export interface OpenOptions {
  env?: NodeJS.ProcessEnv;
  /** Where to look for the package's `faafo-tutor` command (default: this module's folder). */
  packageFrom?: string;
}

export interface NotebookLesson {
  /** A fresh connection per call: a cloud stopped and started again between cells is found again. */
  connection(): Promise<Connection>;
  /** Runs a step's function (`undefined`: only checks the cloud against the step) and checks the cloud after it. */
  run(step: string, body?: StepBody): Promise<void>;
  nodes(): Promise<NodeRow[]>;
  groups(): Promise<Reach[]>;
  fractals(count?: number): Promise<ShownFractal[]>;
  measure(options?: BatchOptions): Promise<{ drainMs: number; done: number; failed: number }>;
}

/** This module's folder in CommonJS (the notebooks' build); the working directory otherwise. */
const here = (): string => (typeof __dirname === 'string' ? __dirname : process.cwd());

export async function openLesson(display: Display, options: OpenOptions = {}): Promise<NotebookLesson> {
  const env = options.env ?? process.env;
  const fallback: CloudFallback = localCloudByCommand(options.packageFrom ?? here());
  const connection = () => oneLine(() => connect({ env, fallback }));
  const withConn = <T>(work: (conn: Connection) => Promise<T>) =>
    oneLine(async () => work(await connect({ env, fallback })));
  // Connect now: a notebook with no cloud says so in its first cell.
  const conn = await connection();
  display.text(`Connected to ${conn.label}.`);
  return {
    connection,
    run: (step, body) => oneLine(() => runStepCell(step, body, { display, env, fallback })),
    nodes: () => withConn((c) => showNodes(c, display)),
    groups: () => withConn((c) => showSecurityGroups(c, display)),
    fractals: (count) => withConn((c) => showFractals(c, display, count)),
    measure: (batch) =>
      withConn(async (c) => {
        const { chart: _, ...figures } = await measureAndChart(c, display, batch);
        return figures;
      }),
  };
}
