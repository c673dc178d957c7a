// Render throughput, side by side in one run: the plain reference (written like the Python
// original), the fast kernel on one thread, and the thread pool on every vCPU; then a whole task
// (render + PNG + checksum) the old way (the full image, then pngjs) and banded (the PNG encoded
// while the threads draw), and the PNG settings against pngjs's defaults. Last, the guide's
// 9999 × 9999 task both ways, each in its own process (`--peak old|banded`), for its peak RSS.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import type { Task } from '../src/faafo/model.ts';
import { renderRows } from '../src/faafo/render/julia.ts';
import type { RenderParams } from '../src/faafo/render/params.ts';
import { checksumOf, encodePng, PNG_OPTIONS } from '../src/faafo/render/png.ts';
import { chooseC } from '../src/faafo/render/point.ts';
import { RenderPool } from '../src/faafo/render/pool.ts';
import { renderReference } from '../src/faafo/render/reference.ts';
import { renderImage, renderTask } from '../src/faafo/render/task.ts';

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

    const old = await measure(1, 5, async () => {
      const { pixels } = await pool.render(PARAMS, C);
      const png = encodePng(pixels, PARAMS.width, PARAMS.height);
      return { png, checksum: checksumOf(png) };
    });
    row('whole task, old: full image, pngjs, sha256', threads, old.seconds, steps, old.last.png.length);
    const banded = await measure(1, 5, async () => {
      const { png } = await renderImage({ ...PARAMS, c: C }, pool);
      return { png, checksum: checksumOf(png) };
    });
    if (banded.last.checksum !== old.last.checksum) {
      throw new Error('the banded PNG differs from the old one; the encoders must write the same bytes');
    }
    row('whole task, banded: PNG streamed, sha256', threads, banded.seconds, steps, banded.last.png.length);

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

/** How a 9999 × 9999 task is drawn and encoded: the whole image then pngjs, or band by band. */
export type PeakStyle = 'old' | 'banded';

export interface PeakFigures {
  style: PeakStyle;
  /** Seconds for the whole task: choosing c, drawing, encoding, checksum. */
  seconds: number;
  bytes: number;
  checksum: string;
  peakRssBytes: number;
}

// The guide's largest task (`faafo create --width 9999 --height 9999`) over the region above.
const PEAK_TASK: Task = {
  uuid: '99999999-9999-4999-8999-999999999999',
  ...PARAMS,
  width: 9999,
  height: 9999,
};

/** One 9999 × 9999 task in this process, the given way; the peak RSS is this process's so far. */
async function peakTask(style: PeakStyle): Promise<PeakFigures> {
  const pool = new RenderPool();
  try {
    const started = performance.now();
    let png: Buffer;
    if (style === 'banded') {
      png = (await renderTask(PEAK_TASK, pool)).png;
    } else {
      const { pixels } = await pool.render(PEAK_TASK, chooseC(PEAK_TASK.uuid, PEAK_TASK));
      png = encodePng(pixels, PEAK_TASK.width, PEAK_TASK.height);
    }
    const checksum = checksumOf(png);
    return {
      style,
      seconds: (performance.now() - started) / 1000,
      bytes: png.length,
      checksum,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await pool.close();
  }
}

/** The 9999 × 9999 task the old way and banded, one after the other, each in a fresh process. */
export async function benchPeakRss(): Promise<PeakFigures[]> {
  const run = promisify(execFile);
  const figures: PeakFigures[] = [];
  for (const style of ['old', 'banded'] as const) {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--peak', style],
      {
        maxBuffer: 1024 * 1024,
      },
    );
    figures.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as PeakFigures);
  }
  if (figures[0]!.checksum !== figures[1]!.checksum) {
    throw new Error('the 9999 x 9999 task gave different PNG bytes the old way and banded');
  }
  return figures;
}

export function printPeakRss(figures: PeakFigures[]): void {
  const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
  console.log(
    `\nPeak RSS of one ${PEAK_TASK.width} x ${PEAK_TASK.height} task (${PEAK_TASK.iterations} iterations, ` +
      `${availableParallelism()} threads), each in its own process; raw RGB ${mb(PEAK_TASK.width * PEAK_TASK.height * 3)}`,
  );
  console.log(
    `  ${'what'.padEnd(50)} ${'s'.padStart(7)} ${'peak RSS'.padStart(9)} ${'PNG bytes'.padStart(10)}`,
  );
  const names: Record<PeakStyle, string> = {
    old: 'old: full image, then pngjs',
    banded: 'banded: PNG streamed while drawing',
  };
  for (const f of figures) {
    console.log(
      `  ${names[f.style].padEnd(50)} ${f.seconds.toFixed(2).padStart(7)} ${mb(f.peakRssBytes).padStart(9)} ${String(f.bytes).padStart(10)}`,
    );
  }
  const [old, banded] = figures;
  if (old && banded) {
    console.log(
      `  banded peak RSS is ${(banded.peakRssBytes / old.peakRssBytes).toFixed(2)}x the old one ` +
        `(${(old.peakRssBytes / banded.peakRssBytes).toFixed(1)}x less); the same PNG bytes (sha256 ${banded.checksum.slice(0, 12)}…)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--peak');
  if (at >= 0) {
    const style = process.argv[at + 1];
    if (style !== 'old' && style !== 'banded') throw new Error(`--peak takes old or banded, got ${style}`);
    console.log(JSON.stringify(await peakTask(style)));
  } else {
    printRender(await benchRender());
    printPeakRss(await benchPeakRss());
  }
}
