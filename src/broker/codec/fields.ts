// Field tables and field arrays (the `table` argument type and the headers property) as RabbitMQ puts
// them on the wire: the type letters of RabbitMQ's errata, not the 0-9-1 spec's. Also the growable
// scratch writer and the string helpers the method and header encoders share.
//
// Decoding yields the same JS values amqplib's decoder does, so a value that went client -> broker ->
// client looks the same to the consumer as it would through RabbitMQ:
//   t -> boolean; b B s u I i l (and RabbitMQ's L) -> number; f d -> number; S -> string (UTF-8);
//   x -> Buffer (a view of the input); A -> array; F -> object; V -> null;
//   T -> { '!': 'timestamp', value: number }; D -> { '!': 'decimal', value: { places, digits } }.
// Encoding picks the type letters amqplib picks for the same JS values (see writeValue).
//
// Malformed input is the peer's fault, so decoding throws AmqpError SYNTAX_ERROR (connection scope)
// and never lets a RangeError out. Encoding bad JS values is our own bug: that throws TypeError.

import { AmqpError, REPLY } from '../errors.ts';
import type { FieldTable } from './spec.ts';

export type { FieldTable };

/** A value as decoded from a table or array (the encoder accepts more, see encodeValue). */
export type FieldValue =
  | string
  | number
  | boolean
  | null
  | Buffer
  | FieldValue[]
  | FieldTable
  | { '!': 'timestamp'; value: number }
  | { '!': 'decimal'; value: { places: number; digits: number } };

/**
 * Tables nest; a hostile peer can nest a few bytes per level, which would overflow the stack long
 * before the frame ends. RabbitMQ itself has no limit (Erlang has no fixed stack); real clients nest
 * two or three levels.
 */
export const MAX_TABLE_DEPTH = 100;

export function syntaxError(detail: string): AmqpError {
  return new AmqpError(REPLY.SYNTAX_ERROR, detail, 'connection');
}

// ---- Writing ---------------------------------------------------------------------------------------

/**
 * A reusable output buffer. Encoders write into the shared SCRATCH sink and copy the finished bytes
 * out, which saves measuring every string and table before writing it. Not reentrant: nothing the
 * encoders call can encode again.
 */
export interface Sink {
  buf: Buffer;
  pos: number;
}

export const SCRATCH: Sink = { buf: Buffer.allocUnsafe(64 * 1024), pos: 0 };

/** Makes room for n more bytes at sink.pos. */
export function ensure(sink: Sink, n: number): void {
  const need = sink.pos + n;
  if (need <= sink.buf.length) return;
  let size = sink.buf.length * 2;
  while (size < need) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  sink.buf.copy(bigger, 0, 0, sink.pos);
  sink.buf = bigger;
}

/** Copies the sink's bytes from `start` into a buffer of their own. */
export function takeBytes(sink: Sink, start: number): Buffer {
  const out = Buffer.allocUnsafe(sink.pos - start);
  sink.buf.copy(out, 0, start, sink.pos);
  return out;
}

/**
 * Writes str as UTF-8 at offset (room for 3 bytes per UTF-16 unit must be there) and returns the
 * byte count. Names and routing keys are nearly always ASCII; a plain loop beats the native call
 * for those.
 */
export function writeUtf8(buf: Buffer, str: string, offset: number): number {
  const n = str.length;
  if (n > 64) return buf.write(str, offset, 'utf8');
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c >= 0x80) return buf.write(str, offset, 'utf8');
    buf[offset + i] = c;
  }
  return n;
}

/** A shortstr: length octet and up to 255 bytes. */
export function writeShortstr(sink: Sink, str: string, what: string): void {
  if (typeof str !== 'string') throw new TypeError(`${what} must be a string, got ${typeof str}`);
  if (str.length > 255) throw new TypeError(`${what} is longer than 255 bytes`);
  ensure(sink, 1 + 3 * str.length);
  const at = sink.pos;
  const n = writeUtf8(sink.buf, str, at + 1);
  if (n > 255) throw new TypeError(`${what} is longer than 255 bytes`);
  sink.buf[at] = n;
  sink.pos = at + 1 + n;
}

