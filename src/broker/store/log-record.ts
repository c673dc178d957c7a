// The log's record format. Each record is
//   [length u32 LE][crc32 u32 LE][type u8][payload …]
// where length counts the type byte and the payload, and the CRC covers the same bytes. A record
// cut short by a crash (torn tail) or damaged on disk fails the length or CRC check, and reading
// stops there: everything before it is intact, because records are only ever appended.
import * as zlib from 'node:zlib';
import type {
  BindingDefinition,
  ExchangeDefinition,
  PersistedMessage,
  QueueDefinition,
} from './contracts.ts';
import { ByteReader, type ByteWriter } from './value-codec.ts';

export const HEADER_BYTES = 8;

export const RECORD = {
  PUT_EXCHANGE: 1,
  DELETE_EXCHANGE: 2,
  PUT_QUEUE: 3,
  DELETE_QUEUE: 4,
  PUT_BINDING: 5,
  DELETE_BINDING: 6,
  /** A message with its body entering a queue. */
  MESSAGE: 7,
  /** A message whose body an earlier MESSAGE record carries, entering another queue. */
  ENQUEUE: 8,
  DELIVERED: 9,
  REMOVE: 10,
  PURGE: 11,
  /** Highest message id so far (snapshots), so ids stay unique after compaction. */
  LAST_ID: 12,
} as const;

export type LogRecord =
  | { type: typeof RECORD.PUT_EXCHANGE; definition: ExchangeDefinition }
  | { type: typeof RECORD.DELETE_EXCHANGE; name: string }
  | { type: typeof RECORD.PUT_QUEUE; definition: QueueDefinition }
  | { type: typeof RECORD.DELETE_QUEUE; name: string }
  | { type: typeof RECORD.PUT_BINDING; definition: BindingDefinition }
  | { type: typeof RECORD.DELETE_BINDING; definition: BindingDefinition }
  | { type: typeof RECORD.MESSAGE; queue: string; message: PersistedMessage; delivered: boolean }
  | { type: typeof RECORD.ENQUEUE; queue: string; id: number; delivered: boolean }
  | { type: typeof RECORD.DELIVERED; queue: string; id: number }
  | { type: typeof RECORD.REMOVE; queue: string; id: number }
  | { type: typeof RECORD.PURGE; queue: string }
  | { type: typeof RECORD.LAST_ID; id: number };

const FLAG_DELIVERED = 1;

// Node has zlib.crc32 from 20.15 (and the project requires 20.19); the table is for anything older.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let table: Uint32Array | undefined;

