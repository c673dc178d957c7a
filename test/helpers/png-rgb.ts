// The RGB bytes of a PNG as pngjs decodes it: pngjs checks every chunk's CRC and always decodes to
// RGBA, so this also checks that every pixel came out opaque (the renderer writes RGB only).
import { PNG } from 'pngjs';
import { expect } from 'vitest';

export function rgbOf(png: Buffer): { width: number; height: number; rgb: Buffer } {
  const img = PNG.sync.read(png);
  const rgb = Buffer.alloc(img.width * img.height * 3);
  let opaque = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    rgb[p * 3] = img.data[p * 4]!;
    rgb[p * 3 + 1] = img.data[p * 4 + 1]!;
    rgb[p * 3 + 2] = img.data[p * 4 + 2]!;
    if (img.data[p * 4 + 3] === 255) opaque++;
  }
  expect(opaque).toBe(img.width * img.height);
  return { width: img.width, height: img.height, rgb };
}
