// Framing: the protocol header, the incremental frame reader, and the frame writers. A frame is
//   type (octet) | channel (short) | size (long) | payload (size octets) | frame-end (0xCE)
// The writers build everything a socket.write needs in one buffer: a delivery is method, header and
// body frames back to back, so the connection makes one write (and one syscall) per message. The
// content writers (contentFrames, contentMethodFrames, deliverFrames) live in content-header.ts and
// methodFrame in methods.ts, next to the encoders they use; all are re-exported here.

import { constants } from 'node:buffer';
import { AmqpError, REPLY } from '../errors.ts';
import { writeFrameHeader } from './fields.ts';
import { formatBinary } from './methods.ts';
import {
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FRAME_OVERHEAD,
} from './spec.ts';

export { contentFrames, contentMethodFrames, deliverFrames } from './content-header.ts';
export { methodFrame } from './methods.ts';
export {
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FRAME_MIN_SIZE,
  FRAME_OVERHEAD,
} from './spec.ts';

/**
 * The frame-max in force before connection.tune-ok: RabbitMQ's initial_frame_max default (its
 * ?FRAME_MIN_SIZE, 8192 since 4.1, to let large start-ok / update-secret tokens through).
 */
export const INITIAL_FRAME_MAX = 8192;
/** "AMQP" 0 0 9 1: what a 0-9-1 client sends first, and what a server answers a wrong header with. */
export const PROTOCOL_HEADER: Buffer = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

const FRAME_HEADER_SIZE = 7;

export interface Frame {
  type: number;
  channel: number;
  /**
   * A view of the chunk given to FrameReader.push (for a frame split across chunks: of a buffer
   * joined for that frame alone, or of the chunk that brought all of its payload). FrameReader never
   * reuses or writes to it, so it stays valid while referenced; but it keeps its whole chunk alive,
   * so a small body kept for long from a large chunk may be worth copying. A socket that reads into
   * a reused buffer (net's `onread` option) breaks this: copy each chunk before pushing it.
   */
  payload: Buffer;
}

// ---- Protocol header ------------------------------------------------------------------------------

export type ProtocolHeaderResult =
  /** Fewer than 8 bytes so far: call again with more. */
  | { status: 'incomplete' }
  /** AMQP 0-9-1; `rest` is whatever followed the header in the same chunk. */
  | { status: 'ok'; rest: Buffer }
  /**
   * Anything else (another AMQP version, HTTP, TLS): RabbitMQ writes PROTOCOL_HEADER back and closes
   * the socket.
   */
  | { status: 'mismatch'; received: Buffer };

export function readProtocolHeader(data: Buffer): ProtocolHeaderResult {
  if (data.length < 8) return { status: 'incomplete' };
  for (let i = 0; i < 8; i++) {
    if (data[i] !== PROTOCOL_HEADER[i]) return { status: 'mismatch', received: data.subarray(0, 8) };
  }
  return { status: 'ok', rest: data.subarray(8) };
}

// ---- Reading ---------------------------------------------------------------------------------------

/** RabbitMQ's frame error text: "type 1, first 16 octets = <<...>>: reason". */
function frameError(type: number, payload: Buffer, reason: string): AmqpError {
  const which = payload.length <= 16 ? 'all' : 'first 16';
  return new AmqpError(
    REPLY.FRAME_ERROR,
    `type ${type}, ${which} octets = ${formatBinary(payload.subarray(0, 16))}: ${reason}`,
    'connection',
  );
}

const EMPTY = Buffer.alloc(0);
/** The largest payload a Buffer can hold with its framing: beyond it no frame-max can apply. */
const MAX_PAYLOAD = constants.MAX_LENGTH - FRAME_OVERHEAD;

/**
 * Splits a byte stream into frames. Frames wholly inside a chunk are returned as views of it (no
 * copy). A frame split across chunks is kept as views of its pieces and joined once when its last
 * byte arrives, so each byte is copied at most once however finely the stream is chopped, and
 * memory grows only as the peer actually sends (not by the size a frame header announces). Like
 * any Node stream consumer, it assumes a chunk is not modified after push. Errors are FRAME_ERROR
 * connection errors, after which the reader throws the same error on every push.
 */
export class FrameReader {
  /**
   * The negotiated frame-max (0: no limit). Until tune-ok it is RabbitMQ's initial frame-max. As
   * RabbitMQ does, a payload up to frame-max itself is accepted (not frame-max - 8): clients are
   * often off by the 8 bytes of framing.
   */
  maxFrameSize: number;

  /** Bytes of the current partial frame received so far, header included (0: none). */
  #have = 0;
  /** The partial frame's 7-byte header (complete once #have >= 7). */
  #header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  /** Payload and frame-end bytes of the partial frame, as views of the chunks they came in. */
  #parts: Buffer[] = [];
  /** The partial frame's whole size (0 until its header is complete). */
  #total = 0;
  #error: AmqpError | null = null;

