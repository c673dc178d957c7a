// The measurements as the tutor runs them on either topology (chapters 3 and 4 "before", chapter 6
// "after"): the lab's measureBatch / measureFlood / measureNodeLoop with the live meters drawn meanwhile,
// the run record saved in the progress (chapter 6 and the wrap-up compare them, maybe in a later
// session) and told as `measured`. The same code both times, so the figures differ only by topology.
import { latencyFigures, type RequestOutcome } from '../../src/lab/latency.ts';
import type { NodeLoopResult } from '../../src/lab/node-loop.ts';
import type { RunRecord } from '../../src/lab/run-record.ts';
import {
  type FloodOutcome,
  measureBatch,
  measureFlood,
  measureNodeLoop,
  type ScenarioResult,
} from '../../src/lab/scenario.ts';
import { describeTopology, type LabTopology, type TopologyName } from '../../src/lab/topology.ts';
import { lessonKeyFile } from '../../src/lesson/ssh-call.ts';
import { UserError } from '../../src/shared/user-error.ts';
import type { ChapterContext } from './context.ts';
import type { MeasureKind, Phase } from './events.ts';
import { type LiveMeters, startLiveMeters } from './live-meters.ts';

export interface Measured<T> {
  topology: LabTopology;
  record: RunRecord;
  result: T;
  live: LiveMeters;
}

async function measured<T>(
  ctx: ChapterContext,
  name: TopologyName,
  kind: MeasureKind,
  phase: Phase,
  plan: {
    what: (topology: LabTopology) => string;
    watch: (topology: LabTopology) => LabTopology['apiNodes'];
    backlog: boolean;
    run: (topology: LabTopology) => Promise<ScenarioResult<T>>;
  },
): Promise<Measured<T>> {
  const topology = await describeTopology(ctx.conn, name);
  ctx.emit({ type: 'measuring', chapter: ctx.chapter.number, kind, phase, what: plan.what(topology) });
  const live = startLiveMeters({
    conn: ctx.conn,
    nodes: plan.watch(topology),
    ...(plan.backlog ? { backlogEndpoint: topology.apiEndpoints[0]! } : {}),
    intervalMs: ctx.meterIntervalMs,
    emit: ctx.emit,
  });
  let run: ScenarioResult<T>;
  try {
    run = await plan.run(topology);
  } finally {
    await live.stop();
  }
  const { record, result } = run;
  ctx.update((p) => ({ ...p, records: { ...p.records, [`${kind}-${phase}`]: record } }));
  ctx.emit({ type: 'measured', chapter: ctx.chapter.number, kind, phase, record });
  return { topology, record, result, live };
}

/** The guide's batch (scaled, seeded) through the first API node, the workers' load and the backlog drawn. */
export function batchOn(ctx: ChapterContext, name: TopologyName, phase: Phase) {
  const { scale, tasks, seed } = ctx.sizes.batch;
  const side = Math.round(9999 * scale);
  return measured(ctx, name, 'batch', phase, {
    what: (t) =>
      `${tasks} fractals of ${side} × ${side} through ${t.apiNodes[0]!.name}, ${t.workerNodes.length} worker(s)`,
    watch: (t) => t.workerNodes,
    backlog: true,
    run: (topology) =>
      measureBatch({
        conn: ctx.conn,
        topology,
        scale,
        tasks,
        seed,
        meterIntervalMs: ctx.meterIntervalMs,
        timeoutMs: 20 * 60_000,
      }),
  });
}

/** Many creates at once, round-robin over the API nodes, their load drawn. */
export function floodOn(
  ctx: ChapterContext,
  name: TopologyName,
  phase: Phase,
): Promise<Measured<FloodOutcome>> {
  const { requests } = ctx.sizes.flood;
  return measured(ctx, name, 'flood', phase, {
    what: (t) => `${requests} creates at once to ${t.apiNodes.map((n) => n.name).join(' and ')}`,
    watch: (t) => t.apiNodes,
    backlog: false,
    run: (topology) =>
      measureFlood({
        conn: ctx.conn,
        topology,
        requests,
        target: 'all',
        meterIntervalMs: ctx.meterIntervalMs,
        drawTimeoutMs: 120_000,
      }),
  });
}

/**
 * The guide's API overload the guide's way: its `faafo create` loop run on the API node(s) over ssh
 * (the lab's node loop), each invocation's answer told live as p50/p99 and errors so far.
 */
export function loopOn(
  ctx: ChapterContext,
  name: TopologyName,
  phase: Phase,
): Promise<Measured<NodeLoopResult>> {
  const { requests, parallel } = ctx.sizes.loop;
  const keyFile = lessonKeyFile(ctx.run.env ?? process.env);
  if (!keyFile) {
    throw new UserError(
      "The lesson's private key (demokey.pem) is not here, so the tutor cannot log in to the API node; run chapter 2 again (`npx faafo-tutor --chapter 2`), which makes it.",
    );
  }
  const outcomes: RequestOutcome[] = [];
  return measured(ctx, name, 'loop', phase, {
    what: (t) =>
      `the guide's loop on ${t.apiNodes.map((n) => n.name).join(' and ')}: ${requests} \`faafo create\`, ${parallel} at a time per node`,
    watch: (t) => t.apiNodes,
    backlog: false,
    run: (topology) =>
      measureNodeLoop({
        conn: ctx.conn,
        topology,
        keyFile,
        requests,
        parallel,
        target: 'all',
        meterIntervalMs: ctx.meterIntervalMs,
        onOutcome: (outcome) => {
          outcomes.push(outcome);
          const figures = latencyFigures(outcomes);
          ctx.emit({
            type: 'latency',
            chapter: ctx.chapter.number,
            done: outcomes.length,
            total: requests,
            ...figures,
          });
        },
      }),
  });
}

/** A node's highest 1-minute load, from the record's meters and the live ones; undefined without readings. */
export function peakLoad(run: Measured<unknown>, node: string): number | undefined {
  const summary = run.record.figures.samples[node]?.load1;
  const live = run.live.peakLoad(node);
  if (!summary?.count && live === undefined) return undefined;
  return Math.max(summary?.max ?? 0, live ?? 0);
}

/** "150 of 150 accepted, 0 errors, 150 found again": a flood's outcome in one phrase. */
export function floodSaw(result: FloodOutcome, requests: number): string {
  return `${result.flood.created.length} of ${requests} accepted, ${result.flood.errors} errors, ${result.found} found again`;
}

export const floodAllAnswered = (result: FloodOutcome, requests: number) =>
  result.flood.errors === 0 &&
  result.found === result.flood.created.length &&
  result.flood.created.length === requests;
