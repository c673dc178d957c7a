import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderJulia } from '../../src/faafo/render/julia.ts';
import type { Complex, RenderParams } from '../../src/faafo/render/params.ts';
import { encodePng } from '../../src/faafo/render/png.ts';
import { createPngEncoder, type PngBandOptions } from '../../src/faafo/render/png-bands.ts';
import { rgbOf } from '../helpers/png-rgb.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Feeds `pixels` to a band encoder in bands of the given row counts (repeated), and returns the PNG. */
async function encodeInBands(
  pixels: Uint8Array,
  width: number,
  height: number,
  bandRows: number[],
  options?: PngBandOptions,
): Promise<Buffer> {
  const encoder = createPngEncoder(width, height, options);
  const rowBytes = width * 3;
  // One reused buffer, as the pool reuses its band buffers: the encoder must not keep it.
  const band = new Uint8Array(Math.max(...bandRows) * rowBytes);
  for (let row = 0, k = 0; row < height; k++) {
    const rows = Math.min(bandRows[k % bandRows.length]!, height - row);
    band.set(pixels.subarray(row * rowBytes, (row + rows) * rowBytes));
    await encoder.writeRows(band.subarray(0, rows * rowBytes));
    band.fill(0xa5); // the encoder has what it needs once writeRows settles
    row += rows;
  }
  return encoder.finish();
}

/** The file's chunks, each checked against its own CRC. */
function chunksOf(png: Buffer): { type: string; length: number }[] {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  const chunks: { type: string; length: number }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
    chunks.push({ type: typeAndData.subarray(0, 4).toString('latin1'), length });
    at += 12 + length;
  }
  return chunks;
}

const images: [string, RenderParams, Complex][] = [
  ['1 x 1', { width: 1, height: 1, iterations: 50, xa: -1, xb: 1, ya: -1, yb: 1 }, { re: -0.8, im: 0.156 }],
  ['1 x 40', { width: 1, height: 40, iterations: 50, xa: -1, xb: 1, ya: -1, yb: 1 }, { re: -0.8, im: 0.156 }],
  ['37 x 1', { width: 37, height: 1, iterations: 50, xa: -1, xb: 1, ya: -1, yb: 1 }, { re: 0.285, im: 0.01 }],
  [
    '211 x 143',
    { width: 211, height: 143, iterations: 180, xa: -2.2, xb: 1.3, ya: -1.4, yb: 1.2 },
    { re: -0.4, im: 0.6 },
  ],
  [
    '640 x 480',
    { width: 640, height: 480, iterations: 300, xa: -1.6, xb: 1.6, ya: -1.2, yb: 1.2 },
    { re: -0.8, im: 0.156 },
  ],
];

describe('the band PNG encoder', () => {
  for (const [name, params, c] of images) {
    it(`writes ${name} byte for byte as pngjs does, however the rows are banded`, async () => {
      const pixels = renderJulia(params, c);
      const reference = encodePng(pixels, params.width, params.height);
      for (const bands of [[params.height], [1], [7, 1, 64], [params.height + 5]]) {
        const png = await encodeInBands(pixels, params.width, params.height, bands);
        expect(png.equals(reference)).toBe(true);
      }
      const decoded = rgbOf(reference);
      expect([decoded.width, decoded.height]).toEqual([params.width, params.height]);
      expect(sha256(decoded.rgb)).toBe(sha256(pixels));
    });
  }

  it('writes a valid PNG: IHDR, one IDAT, IEND, each with its CRC', async () => {
    const [, params, c] = images[3]!;
    const png = await encodeInBands(renderJulia(params, c), params.width, params.height, [10]);
    const chunks = chunksOf(png);
    expect(chunks.map((k) => k.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks[0]!.length).toBe(13);
    expect(png.readUInt32BE(16)).toBe(params.width);
    expect(png.readUInt32BE(20)).toBe(params.height);
    expect([...png.subarray(24, 29)]).toEqual([8, 2, 0, 0, 0]);
  });

  it('splits the compressed stream over several IDAT chunks when one would be too large', async () => {
    const [, params, c] = images[4]!;
    const pixels = renderJulia(params, c);
    const png = await encodeInBands(pixels, params.width, params.height, [33], { maxIdatBytes: 1000 });
    const chunks = chunksOf(png);
    const idats = chunks.filter((k) => k.type === 'IDAT');
    expect(idats.length).toBeGreaterThan(5);
    expect(idats.every((k) => k.length <= 1000)).toBe(true);
    expect(chunks[0]!.type).toBe('IHDR');
    expect(chunks.at(-1)!.type).toBe('IEND');
    expect(chunks.slice(1, -1).every((k) => k.type === 'IDAT')).toBe(true);
    expect(sha256(rgbOf(png).rgb)).toBe(sha256(pixels));
  });

  it('refuses rows of the wrong size, rows past the end, and an early finish', async () => {
    const encoder = createPngEncoder(4, 3);
    await expect(encoder.writeRows(new Uint8Array(13))).rejects.toThrow(/whole rows of 12 RGB bytes, got 13/);
    await expect(encoder.writeRows(new Uint8Array(0))).rejects.toThrow(/whole rows of 12 RGB bytes, got 0/);
    await expect(encoder.writeRows(new Uint8Array(48))).rejects.toThrow(
      /has 3 rows: 4 more after 0 do not fit/,
    );
    await encoder.writeRows(new Uint8Array(24));
    await expect(encoder.finish()).rejects.toThrow(/got 2 of its 3 rows/);
    await encoder.writeRows(new Uint8Array(12));
    const png = await encoder.finish();
    expect(rgbOf(png).rgb.equals(Buffer.alloc(36))).toBe(true);
    expect(() => createPngEncoder(0, 3)).toThrow(/width must be an integer from 1/);
    expect(() => createPngEncoder(3, 2.5)).toThrow(/height must be an integer from 1/);
  });

  it('refuses a second writeRows, or finish, while a write is still in progress', async () => {
    const encoder = createPngEncoder(8, 4);
    await encoder.writeRows(new Uint8Array(24));
    const pending = encoder.writeRows(new Uint8Array(24));
    await expect(encoder.writeRows(new Uint8Array(24))).rejects.toThrow(/before its previous call finished/);
    await expect(encoder.finish()).rejects.toThrow(/before the last writeRows finished/);
    await pending;
    await encoder.writeRows(new Uint8Array(48));
    expect(rgbOf(await encoder.finish()).height).toBe(4);
  });

  it('rejects writes after it was cancelled', async () => {
    const encoder = createPngEncoder(8, 4);
    await encoder.writeRows(new Uint8Array(24));
    encoder.cancel();
    await expect(encoder.writeRows(new Uint8Array(24))).rejects.toThrow(/cancelled/);
  });
});
