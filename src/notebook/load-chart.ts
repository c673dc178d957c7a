// The lesson's argument as a chart: each node's 1-minute load and the backlog (the task queue's
// depth when the broker is reachable, else the fractals the API still lists as pending) while a
// batch of fractals drains — measured with the lab's instruments (src/lab), drawn as SVG. Run on
// the prelude's one worker and again after scaling out, the two charts are the lesson's figure.
import type { Connection } from '../cloud/driver.ts';
import type { RunSamples } from '../lab/run-meters.ts';
import { measureBatch } from '../lab/scenario.ts';
import { describeTopology, type TopologyName } from '../lab/topology.ts';
import { type Display, escapeHtml } from './display.ts';

export interface Series {
  name: string;
  points: { t: number; v: number }[];
}

export interface LoadChart {
  title: string;
  /** What the run did (its second line). */
  subtitle: string;
  load: Series[];
  backlog: Series;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

/** Node load and backlog series from a run's samples, with time in seconds from the first sample. */
export function chartOf(title: string, subtitle: string, samples: RunSamples): LoadChart {
  const all = [...Object.values(samples.nodes).flat(), ...samples.fractals, ...samples.queue];
  const start = Math.min(...all.map((s) => s.at));
  const t = (at: number) => (at - start) / 1000;
  const load = Object.entries(samples.nodes).map(([name, list]) => ({
    name,
    points: list.flatMap((s) =>
      s.unavailable === undefined && s.loadavg ? [{ t: t(s.at), v: s.loadavg[0] }] : [],
    ),
  }));
  const queue = samples.queue.flatMap((s) =>
    s.unavailable === undefined ? [{ t: t(s.at), v: s.depth }] : [],
  );
  const pending = samples.fractals.flatMap((s) =>
    s.unavailable === undefined ? [{ t: t(s.at), v: s.pending }] : [],
  );
  const backlog =
    queue.length > 0 ? { name: 'queue depth', points: queue } : { name: 'pending fractals', points: pending };
  return { title, subtitle, load, backlog };
}

/** One panel: lines for each series over a shared time axis, labelled with its maximum. */
function panel(series: readonly Series[], top: number, label: string, tMax: number): string[] {
  const [x0, w, h] = [50, 520, 120];
  const vMax = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.v)));
  const x = (t: number) => (x0 + (t / Math.max(tMax, 1)) * w).toFixed(1);
  const y = (v: number) => (top + h - (v / vMax) * h).toFixed(1);
  const out = [
    `<line x1="${x0}" y1="${top + h}" x2="${x0 + w}" y2="${top + h}" stroke="#333"/>`,
    `<line x1="${x0}" y1="${top}" x2="${x0}" y2="${top + h}" stroke="#333"/>`,
    `<text x="${x0 - 6}" y="${top + 10}" text-anchor="end">${vMax.toFixed(vMax < 10 ? 1 : 0)}</text>`,
    `<text x="${x0 - 6}" y="${top + h}" text-anchor="end">0</text>`,
    `<text x="${x0 + 4}" y="${top - 6}" font-weight="bold">${escapeHtml(label)}</text>`,
  ];
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    if (s.points.length > 0)
      out.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${s.points.map((p) => `${x(p.t)},${y(p.v)}`).join(' ')}"/>`,
      );
    out.push(
      `<text x="${x0 + w + 8}" y="${top + 12 + 14 * i}" fill="${colour}">${escapeHtml(s.name)}</text>`,
    );
  });
  return out;
}

export function loadChartSvg(chart: LoadChart): string {
  const tMax = Math.max(0, ...[...chart.load, chart.backlog].flatMap((s) => s.points.map((p) => p.t)));
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="700" height="380" font-family="sans-serif" font-size="12" data-chart="node-load">',
    `<text x="10" y="16" font-size="14" font-weight="bold">${escapeHtml(chart.title)}</text>`,
    `<text x="10" y="34">${escapeHtml(chart.subtitle)}</text>`,
    ...panel(chart.load, 65, '1-minute load average per node', tMax),
    ...panel([chart.backlog], 225, `backlog: ${chart.backlog.name}`, tMax),
    `<text x="570" y="368" text-anchor="end">seconds since the batch started (${tMax.toFixed(0)} s)</text>`,
    '</svg>',
  ].join('');
}

export interface BatchOptions {
  /**
   * Side of each fractal as a fraction of the guide's 9999 (default 0.5): big enough that one
   * worker needs tens of seconds, so the chart has a curve (the meters read every second).
   */
  scale?: number;
  tasks?: number;
  seed?: number;
  /** amqp:// URL of the broker, when this machine can reach it; else the backlog is the pending fractals. */
  queueUrl?: string;
}

/**
 * The topology there is now: the prelude's (app-controller) or the scaled-out one (app-services).
 * With both (the prelude run again after scaling out), app-worker-1 takes tasks from app-services'
 * queue and a batch sent to app-controller would never drain: say so instead of waiting.
 */
export function topologyOf(names: readonly string[]): TopologyName {
  const before = names.includes('app-controller');
  const after = names.includes('app-services');
  if (before && after) {
    throw new Error(
      'The cloud holds both topologies (app-controller and app-services), so this measurement would mean nothing: run step 1 and the prelude to measure the app before scaling out, or steps 1 to 6 for after.',
    );
  }
  return before ? 'one-worker' : 'scaled-out';
}

/** Sends the seeded batch through the first API node, waits until it drained, and charts the run. */
export async function measureAndChart(conn: Connection, display: Display, options: BatchOptions = {}) {
  const topology = await describeTopology(conn, topologyOf((await conn.listNodes()).map((n) => n.name)));
  const run = await measureBatch({
    conn,
    topology,
    scale: options.scale ?? 0.5,
    tasks: options.tasks ?? 12,
    seed: options.seed ?? 11,
    meterIntervalMs: 1000,
    // A notebook's batch drains in seconds to a minute; ten minutes means something is wrong.
    timeoutMs: 10 * 60_000,
    ...(options.queueUrl ? { queueUrl: options.queueUrl } : {}),
  });
  const seconds = (run.result.drainMs / 1000).toFixed(1);
  const chart = chartOf(
    topology.label,
    `${run.result.done} fractal(s) of ${run.result.done + run.result.failed} drawn in ${seconds} s, measured every second`,
    run.samples,
  );
  display.svg(loadChartSvg(chart));
  return { drainMs: run.result.drainMs, done: run.result.done, failed: run.result.failed, chart };
}
