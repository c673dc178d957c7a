// `lab` at the prompt: the lab's instruments (src/lab) on the connected cloud. `await lab.load('app-
// worker-1')` is a short live meter: one line a second with the node's load average and CPU use, as
// Nova's server diagnostics give them, ending by itself after ten readings (`{ seconds: 30 }` for
// longer). `await lab.nodes()` is every server with its load at a glance. `lab.instruments` is the
// whole lab module, for meters of one's own.
import type { Connection } from '../cloud/driver.ts';
import * as instruments from '../lab/index.ts';
import { nodeMeter } from '../lab/node-meter.ts';
import { type NodeRow, nodeRows } from '../notebook/nodes-table.ts';
import { UserError } from '../shared/user-error.ts';
import { nodeNamed } from './node-named.ts';

export interface LoadOptions {
  /** How long the meter runs; default 10 s, at most 600 s. */
  seconds?: number;
  /** Between readings; default 1000 ms. */
  intervalMs?: number;
}

export interface LabAtPrompt {
  load(node: string, options?: LoadOptions): Promise<void>;
  nodes(): Promise<NodeRow[]>;
  instruments: typeof instruments;
}

const BAR_WIDTH = 20;

/** A load of 0 … 2 as a bar (a full bar is two busy vCPUs' worth of waiting work). */
export function loadBar(load: number): string {
  const cells = Math.max(0, Math.min(BAR_WIDTH, Math.round((load / 2) * BAR_WIDTH)));
  return '█'.repeat(cells) + '·'.repeat(BAR_WIDTH - cells);
}

export function labAtPrompt(conn: Connection, write: (text: string) => void): LabAtPrompt {
  return {
    instruments,
    nodes: () => nodeRows(conn),
    async load(name, options = {}) {
      const seconds = options.seconds ?? 10;
      const intervalMs = options.intervalMs ?? 1000;
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
        throw new UserError(`lab.load runs 1 to 600 seconds; ${seconds} is outside that.`);
      const node = await nodeNamed(conn, name);
      const maxSamples = Math.max(1, Math.round((seconds * 1000) / intervalMs));
      write(`${name}: load average (1, 5, 15 min) and vCPUs busy, every ${intervalMs / 1000} s:\n`);
      for await (const sample of nodeMeter({ source: conn, node, intervalMs, maxSamples })) {
        const time = new Date(sample.at).toTimeString().slice(0, 8);
        if (sample.unavailable !== undefined) {
          write(`  ${time}  ${sample.unavailable}\n`);
          continue;
        }
        const load = sample.loadavg ? sample.loadavg.map((l) => l.toFixed(2)).join(' ') : 'not reported';
        const cpu = sample.cpuUse === null ? '    ' : sample.cpuUse.toFixed(2);
        write(`  ${time}  ${load}  cpu ${cpu}  ${sample.loadavg ? loadBar(sample.loadavg[0]) : ''}\n`);
      }
    },
  };
}