/** A longstr: 32-bit length and bytes; strings are written as UTF-8. */
export function writeLongstr(sink: Sink, value: Buffer | Uint8Array | string, what: string): void {
  if (typeof value === 'string') {
    ensure(sink, 4 + 3 * value.length);
    const at = sink.pos;
    const n = writeUtf8(sink.buf, value, at + 4);
    putUint32(sink.buf, n, at);
    sink.pos = at + 4 + n;
  } else if (value instanceof Uint8Array) {
    ensure(sink, 4 + value.length);
    putUint32(sink.buf, value.length, sink.pos);
    sink.buf.set(value, sink.pos + 4);
    sink.pos += 4 + value.length;
  } else {
    throw new TypeError(`${what} must be a Buffer or string`);
  }
}

/** An unsigned 64-bit integer from a JS number (delivery tags, timestamps, body sizes). */
export function writeUint64(buf: Buffer, n: number, offset: number): void {
  if (!(n >= 0 && n < 2 ** 64) || n !== Math.floor(n)) {
    throw new TypeError(`${n} is not an unsigned 64-bit integer`);
  }
  const hi = Math.floor(n / 0x1_0000_0000);
  buf.writeUInt32BE(hi, offset);
  buf.writeUInt32BE(n - hi * 0x1_0000_0000, offset + 4);
}

function writeInt64(buf: Buffer, n: number, offset: number): void {
  const hi = Math.floor(n / 0x1_0000_0000);
  buf.writeInt32BE(hi, offset);
  buf.writeUInt32BE(n - hi * 0x1_0000_0000, offset + 4);
}

/**
 * A 32-bit unsigned value the encoder computed itself (a length, a size): plain byte stores, without
 * writeUInt32BE's argument validation, which showed in profiles of the delivery path.
 */