  constructor(maxFrameSize: number = INITIAL_FRAME_MAX) {
    this.maxFrameSize = maxFrameSize;
  }

  push(chunk: Buffer): Frame[] {
    if (this.#error !== null) throw this.#error;
    try {
      return this.#push(chunk);
    } catch (err) {
      if (err instanceof AmqpError) this.#error = err;
      throw err;
    }
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return this.#have;
  }

  #push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    const len = chunk.length;
    let off = 0;
    if (this.#have > 0) {
      off = this.#continue(chunk, frames);
      if (off < 0) return frames;
    }
    while (len - off >= FRAME_HEADER_SIZE) {
      const type = chunk[off]!;
      const size = chunk.readUInt32BE(off + 3);
      this.#checkSize(type, size);
      const total = size + FRAME_OVERHEAD;
      if (len - off < total) break;
      const channel = (chunk[off + 1]! << 8) | chunk[off + 2]!;
      const start = off + FRAME_HEADER_SIZE;
      frames.push(this.#complete(type, channel, chunk.subarray(start, start + size), chunk[start + size]!));
      off += total;
    }
    if (off < len) this.#stash(chunk, off);
    return frames;
  }

  #checkSize(type: number, size: number): void {
    const max = this.maxFrameSize;
    if ((max !== 0 && size > max) || size > MAX_PAYLOAD) {
      throw frameError(
        type,
        EMPTY,
        `{frame_too_large,${size},${(max || MAX_PAYLOAD + FRAME_OVERHEAD) - FRAME_OVERHEAD}}`,
      );
    }
  }

  /** Validates a complete frame (end octet, type) and makes its Frame. */
  #complete(type: number, channel: number, payload: Buffer, end: number): Frame {
    if (end !== FRAME_END) throw frameError(type, payload, `{invalid_frame_end_marker,${end}}`);
    if (type === FRAME_METHOD || type === FRAME_HEADER || type === FRAME_BODY)
      return { type, channel, payload };
    // RabbitMQ's analyze_frame accepts a heartbeat only with an empty payload.
    if (type === FRAME_HEARTBEAT && payload.length === 0) return { type, channel, payload };
    throw frameError(type, payload, 'unknown_frame');
  }

  /** Keeps the incomplete tail of a chunk (its frame header, if complete, was size-checked). */
  #stash(chunk: Buffer, off: number): void {
    const rest = chunk.length - off;
    const take = Math.min(rest, FRAME_HEADER_SIZE);
    chunk.copy(this.#header, 0, off, off + take);
    this.#have = rest;
    if (rest >= FRAME_HEADER_SIZE) {
      this.#total = this.#header.readUInt32BE(3) + FRAME_OVERHEAD;
      if (rest > FRAME_HEADER_SIZE) this.#parts.push(chunk.subarray(off + FRAME_HEADER_SIZE));
    }
  }

  /** Feeds a chunk to the partial frame; returns where the chunk's own frames start, or -1. */
  #continue(chunk: Buffer, frames: Frame[]): number {
    let off = 0;
    const header = this.#header;
    if (this.#have < FRAME_HEADER_SIZE) {
      const take = Math.min(FRAME_HEADER_SIZE - this.#have, chunk.length);
      chunk.copy(header, this.#have, 0, take);
      this.#have += take;
      off = take;
      if (this.#have < FRAME_HEADER_SIZE) return -1;
      const size = header.readUInt32BE(3);
      this.#checkSize(header[0]!, size);
      this.#total = size + FRAME_OVERHEAD;
    }
    const take = Math.min(this.#total - this.#have, chunk.length - off);
    if (take > 0) this.#parts.push(chunk.subarray(off, off + take));
    this.#have += take;
    off += take;
    if (this.#have < this.#total) return -1;
    const parts = this.#parts;
    const rest = this.#total - FRAME_HEADER_SIZE;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, rest);
    this.#parts = [];
    this.#have = 0;
    this.#total = 0;
    const channel = (header[1]! << 8) | header[2]!;
    frames.push(this.#complete(header[0]!, channel, bytes.subarray(0, rest - 1), bytes[rest - 1]!));
    return off;
  }
}

// ---- Writing ---------------------------------------------------------------------------------------

export function encodeFrame(type: number, channel: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(payload.length + FRAME_OVERHEAD);
  writeFrameHeader(out, 0, type, channel, payload.length);
  out.set(payload, FRAME_HEADER_SIZE);
  out[payload.length + FRAME_HEADER_SIZE] = FRAME_END;
  return out;
}

/** The heartbeat frame (type 8, channel 0, empty). Shared: do not modify. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([FRAME_HEARTBEAT, 0, 0, 0, 0, 0, 0, FRAME_END]);

export function heartbeatFrame(): Buffer {
  return HEARTBEAT_FRAME;
}
