// The guide's largest task, 9999 × 9999, inside the smallest flavor: m1.tiny has 512 MB, so the
// process rendering it must peak well below that (drawing and encoding the whole image at once
// peaked at about 790 MB). Two real child processes, each with peak-rss.mjs preloaded: `faafo render`,
// and a worker's task (processTask → renderTask → PUT) reporting to a small HTTP endpoint here.
// Both run the TypeScript through tsx, which costs more memory than the build a node runs.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, createInflate } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDER_DEFAULTS } from '../../src/faafo/cli/commands/render.ts';
import type { Task } from '../../src/faafo/model.ts';
import { renderRows } from '../../src/faafo/render/julia.ts';
import type { Complex, RenderParams } from '../../src/faafo/render/params.ts';
import { chooseC } from '../../src/faafo/render/point.ts';
import { FAAFO_BIN, ROOT } from '../helpers/faafo-processes.ts';

const PEAK_RSS = join(ROOT, 'test', 'helpers', 'peak-rss.mjs');
const TASK_CHILD = join(import.meta.dirname, 'render-task-child.ts');
const LIMIT_MB = 400;
const SIZE = 9999;
// Memory does not depend on the iteration budget, time does: a small one keeps each render to seconds.
const ITERATIONS = 64;
// Rows compared with the kernel: the first, the last, and rows inside and at the edges of bands.
const SAMPLE_ROWS = [0, 1, 138, 139, 140, 4999, 5000, 8191, SIZE - 2, SIZE - 1];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faafo-render-memory-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs node with peak-rss.mjs preloaded; resolves with its output and its peak RSS in MB. */
function runMeasured(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; peakMb: number }> {
  const rssFile = join(dir, `peak-rss-${Date.now()}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FAAFO_')) delete env[key];
  Object.assign(env, { FAAFO_RUN_TS: '1', PEAK_RSS_FILE: rssFile });
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', PEAK_RSS, ...args],
      { env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
        resolve({ code, stdout, stderr, peakMb });
      },
    );
  });
}

/** The PNG's chunks, each checked against its CRC, and its IDAT data in order. */
function chunksOf(png: Buffer): { types: string[]; header: Buffer; idat: Buffer[] } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  const types: string[] = [];
  const idat: Buffer[] = [];
  let header: Buffer = Buffer.alloc(0);
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
    const type = typeAndData.subarray(0, 4).toString('latin1');
    types.push(type);
    if (type === 'IHDR') header = typeAndData.subarray(4);
    if (type === 'IDAT') idat.push(typeAndData.subarray(4));
    at += 12 + length;
  }
  return { types, header, idat };
}

/**
 * Some rows of a PNG as RGB, decoded row by row (inflating and undoing the Up filter as the bytes
 * come), so the test never holds the 300 MB image; also checks that the image has exactly `height` rows.
 */
async function sampleRows(
  png: Buffer,
  width: number,
  height: number,
  wanted: number[],
): Promise<Map<number, Buffer>> {
  const { types, header, idat } = chunksOf(png);
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  expect([header.readUInt32BE(0), header.readUInt32BE(4), ...header.subarray(8, 13)]).toEqual([
    width,
    height,
    8,
    2,
    0,
    0,
    0,
  ]);
  const rowBytes = width * 3;
  const samples = new Map<number, Buffer>();
  let previous = Buffer.alloc(rowBytes);
  let row = Buffer.alloc(rowBytes + 1);
  let filled = 0;
  let y = 0;
  const inflate = createInflate();
  inflate.on('data', (piece: Buffer) => {
    for (let at = 0; at < piece.length; ) {
      const n = Math.min(piece.length - at, row.length - filled);
      piece.copy(row, filled, at, at + n);
      filled += n;
      at += n;
      if (filled < row.length) continue;
      expect(row[0]).toBe(2); // the Up filter
      const rgb = Buffer.alloc(rowBytes);
      for (let x = 0; x < rowBytes; x++) rgb[x] = row[x + 1]! + previous[x]!;
      if (wanted.includes(y)) samples.set(y, rgb);
      previous = rgb;
      row = Buffer.alloc(rowBytes + 1);
      filled = 0;
      y++;
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    inflate.on('end', resolve);
    inflate.on('error', reject);
  });
  for (const piece of idat) inflate.write(piece);
  inflate.end();
  await done;
  expect([y, filled]).toEqual([height, 0]);
  return samples;
}

/** Checks the sampled rows against the kernel's rendering of the same rows. */
async function expectRowsDrawnBy(png: Buffer, params: RenderParams, c: Complex): Promise<void> {
  const samples = await sampleRows(png, params.width, params.height, SAMPLE_ROWS);
  expect([...samples.keys()].sort((a, b) => a - b)).toEqual(SAMPLE_ROWS);
  for (const [y, rgb] of samples) {
    const expected = new Uint8Array(params.width * 3);
    renderRows(expected, params, c, y, y + 1);
    expect(rgb.equals(expected), `row ${y}`).toBe(true);
  }
}

describe(`a ${SIZE} x ${SIZE} image within m1.tiny's 512 MB`, () => {
  it(`faafo render draws and saves it with a peak RSS under ${LIMIT_MB} MB`, async () => {
    const file = join(dir, 'big.png');
    const result = await runMeasured([
      FAAFO_BIN,
      'render',
      ...['--width', String(SIZE), '--height', String(SIZE), '--iterations', String(ITERATIONS)],
      ...['--threads', '2', '-o', file],
    ]);
    expect(result.code, result.stderr).toBe(0);
    console.log(
      `faafo render ${SIZE} x ${SIZE}: peak RSS ${result.peakMb.toFixed(0)} MB; ${result.stdout.trim()}`,
    );
    expect(result.peakMb).toBeLessThan(LIMIT_MB);
    const { c, ...region } = RENDER_DEFAULTS;
    const params = { ...region, width: SIZE, height: SIZE, iterations: ITERATIONS };
    await expectRowsDrawnBy(readFileSync(file), params, c);
  }, 240_000);

  it(`a worker renders, checksums and uploads the task with a peak RSS under ${LIMIT_MB} MB`, async () => {
    const task: Task = {
      uuid: '99999999-9999-4999-8999-999999999999',
      width: SIZE,
      height: SIZE,
      iterations: ITERATIONS,
      xa: -2,
      xb: 2,
      ya: -1.5,
      yb: 1.5,
    };
    const received: { url: string; body: Record<string, unknown> }[] = [];
    const api: Server = createServer((request, response) => {
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => {
        received.push({ url: request.url ?? '', body: JSON.parse(Buffer.concat(parts).toString('utf8')) });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = api.address() as { port: number };
      const result = await runMeasured([
        '--import',
        'tsx',
        TASK_CHILD,
        `http://127.0.0.1:${port}`,
        JSON.stringify(task),
        '2',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trim().split('\n');
      console.log(`worker task ${SIZE} x ${SIZE}: peak RSS ${result.peakMb.toFixed(0)} MB; ${lines[0]}`);
      expect(JSON.parse(lines.at(-1)!)).toEqual({ verdict: 'ack' });
      expect(result.peakMb).toBeLessThan(LIMIT_MB);

      expect(received).toHaveLength(1);
      const { url, body } = received[0]!;
      expect(url).toBe(`/v1/fractal/${task.uuid}`);
      const png = Buffer.from(body.image as string, 'base64');
      expect(body.checksum).toBe(createHash('sha256').update(png).digest('hex'));
      expect(body.size).toBe(png.length);
      expect(body.generated_by).toBe('memory-test-worker');
      await expectRowsDrawnBy(png, task, chooseC(task.uuid, task));
    } finally {
      await new Promise((resolve) => api.close(resolve));
    }
  }, 240_000);
});
