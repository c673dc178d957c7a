import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJulia, renderRows } from '../../src/faafo/render/julia.ts';
import type { RenderParams } from '../../src/faafo/render/params.ts';
import { checksumOf, encodePng } from '../../src/faafo/render/png.ts';
import {
  BANDS_AHEAD_PER_THREAD,
  createRenderPool,
  type DrawnBand,
  RenderPool,
} from '../../src/faafo/render/pool.ts';

const base: RenderParams = { width: 301, height: 157, iterations: 200, xa: -1.6, xb: 1.4, ya: -1.1, yb: 1.1 };
const c = { re: -0.8, im: 0.156 };
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('RenderPool', () => {
  const pool = new RenderPool({ threads: 3 });
  afterAll(() => pool.close());

  it('renders byte for byte what the single-threaded kernel renders, with the same step count', async () => {
    const single = new Uint8Array(base.width * base.height * 3);
    const steps = renderRows(single, base, c, 0, base.height);
    const pooled = await pool.render(base, c);
    expect(same(pooled.pixels, single)).toBe(true);
    expect(pooled.steps).toBe(steps);
  });

  it('is reusable: several tasks in a row, and several queued at once', async () => {
    const tasks: [RenderParams, { re: number; im: number }][] = [
      [
        { ...base, width: 64, height: 480 },
        { re: 0.285, im: 0.01 },
      ],
      [{ ...base, width: 1, height: 1 }, c],
      [
        { ...base, width: 700, height: 3, iterations: 50 },
        { re: -0.4, im: 0.6 },
      ],
      [{ ...base, width: 5, height: 1000 }, c],
    ];
    for (const [p, cc] of tasks) {
      expect(same((await pool.render(p, cc)).pixels, renderJulia(p, cc))).toBe(true);
    }
    const all = await Promise.all(tasks.map(([p, cc]) => pool.render(p, cc)));
    all.forEach((r, k) => {
      const [p, cc] = tasks[k]!;
      expect(same(r.pixels, renderJulia(p, cc))).toBe(true);
    });
  });

  it('times each render without the wait behind the one before it', async () => {
    const started = performance.now();
    const [a, b] = await Promise.all([pool.render(base, c), pool.render(base, c)]);
    const wall = (performance.now() - started) / 1000;
    expect(a.seconds).toBeGreaterThan(0);
    expect(b.seconds).toBeGreaterThan(0);
    // They ran one after the other: had b's time included its wait, the sum would exceed the wall.
    expect(a.seconds + b.seconds).toBeLessThanOrEqual(wall);
  });

  it('gives the same checksum with 1 thread and with 4', async () => {
    const one = createRenderPool(1);
    const four = createRenderPool(4);
    try {
      expect(one.threads).toBe(1);
      expect(four.threads).toBe(4);
      const [a, b] = await Promise.all([one.render(base, c), four.render(base, c)]);
      const sum = (px: Uint8Array) => checksumOf(encodePng(px, base.width, base.height));
      expect(sum(a.pixels)).toBe(sum(b.pixels));
    } finally {
      await Promise.all([one.close(), four.close()]);
    }
  });

  it('rejects bad parameters before any thread sees them', async () => {
    await expect(pool.render({ ...base, width: 0 }, c)).rejects.toThrow(/width must be a positive integer/);
    await expect(pool.render(base, { re: Number.NaN, im: 0 })).rejects.toThrow(/c.re must be a finite/);
    expect(() => new RenderPool({ threads: 0 })).toThrow(/threads must be a positive integer/);
  });
});

