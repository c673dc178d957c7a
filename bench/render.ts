// Render throughput, side by side in one run: the plain reference (written like the Python
// original), the fast kernel on one thread, and the thread pool on every vCPU; then a whole task
// (render + PNG + checksum) and the PNG settings against pngjs's defaults. `--big` adds the guide's
// 9999 × 9999 task with its peak memory (run it alone: the peak is per process).
import { availableParallelism } from 'node:os';
import { renderRows } from '../src/faafo/render/julia.ts';
import type { RenderParams } from '../src/faafo/render/params.ts';
import { checksumOf, encodePng, PNG_OPTIONS } from '../src/faafo/render/png.ts';
import { RenderPool } from '../src/faafo/render/pool.ts';
import { renderReference } from '../src/faafo/render/reference.ts';
import { renderTask } from '../src/faafo/render/task.ts';

export interface RenderRow {
  name: string;
  threads: number;
  /** Median seconds of the measured runs. */
  seconds: number;
  mpxPerSecond: number;
  /** Million z = z²+c steps per second; null where nothing is iterated (PNG only). */
  mitersPerSecond: number | null;
  /** Throughput relative to the reference; null for the PNG rows. */
  vsReference: number | null;
  /** PNG bytes, for the rows that encode. */
  bytes: number | null;
}

const PARAMS: RenderParams = {
  width: 1024,
  height: 1024,
  iterations: 256,
  xa: -1.5,
  xb: 1.5,
  ya: -1.5,
  yb: 1.5,
};
const C = { re: -0.8, im: 0.156 };
const MPX = (PARAMS.width * PARAMS.height) / 1e6;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `fn` `warmups` times unmeasured, then `runs` times; returns the median seconds and the last result. */
async function measure<T>(
  warmups: number,
  runs: number,
  fn: () => T | Promise<T>,
): Promise<{ seconds: number; last: T }> {
  let last = await fn();
  for (let k = 1; k < warmups; k++) last = await fn();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    last = await fn();
    times.push((performance.now() - t) / 1000);
  }
  return { seconds: median(times), last };
}

export async function benchRender(): Promise<RenderRow[]> {
  const threads = availableParallelism();
  const rows: RenderRow[] = [];
  const row = (
    name: string,
    n: number,
    seconds: number,
    steps: number | null,
    bytes: number | null = null,
  ) => {
    rows.push({
      name,
      threads: n,
      seconds,
      mpxPerSecond: MPX / seconds,
      mitersPerSecond: steps === null ? null : steps / 1e6 / seconds,
      vsReference: null,
      bytes,
    });
  };

  const reference = await measure(1, 3, () => renderReference(PARAMS, C));
  row('reference (objects, hypot)', 1, reference.seconds, reference.last.steps);
  const steps = reference.last.steps;

  const out = new Uint8Array(PARAMS.width * PARAMS.height * 3);
  const fast = await measure(2, 7, () => renderRows(out, PARAMS, C, 0, PARAMS.height));
  if (fast.last !== steps) throw new Error(`fast kernel counted ${fast.last} steps, reference ${steps}`);
  row('fast kernel', 1, fast.seconds, steps);

  const pool = new RenderPool({ threads });
  try {
    const pooled = await measure(3, 9, () => pool.render(PARAMS, C));
    if (pooled.last.steps !== steps)
      throw new Error(`pool counted ${pooled.last.steps} steps, reference ${steps}`);
    row('thread pool', threads, pooled.seconds, steps);

    const whole = await measure(1, 5, async () => {
      const { pixels } = await pool.render(PARAMS, C);
      const png = encodePng(pixels, PARAMS.width, PARAMS.height);
      return { png, checksum: checksumOf(png) };
    });
    row('whole task: pool + PNG + sha256', threads, whole.seconds, steps, whole.last.png.length);

    const pixels = (await pool.render(PARAMS, C)).pixels;
    const defaults = await measure(1, 5, () =>
      encodePng(pixels, PARAMS.width, PARAMS.height, {
        colorType: 2,
        inputColorType: 2,
        inputHasAlpha: false,
      }),
    );
    row('PNG only, pngjs defaults (adaptive, level 9, RLE)', 1, defaults.seconds, null, defaults.last.length);
    const chosen = await measure(1, 5, () => encodePng(pixels, PARAMS.width, PARAMS.height));
    const name = `PNG only, chosen (filter ${PNG_OPTIONS.filterType}, level ${PNG_OPTIONS.deflateLevel})`;
    row(name, 1, chosen.seconds, null, chosen.last.length);
  } finally {
    await pool.close();
  }

  const base = rows[0]!.mpxPerSecond;
  for (const r of rows) if (r.mitersPerSecond !== null) r.vsReference = r.mpxPerSecond / base;
  return rows;
}

export function printRender(rows: RenderRow[]): void {
  console.log(
    `\nRender ${PARAMS.width} x ${PARAMS.height}, ${PARAMS.iterations} iterations, c = ${C.re}+${C.im}i, ` +
      `region [${PARAMS.xa}, ${PARAMS.xb}] x [${PARAMS.ya}, ${PARAMS.yb}]; median of several runs after warm-up`,
  );
  console.log(
    `  ${'what'.padEnd(50)} ${'threads'.padStart(7)} ${'ms'.padStart(8)} ${'Mpx/s'.padStart(8)} ${'Miter/s'.padStart(8)} ${'vs ref'.padStart(7)} ${'bytes'.padStart(9)}`,
  );
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(50)} ${String(r.threads).padStart(7)} ${(r.seconds * 1000).toFixed(1).padStart(8)} ` +
        `${r.mpxPerSecond.toFixed(2).padStart(8)} ${(r.mitersPerSecond?.toFixed(0) ?? '').padStart(8)} ` +
        `${(r.vsReference === null ? '' : `${r.vsReference.toFixed(2)}x`).padStart(7)} ${String(r.bytes ?? '').padStart(9)}`,
    );
  }
}

export interface BigTaskFigures {
  width: number;
  height: number;
  seconds: number;
  duration: number;
  bytes: number;
  rawBytes: number;
  peakRssBytes: number;
}

/** The guide's 9999 × 9999 task through renderTask, with this process's peak RSS. */
export async function benchBigTask(): Promise<BigTaskFigures> {
  const pool = new RenderPool();
  try {
    const task = { uuid: '99999999-9999-4999-8999-999999999999', ...PARAMS, width: 9999, height: 9999 };
    const t = performance.now();
    const r = await renderTask(task, pool);
    return {
      width: task.width,
      height: task.height,
      seconds: (performance.now() - t) / 1000,
      duration: r.duration,
      bytes: r.size,
      rawBytes: task.width * task.height * 3,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await pool.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--big')) {
    const f = await benchBigTask();
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    console.log(
      `${f.width} x ${f.height}: task ${f.seconds.toFixed(2)} s (duration ${f.duration.toFixed(2)} s), ` +
        `PNG ${mb(f.bytes)}, RGB ${mb(f.rawBytes)}, peak RSS ${mb(f.peakRssBytes)}`,
    );
  } else {
    printRender(await benchRender());
  }
}