export function putUint32(out: Uint8Array, value: number, at: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

/** type, channel and size of a frame at out[at..at+7). */
export function writeFrameHeader(
  out: Uint8Array,
  at: number,
  type: number,
  channel: number,
  size: number,
): void {
  out[at] = type;
  out[at + 1] = channel >>> 8;
  out[at + 2] = channel;
  putUint32(out, size, at + 3);
}

/** A table's wire form (32-bit length, then the entries) at sink.pos. */
export function writeTable(sink: Sink, table: FieldTable, depth = 0): void {
  if (depth > MAX_TABLE_DEPTH) throw new TypeError('field table nested too deeply (a cycle?)');
  ensure(sink, 4);
  const start = sink.pos;
  sink.pos += 4;
  // for...in, as amqplib does, so the same objects encode to the same bytes.
  for (const key in table) {
    const value = table[key];
    if (value === undefined) continue;
    writeShortstr(sink, key, 'field table key');
    writeValue(sink, value, depth);
  }
  putUint32(sink.buf, sink.pos - start - 4, start);
}

function writeArray(sink: Sink, array: readonly unknown[], depth: number): void {
  if (depth > MAX_TABLE_DEPTH) throw new TypeError('field array nested too deeply (a cycle?)');
  ensure(sink, 4);
  const start = sink.pos;
  sink.pos += 4;
  for (let i = 0; i < array.length; i++) writeValue(sink, array[i], depth);
  putUint32(sink.buf, sink.pos - start - 4, start);
}

const TWO_63 = 2 ** 63;

/**
 * The type amqplib gives a JS number: integers the smallest signed type that holds them (b, s, I, l;
 * RabbitMQ only reads signed integers reliably), everything else a double. amqplib throws for the
 * few numbers it cannot place (NaN, -Infinity, huge negatives, fractions above 2^50); those encode
 * as doubles here.
 */
function numberType(n: number): string {
  if (!Number.isInteger(n) || n < -TWO_63 || n >= TWO_63) return 'double';
  if (n >= -0x80 && n < 0x80) return 'byte';
  if (n >= -0x8000 && n < 0x8000) return 'short';
  if (n >= -0x8000_0000 && n < 0x8000_0000) return 'int';
  return 'long';
}

/**
 * One tagged value. JS types map as amqplib maps them: string S, boolean t, number (see numberType),
 * null/undefined V, array A, Buffer/Uint8Array x, other objects F, bigint l. An object with an own
 * '!' key is amqplib's typed value, `{ '!': type, value }`, with amqplib's type names.
 */
function writeValue(sink: Sink, value: unknown, depth: number): void {
  let type: string = typeof value;
  let v = value;
  if (type === 'object' && v !== null && Object.hasOwn(v as object, '!')) {
    type = String((v as { '!': unknown })['!']);
    v = (v as { value: unknown }).value;
  }
  if (type === 'number') type = numberType(v as number);
  ensure(sink, 9);
  const buf = sink.buf;
  const at = sink.pos;
  switch (type) {
    case 'string':
      buf[at] = 0x53; // S
      sink.pos = at + 1;
      writeLongstr(sink, v as string, 'field value');
      return;
    case 'boolean':
      buf[at] = 0x74; // t
      buf[at + 1] = v ? 1 : 0;
      sink.pos = at + 2;
      return;
    case 'undefined':
      buf[at] = 0x56; // V
      sink.pos = at + 1;
      return;
    case 'object':
      if (v === null) {
        buf[at] = 0x56; // V
        sink.pos = at + 1;
      } else if (Array.isArray(v)) {
        buf[at] = 0x41; // A
        sink.pos = at + 1;
        writeArray(sink, v, depth + 1);
      } else if (v instanceof Uint8Array) {
        buf[at] = 0x78; // x
        sink.pos = at + 1;
        writeLongstr(sink, v, 'field value');
      } else {
        buf[at] = 0x46; // F
        sink.pos = at + 1;
        writeTable(sink, v as FieldTable, depth + 1);
      }
      return;
    case 'bigint':
    case 'long':
    case 'int64':
      buf[at] = 0x6c; // l
      // A plain number numberType called long is a safe integer; typed values and bigints take the
      // BigInt route, which (as in amqplib) throws for a fraction or an out-of-range value.
      if (typeof value === 'number') writeInt64(buf, value, at + 1);
      else buf.writeBigInt64BE(BigInt(v as number | bigint), at + 1);
      sink.pos = at + 9;
      return;
    case 'double':
    case 'float64':
      buf[at] = 0x64; // d
      buf.writeDoubleBE(v as number, at + 1);
      sink.pos = at + 9;
      return;
    case 'float':
      buf[at] = 0x66; // f
      buf.writeFloatBE(v as number, at + 1);
      sink.pos = at + 5;
      return;
    case 'byte':
    case 'int8':
      buf[at] = 0x62; // b
      buf.writeInt8(v as number, at + 1);
      sink.pos = at + 2;
      return;
    case 'unsignedbyte':
    case 'uint8':
      buf[at] = 0x42; // B
      buf.writeUInt8(v as number, at + 1);
      sink.pos = at + 2;
      return;
    case 'short':
    case 'int16':
      buf[at] = 0x73; // s
      buf.writeInt16BE(v as number, at + 1);
      sink.pos = at + 3;
      return;
    case 'unsignedshort':
    case 'uint16':
      buf[at] = 0x75; // u
      buf.writeUInt16BE(v as number, at + 1);
      sink.pos = at + 3;
      return;
    case 'int':
    case 'int32':
      buf[at] = 0x49; // I
      buf.writeInt32BE(v as number, at + 1);
      sink.pos = at + 5;
      return;
    case 'unsignedint':
    case 'uint32':
      buf[at] = 0x69; // i
      buf.writeUInt32BE(v as number, at + 1);
      sink.pos = at + 5;
      return;
    case 'timestamp':
      buf[at] = 0x54; // T
      buf.writeBigUInt64BE(BigInt(v as number | bigint), at + 1);
      sink.pos = at + 9;
      return;
    case 'decimal': {
      const d = v as { places?: unknown; digits?: unknown } | null;
      if (
        d === null ||
        typeof d !== 'object' ||
        typeof d.places !== 'number' ||
        !(d.places >= 0 && d.places < 256) ||
        typeof d.digits !== 'number'
      ) {
        throw new TypeError(`decimal must be { places: 0..255, digits: uint32 }, got ${JSON.stringify(d)}`);
      }
      buf[at] = 0x44; // D
      buf[at + 1] = d.places;
      buf.writeUInt32BE(d.digits, at + 2);
      sink.pos = at + 6;
      return;
    }
    default:
      throw new TypeError(`cannot encode a field value of type ${type}`);
  }
}

/** A field table in its wire form: 32-bit length, then the entries. */
export function encodeTable(table: FieldTable): Buffer {
  SCRATCH.pos = 0;
  writeTable(SCRATCH, table);
  return takeBytes(SCRATCH, 0);
}

// ---- Reading ---------------------------------------------------------------------------------------

// Buffer's own utf8Slice (what toString('utf8', start, end) ends up calling, after argument checks and
// an encoding lookup that cost as much as the decoding of a short name). It has been on
// Buffer.prototype since Node 4 but is undocumented, so fall back to toString if it ever goes.
const nativeUtf8Slice = (
  Buffer.prototype as unknown as { utf8Slice?: (start: number, end: number) => string }
).utf8Slice;

const slice: (buf: Buffer, start: number, end: number) => string =
  typeof nativeUtf8Slice === 'function'
    ? (buf, start, end) => nativeUtf8Slice.call(buf, start, end)
    : (buf, start, end) => buf.toString('utf8', start, end);

// Exchange names, routing keys, content types and header keys repeat on every message, so short
// strings are interned: a direct-mapped cache of the bytes last decoded in each slot and the string
// they made. A hit costs a hash and a compare of a few bytes instead of a native call and a string
// allocation; a miss (a message id, say) costs a few ns more than decoding alone.
const INTERN_MAX = 32;
const INTERN_SLOTS = 1024;
const internBytes = new Uint8Array(INTERN_SLOTS * INTERN_MAX);
const internLength = new Uint8Array(INTERN_SLOTS);
const internString: string[] = new Array<string>(INTERN_SLOTS).fill('');

/** buf[start, end) as a string, invalid UTF-8 replaced by U+FFFD (as toString does). */
export function utf8(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len > INTERN_MAX) return slice(buf, start, end);
  if (len === 0) return '';
  let h = len;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const slot = (h ^ (h >>> 15)) & (INTERN_SLOTS - 1);
  const at = slot * INTERN_MAX;
  if (internLength[slot] === len) {
    let i = 0;
    while (i < len && internBytes[at + i] === buf[start + i]) i++;
    if (i === len) return internString[slot]!;
  }
  const str = slice(buf, start, end);
  for (let i = 0; i < len; i++) internBytes[at + i] = buf[start + i]!;
  internLength[slot] = len;
  internString[slot] = str;
  return str;
}

