// A PNG encoder fed a band of rows at a time, so a 9999 × 9999 image is encoded without a full-size
// copy of its pixels or of its filtered rows (pngjs needs both: 300 MB each): each band is filtered
// into a small staging buffer and streamed through zlib, and only the compressed bytes accumulate.
// It writes byte for byte what encodePng (pngjs with PNG_OPTIONS) writes for the same pixels, so a
// task's checksum (sha256 of the PNG bytes) is the same as before and the same on every run.
import { crc32, createDeflate } from 'node:zlib';
import { PNG_OPTIONS } from './png.ts';

export interface PngBandEncoder {
  /**
   * Filters and compresses the image's next rows (width·3 RGB bytes each). `rgb` may be reused as
   * soon as this returns; call it again only after its promise settles.
   */
  writeRows(rgb: Uint8Array): Promise<void>;
  /** Ends the image once every row was written; resolves with the PNG file's bytes. */
  finish(): Promise<Buffer>;
  /** Gives up on the image (its render failed): frees the compressor at once. */
  cancel(): void;
}

export interface PngBandOptions {
  /** The largest IDAT chunk; PNG allows 2³¹−1 bytes (tests pass a small one to get several). */
  maxIdatBytes?: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_CHUNK_BYTES = 2 ** 31 - 1;
const COLOUR_TYPE_RGB = 2;
const FILTER_UP = 2;
// Larger output pieces than zlib's 16 KiB default: fewer Buffers to keep for a 14 MB image.
const DEFLATE_CHUNK_BYTES = 256 * 1024;

/** A chunk whose data is `pieces` one after the other: length, type, data, CRC of type and data. */
function chunk(type: string, pieces: readonly Buffer[]): Buffer[] {
  const typeBytes = Buffer.from(type, 'latin1');
  let length = 0;
  let crc = crc32(typeBytes);
  for (const piece of pieces) {
    length += piece.length;
    crc = crc32(piece, crc);
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(length, 0);
  typeBytes.copy(head, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc, 0);
  return [head, ...pieces, tail];
}

/** The compressed stream as IDAT chunks of at most `max` bytes (one chunk, as pngjs writes, when it fits). */
function idatChunks(compressed: readonly Buffer[], max: number): Buffer[] {
  const out: Buffer[] = [];
  let pieces: Buffer[] = [];
  let size = 0;
  for (let piece of compressed) {
    while (size + piece.length > max) {
      const room = max - size;
      pieces.push(piece.subarray(0, room));
      out.push(...chunk('IDAT', pieces));
      piece = piece.subarray(room);
      pieces = [];
      size = 0;
    }
    if (piece.length > 0) {
      pieces.push(piece);
      size += piece.length;
    }
  }
  if (pieces.length > 0 || out.length === 0) out.push(...chunk('IDAT', pieces));
  return out;
}

/**
 * PNG's Up filter on `rows` rows of `rgb`: each output row is the filter type, then every byte minus
 * the byte above it (mod 256); the row above the first is `above`, which then becomes the last row.
 */
function filterUp(rgb: Uint8Array, rows: number, above: Uint8Array, out: Uint8Array): void {
  const rowBytes = above.length;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const at = r * rowBytes;
    out[o++] = FILTER_UP;
    if (r === 0) {
      for (let x = 0; x < rowBytes; x++) out[o++] = rgb[x]! - above[x]!;
    } else {
      for (let x = 0; x < rowBytes; x++) out[o++] = rgb[at + x]! - rgb[at - rowBytes + x]!;
    }
  }
  above.set(rgb.subarray((rows - 1) * rowBytes, rows * rowBytes));
}

/** An encoder for one width × height 8-bit RGB image, written top row first. */
export function createPngEncoder(
  width: number,
  height: number,
  options: PngBandOptions = {},
): PngBandEncoder {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_CHUNK_BYTES) {
      throw new RangeError(`a PNG's ${name} must be an integer from 1 to ${MAX_CHUNK_BYTES}, got ${value}`);
    }
  }
  const maxIdatBytes = options.maxIdatBytes ?? MAX_CHUNK_BYTES;
  const rowBytes = width * 3;
  const above = new Uint8Array(rowBytes); // zero above the first row, as the Up filter defines
  // Two staging buffers: one is being compressed while the next band is filtered into the other.
  const staging: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  let turn = 0;
  let rowsWritten = 0;
  let busy = false;
  let lastWrite: Promise<void> = Promise.resolve();
  let failure: Error | undefined;

  const deflate = createDeflate({
    level: PNG_OPTIONS.deflateLevel,
    strategy: PNG_OPTIONS.deflateStrategy,
    chunkSize: DEFLATE_CHUNK_BYTES,
  });
  const compressed: Buffer[] = [];
  deflate.on('data', (piece: Buffer) => compressed.push(piece));
  const ended = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', (error) => {
      failure = new Error(`Compressing the PNG failed: ${error.message}`, { cause: error });
      reject(failure);
    });
  });
  // Rejections are awaited in finish() or writeRows(); this keeps an early one from going unhandled.
  ended.catch(() => undefined);

  const write = (data: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      deflate.write(data, (error) => (error ? reject(failure ?? error) : resolve()));
    });

  return {
    async writeRows(rgb) {
      if (busy)
        throw new Error('writeRows was called again before its previous call finished; await each call.');
      if (rgb.length === 0 || rgb.length % rowBytes !== 0) {
        throw new RangeError(`expected whole rows of ${rowBytes} RGB bytes, got ${rgb.length} bytes`);
      }
      const rows = rgb.length / rowBytes;
      if (rowsWritten + rows > height) {
        throw new RangeError(`the image has ${height} rows: ${rows} more after ${rowsWritten} do not fit`);
      }
      if (failure) throw failure;
      busy = true;
      try {
        const size = rows * (rowBytes + 1);
        if (staging[turn]!.length < size) staging[turn] = Buffer.allocUnsafeSlow(size); // every byte is written
        const out = staging[turn]!.subarray(0, size);
        filterUp(rgb, rows, above, out);
        rowsWritten += rows;
        // The other staging buffer is free again once the write before this one is compressed.
        await lastWrite;
        lastWrite = write(out);
        lastWrite.catch(() => undefined);
        turn = 1 - turn;
      } finally {
        busy = false;
      }
    },

    async finish() {
      if (busy) throw new Error('finish was called before the last writeRows finished; await it first.');
      if (rowsWritten !== height) {
        throw new Error(`the PNG got ${rowsWritten} of its ${height} rows; write them all before finishing`);
      }
      await lastWrite;
      deflate.end();
      await ended;
      const header = Buffer.alloc(13);
      header.writeUInt32BE(width, 0);
      header.writeUInt32BE(height, 4);
      header[8] = 8; // bit depth
      header[9] = COLOUR_TYPE_RGB;
      // Compression 0 (deflate), filter method 0, no interlace: header[10..12] stay 0.
      return Buffer.concat([
        SIGNATURE,
        ...chunk('IHDR', [header]),
        ...idatChunks(compressed, maxIdatBytes),
        ...chunk('IEND', []),
      ]);
    },

    cancel() {
      failure ??= new Error('the PNG was cancelled');
      deflate.destroy();
    },
  };
}