describe('RenderPool.renderBands', () => {
  const pool = new RenderPool({ threads: 3 });
  afterAll(() => pool.close());

  it('hands on every band once, in row order, with the pixels and steps of the whole image', async () => {
    for (const p of [base, { ...base, width: 1, height: 1 }, { ...base, width: 9, height: 1000 }]) {
      const bands: DrawnBand[] = [];
      const { steps, seconds } = await pool.renderBands(p, c, (band) => {
        // The pool reuses a band's bytes after the sink returns, so the sink copies them.
        bands.push({ ...band, pixels: Uint8Array.from(band.pixels) });
      });
      expect(bands[0]!.rowStart).toBe(0);
      bands.forEach((band, k) => {
        if (k > 0) expect(band.rowStart).toBe(bands[k - 1]!.rowEnd);
        expect(band.pixels.length).toBe((band.rowEnd - band.rowStart) * p.width * 3);
      });
      expect(bands.at(-1)!.rowEnd).toBe(p.height);
      const whole = Buffer.concat(bands.map((b) => b.pixels));
      const expected = new Uint8Array(p.width * p.height * 3);
      expect(steps).toBe(renderRows(expected, p, c, 0, p.height));
      expect(whole.equals(expected)).toBe(true);
      expect(seconds).toBeGreaterThan(0);
    }
  });

  it('waits for an asynchronous sink and fails the render when the sink fails, then renders on', async () => {
    let handed = 0;
    await expect(
      pool.renderBands(base, c, async () => {
        await sleep(1);
        if (++handed === 3) throw new Error('the disk is full');
      }),
    ).rejects.toThrow('the disk is full');
    expect(handed).toBe(3);
    expect(same((await pool.render(base, c)).pixels, renderJulia(base, c))).toBe(true);
  });

  it('lets the threads draw only a few bands past the one a slow sink is holding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faafo-bands-'));
    const log = join(dir, 'requests.log');
    writeFileSync(log, '');
    process.env.FAAFO_TEST_BAND_LOG = log;
    const threads = 2;
    const logging = new RenderPool({
      threads,
      threadModule: new URL('./render-logging-thread.ts', import.meta.url),
    });
    try {
      const p = { ...base, width: 64, height: 640, iterations: 50 };
      const ahead = threads * BANDS_AHEAD_PER_THREAD;
      let handed = 0;
      let bandCount = 0;
      let mostAhead = 0;
      const { steps } = await logging.renderBands(p, c, async (band) => {
        bandCount = Math.max(bandCount, Math.ceil(p.height / (band.rowEnd - band.rowStart)));
        // Time for the threads to take every band the pool would give them (they are tiny).
        await sleep(15);
        const requested = readFileSync(log, 'utf8').split('\n').length - 1;
        mostAhead = Math.max(mostAhead, requested - handed);
        expect(requested).toBeLessThanOrEqual(handed + ahead);
        handed++;
      });
      expect(steps).toBe(renderRows(new Uint8Array(p.width * p.height * 3), p, c, 0, p.height));
      // Enough bands that an unbounded pool would have run far ahead, and the threads did work ahead.
      expect(bandCount).toBeGreaterThan(4 * ahead);
      expect(mostAhead).toBeGreaterThan(1);
    } finally {
      delete process.env.FAAFO_TEST_BAND_LOG;
      await logging.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RenderPool failures', () => {
  const crashy = new URL('./render-crash-thread.ts', import.meta.url);

  it('rejects a render whose thread throws or exits, then recovers with fresh threads', async () => {
    const pool = new RenderPool({ threads: 2, threadModule: crashy });
    try {
      await expect(pool.render({ ...base, iterations: 13 }, c)).rejects.toThrow(/boom in the render thread/);
      expect(same((await pool.render(base, c)).pixels, renderJulia(base, c))).toBe(true);
      await expect(pool.render({ ...base, iterations: 14 }, c)).rejects.toThrow(/exited with code 7/);
      expect(same((await pool.render(base, c)).pixels, renderJulia(base, c))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('rejects, not hangs, when the thread module cannot load', async () => {
    const pool = new RenderPool({
      threads: 2,
      threadModule: new URL('./no-such-render-thread.ts', import.meta.url),
    });
    try {
      await expect(pool.render(base, c)).rejects.toThrow(/render thread failed/);
    } finally {
      await pool.close();
    }
  });

  it('rejects a render in progress, and any later one, when closed', async () => {
    const pool = new RenderPool({ threads: 2 });
    const big = pool.render({ ...base, width: 2000, height: 2000, iterations: 2000 }, c).then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    // Let the render start before closing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    expect(await big).toMatch(/closed during a render/);
    await expect(pool.render(base, c)).rejects.toThrow(/closed/);
  });
});