// The read cursor. Decoding is synchronous and single-threaded, so one module-level cursor serves
// every nested table and array without allocating a state object per call.
let p = 0;

function truncated(what: string): AmqpError {
  return syntaxError(`truncated ${what} in field table`);
}

/** Reads an unsigned 32-bit length at p, checking the announced bytes are inside [.., end). */
function readLength(buf: Buffer, end: number, what: string): number {
  if (p + 4 > end) throw truncated(what);
  const len = buf[p]! * 0x100_0000 + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
  p += 4;
  if (len > end - p) throw syntaxError(`${what} of ${len} bytes runs past the end of its field table`);
  return len;
}

function readValue(buf: Buffer, end: number, depth: number): unknown {
  if (p >= end) throw truncated('value');
  const tag = buf[p++]!;
  let v: unknown;
  switch (tag) {
    case 0x53: {
      // S longstr
      const len = readLength(buf, end, 'longstr');
      v = utf8(buf, p, p + len);
      p += len;
      return v;
    }
    case 0x49: // I int32
      if (p + 4 > end) throw truncated('int');
      v = buf.readInt32BE(p);
      p += 4;
      return v;
    case 0x74: // t bool
      if (p + 1 > end) throw truncated('bool');
      return buf[p++] !== 0;
    case 0x62: // b int8
      if (p + 1 > end) throw truncated('byte');
      return (buf[p++]! << 24) >> 24;
    case 0x42: // B uint8
      if (p + 1 > end) throw truncated('unsigned byte');
      return buf[p++]!;
    case 0x73: // s int16
      if (p + 2 > end) throw truncated('short');
      v = buf.readInt16BE(p);
      p += 2;
      return v;
    case 0x75: // u uint16
      if (p + 2 > end) throw truncated('unsigned short');
      v = (buf[p]! << 8) | buf[p + 1]!;
      p += 2;
      return v;
    case 0x69: // i uint32
      if (p + 4 > end) throw truncated('unsigned int');
      v = buf.readUInt32BE(p);
      p += 4;
      return v;
    case 0x6c: // l int64
    case 0x4c: // L: RabbitMQ reads it as a signed 64-bit integer too
      if (p + 8 > end) throw truncated('long');
      // hi * 2^32 is exact and the one addition rounds once, so this equals Number(readBigInt64BE()).
      v = buf.readInt32BE(p) * 0x1_0000_0000 + buf.readUInt32BE(p + 4);
      p += 8;
      return v;
    case 0x66: // f float
      if (p + 4 > end) throw truncated('float');
      v = buf.readFloatBE(p);
      p += 4;
      return v;
    case 0x64: // d double
      if (p + 8 > end) throw truncated('double');
      v = buf.readDoubleBE(p);
      p += 8;
      return v;
    case 0x44: {
      // D decimal: scale octet, then an unsigned 32-bit value
      if (p + 5 > end) throw truncated('decimal');
      const places = buf[p]!;
      const digits = buf.readUInt32BE(p + 1);
      p += 5;
      return { '!': 'decimal', value: { places, digits } };
    }
    case 0x54: {
      // T timestamp
      if (p + 8 > end) throw truncated('timestamp');
      const value = buf.readUInt32BE(p) * 0x1_0000_0000 + buf.readUInt32BE(p + 4);
      p += 8;
      return { '!': 'timestamp', value };
    }
    case 0x46: {
      // F nested table
      if (depth >= MAX_TABLE_DEPTH) throw syntaxError('field tables nested too deeply');
      const len = readLength(buf, end, 'table');
      return readEntries(buf, p + len, depth + 1);
    }
    case 0x41: {
      // A array
      if (depth >= MAX_TABLE_DEPTH) throw syntaxError('field arrays nested too deeply');
      const len = readLength(buf, end, 'array');
      return readArray(buf, p + len, depth + 1);
    }
    case 0x78: {
      // x byte array: a view of the input, as amqplib returns it
      const len = readLength(buf, end, 'byte array');
      v = buf.subarray(p, p + len);
      p += len;
      return v;
    }
    case 0x56: // V void
      return null;
    default:
      throw syntaxError(
        `unknown field type '${String.fromCharCode(tag)}' (0x${tag.toString(16)}) in field table`,
      );
  }
}

