// The PNG settings, the whole-image encoder (pngjs) and the checksum the original stored (sha256
// hex of the PNG file's bytes). Every setting is fixed, so the same pixels always give the same
// bytes. Tasks are encoded band by band (png-bands.ts) with these settings; encodePng holds the whole
// image and its filtered copy at once, and stays as the yardstick png-bands.ts must match byte for
// byte (and as the benchmark's "old" way).
import { createHash } from 'node:crypto';
import { constants as zlib } from 'node:zlib';
import { type PackerOptions, PNG } from 'pngjs';

// Chosen by measurement (bench/render.ts prints the comparison): Julia images repeat the same 32
// colours in long runs, so the Up filter plus ordinary LZ77 at level 4 is about half the size of
// pngjs's defaults (adaptive filter, level 9, run-length only) at about a third of the time.
export const PNG_OPTIONS = Object.freeze({
  colorType: 2,
  inputColorType: 2,
  inputHasAlpha: false,
  bitDepth: 8,
  filterType: 2,
  deflateLevel: 4,
  deflateStrategy: zlib.Z_DEFAULT_STRATEGY,
} satisfies PackerOptions);

/** Encodes width·height·3 RGB bytes as an 8-bit RGB PNG. */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  options: PackerOptions = PNG_OPTIONS,
): Buffer {
  if (pixels.length !== width * height * 3) {
    throw new RangeError(
      `expected ${width * height * 3} RGB bytes for ${width} x ${height}, got ${pixels.length}`,
    );
  }
  // pngjs reads only width, height and data here; with matching colour types it uses the bytes as they are.
  const image = { width, height, data: pixels } as unknown as PNG;
  return PNG.sync.write(image, { ...options });
}

/** The original's checksum: sha256 hex digest of the PNG bytes. */
export function checksumOf(png: Uint8Array): string {
  return createHash('sha256').update(png).digest('hex');
}
