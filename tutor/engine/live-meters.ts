// The charts' feed while a load runs: each watched node's 1-minute load average (Nova diagnostics,
// the lab's node meter) and the app's backlog (fractals asked for and not drawn yet, the lab's
// fractals meter through the API), each reading passed on as a `sample` event as it comes. The run
// record's summary comes from the lab's own meters (measureBatch, measureFlood); these are only for
// watching, so a reading that fails is skipped, not an error.
import type { Connection } from '../../src/cloud/driver.ts';
import type { Node } from '../../src/cloud/models.ts';
import { fractalsMeter } from '../../src/lab/fractals-meter.ts';
import { nodeMeter } from '../../src/lab/node-meter.ts';
import type { TutorEvent } from './events.ts';

export interface LiveMetersOptions {
  conn: Connection;
  nodes: readonly Node[];
  /** The faafo API to read the backlog from; none: no backlog. */
  backlogEndpoint?: string;
  intervalMs: number;
  emit(event: TutorEvent): void;
}

export interface LiveMeters {
  /** The highest 1-minute load each node showed so far. */
  peakLoad(node: string): number | undefined;
  peakBacklog(): number | undefined;
  stop(): Promise<void>;
}

export function startLiveMeters(options: LiveMetersOptions): LiveMeters {
  const controller = new AbortController();
  const { signal } = controller;
  const peaks = new Map<string, number>();
  let backlogPeak: number | undefined;
  const loops: Promise<void>[] = options.nodes.map(async (node) => {
    for await (const sample of nodeMeter({
      source: options.conn,
      node,
      intervalMs: options.intervalMs,
      signal,
    })) {
      if (sample.unavailable !== undefined || !sample.loadavg) continue;
      const value = sample.loadavg[0];
      peaks.set(node.name, Math.max(peaks.get(node.name) ?? 0, value));
      options.emit({ type: 'sample', meter: 'load', node: node.name, at: sample.at, value });
    }
  });
  if (options.backlogEndpoint) {
    loops.push(
      (async () => {
        const meter = fractalsMeter({
          endpoint: options.backlogEndpoint!,
          intervalMs: options.intervalMs,
          signal,
        });
        for await (const sample of meter) {
          if (sample.unavailable !== undefined) continue;
          backlogPeak = Math.max(backlogPeak ?? 0, sample.pending);
          options.emit({ type: 'sample', meter: 'backlog', at: sample.at, value: sample.pending });
        }
      })(),
    );
  }
  return {
    peakLoad: (node) => peaks.get(node),
    peakBacklog: () => backlogPeak,
    async stop() {
      controller.abort();
      await Promise.allSettled(loops);
    },
  };
}