/** Table entries from p up to end (exactly); leaves p at end. */
function readEntries(buf: Buffer, end: number, depth: number): FieldTable {
  const table: FieldTable = {};
  while (p < end) {
    const klen = buf[p++]!;
    if (klen > end - p) throw truncated('key');
    const key = utf8(buf, p, p + klen);
    p += klen;
    const value = readValue(buf, end, depth);
    // A key named __proto__ must become an own property, not replace the object's prototype.
    if (key === '__proto__')
      Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
    else table[key] = value;
  }
  return table;
}

function readArray(buf: Buffer, end: number, depth: number): unknown[] {
  const array: unknown[] = [];
  while (p < end) array.push(readValue(buf, end, depth));
  return array;
}

/**
 * The entries of a table occupying buf[start, end) (no length prefix; amqplib's decodeFields).
 * Values of type x are views of buf.
 */
export function decodeTableEntries(buf: Buffer, start: number, end: number): FieldTable {
  p = start;
  return readEntries(buf, end, 0);
}

/** A table in its wire form (32-bit length, then entries) that fills buf exactly. */
export function decodeTable(buf: Buffer): FieldTable {
  if (buf.length < 4) throw syntaxError('truncated field table length');
  const len = buf.readUInt32BE(0);
  if (len !== buf.length - 4)
    throw syntaxError(`field table length ${len} does not match its ${buf.length - 4} bytes`);
  return decodeTableEntries(buf, 4, buf.length);
}
