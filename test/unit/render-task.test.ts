import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/faafo/model.ts';
import { renderJulia } from '../../src/faafo/render/julia.ts';
import type { RenderParams } from '../../src/faafo/render/params.ts';
import { encodePng } from '../../src/faafo/render/png.ts';
import { RenderPool } from '../../src/faafo/render/pool.ts';
import { renderImage, renderTask } from '../../src/faafo/render/task.ts';
import { rgbOf } from '../helpers/png-rgb.ts';

const task: Task = {
  uuid: '3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c',
  width: 211,
  height: 143,
  iterations: 180,
  xa: -2.2,
  xb: 1.3,
  ya: -1.4,
  yb: 1.2,
};

describe('renderTask', () => {
  const pool = new RenderPool({ threads: 2 });
  afterAll(() => pool.close());

  it('renders the same task to the same bytes every time, with any number of threads', async () => {
    const first = await renderTask(task, pool);
    const again = await renderTask(task, pool);
    expect(again.checksum).toBe(first.checksum);
    expect(again.png.equals(first.png)).toBe(true);
    expect(again.c).toEqual(first.c);
    const single = new RenderPool({ threads: 1 });
    try {
      expect((await renderTask(task, single)).checksum).toBe(first.checksum);
    } finally {
      await single.close();
    }
  });

  it('reports the original fields: sha256 of the PNG bytes, its size, and a render duration', async () => {
    const started = performance.now();
    const r = await renderTask(task, pool);
    const wall = (performance.now() - started) / 1000;
    expect(r.checksum).toBe(createHash('sha256').update(r.png).digest('hex'));
    expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(r.size).toBe(r.png.length);
    expect(r.duration).toBeGreaterThan(0);
    expect(r.duration).toBeLessThanOrEqual(wall);
  });

  it('produces a PNG that decodes to the image drawn with its c', async () => {
    const r = await renderTask(task, pool);
    const decoded = rgbOf(r.png);
    expect(decoded.width).toBe(task.width);
    expect(decoded.height).toBe(task.height);
    expect(decoded.rgb.equals(Buffer.from(renderJulia(task, r.c)))).toBe(true);
  });

  it('gives different uuids different images', async () => {
    const a = await renderTask(task, pool);
    const b = await renderTask({ ...task, uuid: 'a1b2c3d4-0000-4000-8000-000000000001' }, pool);
    expect(b.checksum).not.toBe(a.checksum);
  });

  it('terminates for iterations ≤ 11 (the original looped forever choosing c)', async () => {
    for (let iterations = 1; iterations <= 11; iterations++) {
      const r = await renderTask({ ...task, width: 40, height: 30, iterations }, pool);
      const expected = renderJulia({ ...task, width: 40, height: 30, iterations }, r.c);
      expect(rgbOf(r.png).rgb.equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('renders 1-pixel-wide and 1-pixel-high images (the original divided by zero)', async () => {
    for (const [width, height] of [
      [1, 1],
      [1, 50],
      [50, 1],
    ] as const) {
      const r = await renderTask({ ...task, width, height }, pool);
      const decoded = rgbOf(r.png);
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      expect(decoded.rgb.equals(Buffer.from(renderJulia({ ...task, width, height }, r.c)))).toBe(true);
    }
  });

  it('rejects invalid parameters with a clear message', async () => {
    const bad: [Partial<Task>, RegExp][] = [
      [{ width: 0 }, /width must be a positive integer, got 0/],
      [{ height: 2.5 }, /height must be a positive integer, got 2.5/],
      [{ iterations: -3 }, /iterations must be a positive integer/],
      [{ xa: Number.NaN }, /xa must be a finite number, got NaN/],
      [{ yb: Number.POSITIVE_INFINITY }, /yb must be a finite number, got Infinity/],
      [{ width: 100_000, height: 100_000 }, /too large/],
      [{ uuid: '' }, /uuid must be a non-empty string/],
    ];
    for (const [change, message] of bad) {
      await expect(renderTask({ ...task, ...change }, pool)).rejects.toThrow(message);
    }
  });
});

describe('renderImage', () => {
  const request = { width: 120, height: 90, iterations: 100, xa: -1.5, xb: 1.5, ya: -1.5, yb: 1.5 };
  const c = { re: -0.8, im: 0.156 };

  it('renders with a given c, with its own threads or with a pool, and times both phases', async () => {
    const own = await renderImage({ ...request, c }, 2);
    const pool = new RenderPool({ threads: 3 });
    try {
      const pooled = await renderImage({ ...request, c }, pool);
      expect(pooled.png.equals(own.png)).toBe(true);
    } finally {
      await pool.close();
    }
    expect(rgbOf(own.png).rgb.equals(Buffer.from(renderJulia(request, c)))).toBe(true);
    expect(own.renderSeconds).toBeGreaterThan(0);
    expect(own.pngSeconds).toBeGreaterThan(0);
  });

  it('rejects a c that is not finite', async () => {
    await expect(renderImage({ ...request, c: { re: 0, im: Number.NaN } }, 1)).rejects.toThrow(/c.im/);
  });
});

describe('encodePng', () => {
  it('is deterministic and checks the buffer size', () => {
    const p: RenderParams = { width: 64, height: 48, iterations: 64, xa: -1, xb: 1, ya: -1, yb: 1 };
    const px = renderJulia(p, { re: -0.4, im: 0.6 });
    expect(encodePng(px, 64, 48).equals(encodePng(Uint8Array.from(px), 64, 48))).toBe(true);
    expect(() => encodePng(px, 64, 47)).toThrow(/expected 9024 RGB bytes/);
  });
});