export function crc32(data: Uint8Array, value = 0): number {
  if (nativeCrc32) return nativeCrc32(data, value);
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

// Writers append one record at w.pos. The store copies single records out of a reused writer;
// a compaction snapshot writes all of its records into one writer, body bytes included, so
// building it costs no per-record allocation.

function begin(w: ByteWriter, type: number): number {
  const start = w.pos;
  w.ensure(HEADER_BYTES + 1);
  w.pos += HEADER_BYTES;
  w.u8(type);
  return start;
}

/** Fills in length and CRC. `body`, when given, follows the record without being in the writer. */
function end(w: ByteWriter, start: number, body?: Buffer): void {
  let crc = crc32(w.buf.subarray(start + HEADER_BYTES, w.pos));
  if (body) crc = crc32(body, crc);
  w.buf.writeUInt32LE(w.pos - start - HEADER_BYTES + (body?.length ?? 0), start);
  w.buf.writeUInt32LE(crc, start + 4);
}

export function writeExchange(w: ByteWriter, definition: ExchangeDefinition): void {
  const start = begin(w, RECORD.PUT_EXCHANGE);
  w.object({ ...definition });
  end(w, start);
}

export function writeQueue(w: ByteWriter, definition: QueueDefinition): void {
  const start = begin(w, RECORD.PUT_QUEUE);
  w.object({ ...definition });
  end(w, start);
}

export function writeBinding(w: ByteWriter, type: 5 | 6, definition: BindingDefinition): void {
  const start = begin(w, type);
  w.object({ ...definition });
  end(w, start);
}

/** DELETE_EXCHANGE, DELETE_QUEUE, PURGE: a name. */
export function writeName(w: ByteWriter, type: 2 | 4 | 11, name: string): void {
  const start = begin(w, type);
  w.str(name);
  end(w, start);
}

/**
 * A MESSAGE record. With `inlineBody` the body is copied into the writer; without, the record
 * written is only its head and the caller must write `message.body` right after it.
 */
export function writeMessage(
  w: ByteWriter,
  queue: string,
  message: PersistedMessage,
  delivered: boolean,
  inlineBody: boolean,
): void {
  const start = begin(w, RECORD.MESSAGE);
  w.u8(delivered ? FLAG_DELIVERED : 0);
  w.u48(message.id);
  w.str(queue);
  w.str(message.exchange);
  w.str(message.routingKey);
  w.object(message.properties as Record<string, unknown>);
  if (inlineBody) {
    w.ensure(message.body.length);
    w.buf.set(message.body, w.pos);
    w.pos += message.body.length;
    end(w, start);
  } else {
    end(w, start, message.body);
  }
}

/** ENQUEUE (with its delivered flag), DELIVERED, REMOVE: a queue and a message id. */
export function writeRef(
  w: ByteWriter,
  type: 8 | 9 | 10,
  queue: string,
  id: number,
  delivered = false,
): void {
  const start = begin(w, type);
  if (type === RECORD.ENQUEUE) w.u8(delivered ? FLAG_DELIVERED : 0);
  w.u48(id);
  w.str(queue);
  end(w, start);
}

export function writeLastId(w: ByteWriter, id: number): void {
  const start = begin(w, RECORD.LAST_ID);
  w.u48(id);
  end(w, start);
}

function decode(r: ByteReader, type: number): LogRecord {
  switch (type) {
    case RECORD.PUT_EXCHANGE:
      return { type, definition: r.object() as unknown as ExchangeDefinition };
    case RECORD.PUT_QUEUE:
      return { type, definition: r.object() as unknown as QueueDefinition };
    case RECORD.PUT_BINDING:
    case RECORD.DELETE_BINDING:
      return { type, definition: r.object() as unknown as BindingDefinition };
    case RECORD.DELETE_EXCHANGE:
    case RECORD.DELETE_QUEUE:
      return { type, name: r.str() };
    case RECORD.PURGE:
      return { type, queue: r.str() };
    case RECORD.MESSAGE: {
      const delivered = (r.u8() & FLAG_DELIVERED) !== 0;
      const id = r.u48();
      const queue = r.str();
      const exchange = r.str();
      const routingKey = r.str();
      const properties = r.object();
      const body = r.bytes(r.remaining);
      return {
        type,
        queue,
        delivered,
        message: { id, exchange, routingKey, properties, body, redelivered: false },
      };
    }
    case RECORD.ENQUEUE: {
      const delivered = (r.u8() & FLAG_DELIVERED) !== 0;
      const id = r.u48();
      return { type, id, queue: r.str(), delivered };
    }
    case RECORD.DELIVERED:
    case RECORD.REMOVE: {
      const id = r.u48();
      return { type, id, queue: r.str() };
    }
    case RECORD.LAST_ID:
      return { type, id: r.u48() };
    default:
      throw new RangeError(`unknown record type ${type}`);
  }
}

/**
 * Reads records from the start of `buf`, handing each to `onRecord`, and returns the offset just
 * past the last intact one. Reading stops at the first record that is cut short, fails its CRC or
 * does not decode: only a crash mid-append produces one, and nothing after it can be trusted.
 */
export function scanLog(buf: Buffer, onRecord: (record: LogRecord) => void): number {
  let offset = 0;
  while (offset + HEADER_BYTES < buf.length) {
    const length = buf.readUInt32LE(offset);
    const start = offset + HEADER_BYTES;
    const end = start + length;
    if (length === 0 || end > buf.length) break;
    if (crc32(buf.subarray(start, end)) !== buf.readUInt32LE(offset + 4)) break;
    let record: LogRecord;
    try {
      record = decode(new ByteReader(buf, start + 1, end), buf[start]!);
    } catch {
      break;
    }
    onRecord(record);
    offset = end;
  }
  return offset;
}
