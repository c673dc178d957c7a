// Content header frame payloads: class-id, weight (always 0), body-size (64 bits), then property
// flags and the present properties. Flags come in 16-bit words, 15 property bits each from the top
// down; bit 0 says another flag word follows. Basic has 14 properties, so one word always does
// for encoding; decoding follows continuation words as the spec allows.
//
// A decoded properties object carries the publisher's encoded property list (see the cache below):
// a published message is delivered, to any number of consumers, without re-encoding its properties,
// and with the publisher's own bytes, as RabbitMQ forwards properties_bin.
//
// Also here: the writers of whole content frame sequences (contentFrames, contentMethodFrames,
// deliverFrames), which build method, header and body frames in one buffer so the connection makes
// one socket write per message. frame.ts re-exports them.

import { AmqpError, REPLY } from '../errors.ts';
import {
  decodeTableEntries,
  ensure,
  putUint32,
  SCRATCH,
  type Sink,
  syntaxError,
  takeBytes,
  utf8,
  writeFrameHeader,
  writeShortstr,
  writeTable,
  writeUint64,
  writeUtf8,
} from './fields.ts';
import { writeMethod } from './methods.ts';
import type { BasicProperties } from './properties.ts';
import {
  CLASSES,
  type ContentMethodName,
  type FieldTable,
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_METHOD,
  FRAME_OVERHEAD,
  type MethodArgsInput,
} from './spec.ts';

export interface ContentHeader {
  classId: number;
  /** Always 0 on the wire; RabbitMQ rejects a header with another weight as an unexpected frame. */
  weight: number;
  bodySize: number;
  properties: BasicProperties;
}

/** classId(2) + weight(2) + bodySize(8) before the property flags. */
export const CONTENT_HEADER_PREFIX = 12;

// ---- The encoded-properties cache -----------------------------------------------------------------

// decodeContentHeader puts the publisher's encoded property bytes on the properties object it returns,
// in a private class field "stamped" onto the object (the base constructor returns the object it is
// given, so the subclass's field initialiser installs #encoded on it). Unlike a symbol property it is
// invisible to Object.keys, spread, JSON and test equality (toStrictEqual included); unlike a WeakMap
// it costs no GC work per message (a WeakMap entry per message measured ~20x slower). Deliveries of
// that object then copy the bytes instead of encoding: a message goes out with the publisher's own
// property bytes, as RabbitMQ forwards properties_bin. Objects the broker builds itself are encoded
// on each use: stamping an arbitrary object (a spread copy, say) can cost more than encoding it.
class Identity {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: returning the target is what installs the private field on it.
    return target;
  }
}

class EncodedPropertiesSlot extends Identity {
  #encoded: Buffer | undefined;
  private constructor(target: object) {
    super(target);
    this.#encoded = undefined;
  }
  /** Gives a fresh object (an empty literal, ideally) its slot. */
  static install(target: object): void {
    new EncodedPropertiesSlot(target);
  }
  static get(target: object): Buffer | undefined {
    return #encoded in target ? target.#encoded : undefined;
  }
  /** Caches bytes on an object that has a slot; others are left alone. */
  static set(target: object, encoded: Buffer | undefined): void {
    if (#encoded in target) target.#encoded = encoded;
  }
}

/**
 * Forgets the cached encoding of a properties object. The cache assumes a message's properties are
 * not changed in place once decoded; code that must change them in place (rather than building a new
 * object, the better way) calls this afterwards, or the old bytes go out.
 */
export function forgetEncodedProperties(properties: BasicProperties): void {
  EncodedPropertiesSlot.set(properties, undefined);
}

// ---- Encoding --------------------------------------------------------------------------------------

// Properties are on every message, so they are read and written by hand with named property access
// (a table-driven loop's keyed access was several times slower), in spec.ts's BASIC_PROPERTIES
// order. test/unit/broker-codec.test.ts holds that order to amqplib's bytes in both directions.

function writeOctet(sink: Sink, value: number): void {
  ensure(sink, 1);
  sink.buf.writeUInt8(value, sink.pos);
  sink.pos += 1;
}

/** Flags and property list at sink.pos. A property is present unless undefined or null, as in amqplib. */
function writeProperties(sink: Sink, p: BasicProperties): void {
  ensure(sink, 2);
  const flagsAt = sink.pos;
  sink.pos += 2;
  let flags = 0;
  if (p.contentType != null) {
    flags |= 0x8000;
    writeShortstr(sink, p.contentType, 'contentType');
  }
  if (p.contentEncoding != null) {
    flags |= 0x4000;
    writeShortstr(sink, p.contentEncoding, 'contentEncoding');
  }
  if (p.headers != null) {
    flags |= 0x2000;
    if (typeof p.headers !== 'object') throw new TypeError('headers must be an object');
    writeTable(sink, p.headers as FieldTable);
  }
  if (p.deliveryMode != null) {
    flags |= 0x1000;
    writeOctet(sink, p.deliveryMode);
  }
  if (p.priority != null) {
    flags |= 0x0800;
    writeOctet(sink, p.priority);
  }
  if (p.correlationId != null) {
    flags |= 0x0400;
    writeShortstr(sink, p.correlationId, 'correlationId');
  }
  if (p.replyTo != null) {
    flags |= 0x0200;
    writeShortstr(sink, p.replyTo, 'replyTo');
  }
  if (p.expiration != null) {
    flags |= 0x0100;
    writeShortstr(sink, p.expiration, 'expiration');
  }
  if (p.messageId != null) {
    flags |= 0x0080;
    writeShortstr(sink, p.messageId, 'messageId');
  }
  if (p.timestamp != null) {
    flags |= 0x0040;
    ensure(sink, 8);
    writeUint64(sink.buf, p.timestamp, sink.pos);
    sink.pos += 8;
  }
  if (p.type != null) {
    flags |= 0x0020;
    writeShortstr(sink, p.type, 'type');
  }
  if (p.userId != null) {
    flags |= 0x0010;
    writeShortstr(sink, p.userId, 'userId');
  }
  if (p.appId != null) {
    flags |= 0x0008;
    writeShortstr(sink, p.appId, 'appId');
  }
  if (p.clusterId != null) {
    flags |= 0x0004;
    writeShortstr(sink, p.clusterId, 'clusterId');
  }
  sink.buf.writeUInt16BE(flags, flagsAt);
}

/**
 * The property flags and list of `properties` as they follow a content header's body-size: the cached
 * bytes of a decoded properties object (re-encoded and re-cached after forgetEncodedProperties), or a
 * fresh encoding. Do not modify the returned buffer.
 */
export function encodedProperties(properties: BasicProperties): Buffer {
  const cached = EncodedPropertiesSlot.get(properties);
  if (cached !== undefined) return cached;
  const encoded = encodeProperties(properties);
  EncodedPropertiesSlot.set(properties, encoded);
  return encoded;
}

/** Property flags and list, encoded afresh (no cache). */
export function encodeProperties(properties: BasicProperties): Buffer {
  SCRATCH.pos = 0;
  writeProperties(SCRATCH, properties);
  return takeBytes(SCRATCH, 0);
}

/** A content header frame's payload. */
export function encodeContentHeader(classId: number, bodySize: number, properties: BasicProperties): Buffer {
  const props = encodedProperties(properties);
  const out = Buffer.allocUnsafe(CONTENT_HEADER_PREFIX + props.length);
  out.writeUInt16BE(classId, 0);
  out.writeUInt16BE(0, 2);
  writeUint64(out, bodySize, 4);
  props.copy(out, CONTENT_HEADER_PREFIX);
  return out;
}

// ---- Decoding --------------------------------------------------------------------------------------

const TRUNCATED = new Error('truncated');

// Read cursor (see fields.ts for why it is module state).
let r = 0;

function readShortstr(buf: Buffer, end: number): string {
  if (r + 1 > end) throw TRUNCATED;
  const len = buf[r++]!;
  if (len > end - r) throw TRUNCATED;
  const s = utf8(buf, r, r + len);
  r += len;
  return s;
}

function readOctet(buf: Buffer, end: number): number {
  if (r + 1 > end) throw TRUNCATED;
  return buf[r++]!;
}

/** Property values from buf[start, end): flags, then the flagged properties, filling it exactly. */
function readProperties(buf: Buffer, start: number, end: number, props: BasicProperties): void {
  if (start + 2 > end) throw syntaxError('content header has no property flags');
  const flags = (buf[start]! << 8) | buf[start + 1]!;
  r = start + 2;
  // Continuation words may only flag properties basic does not have; all-zero ones are harmless.
  let more = flags & 1;
  while (more) {
    if (r + 2 > end) throw syntaxError('content header property flags truncated');
    const word = (buf[r]! << 8) | buf[r + 1]!;
    r += 2;
    if (word & 0xfffe) throw syntaxError('content header flags a property basic does not have');
    more = word & 1;
  }
  if (flags & 0x0002) throw syntaxError('content header flags a property basic does not have');
  try {
    if (flags & 0x8000) props.contentType = readShortstr(buf, end);
    if (flags & 0x4000) props.contentEncoding = readShortstr(buf, end);
    if (flags & 0x2000) {
      if (r + 4 > end) throw TRUNCATED;
      const len = buf.readUInt32BE(r);
      r += 4;
      if (len > end - r) throw TRUNCATED;
      const start = r;
      r += len;
      props.headers = decodeTableEntries(buf, start, r);
    }
    if (flags & 0x1000) props.deliveryMode = readOctet(buf, end);
    if (flags & 0x0800) props.priority = readOctet(buf, end);
    if (flags & 0x0400) props.correlationId = readShortstr(buf, end);
    if (flags & 0x0200) props.replyTo = readShortstr(buf, end);
    if (flags & 0x0100) props.expiration = readShortstr(buf, end);
    if (flags & 0x0080) props.messageId = readShortstr(buf, end);
    if (flags & 0x0040) {
      if (r + 8 > end) throw TRUNCATED;
      props.timestamp = buf.readUInt32BE(r) * 0x1_0000_0000 + buf.readUInt32BE(r + 4);
      r += 8;
    }
    if (flags & 0x0020) props.type = readShortstr(buf, end);
    if (flags & 0x0010) props.userId = readShortstr(buf, end);
    if (flags & 0x0008) props.appId = readShortstr(buf, end);
    if (flags & 0x0004) props.clusterId = readShortstr(buf, end);
  } catch (err) {
    if (err === TRUNCATED) throw syntaxError('content header properties truncated');
    throw err;
  }
  if (r !== end) throw syntaxError('content header has bytes after its properties');
}

/**
 * Decodes a content header frame's payload. For class basic the decoded properties object carries
 * (invisibly) a copy of the publisher's encoded property bytes, which deliveries then send as they
 * are. A body size past Number.MAX_SAFE_INTEGER is a FRAME_ERROR (RabbitMQ: "content body size
 * exceeds maximum allowed size"); enforcing the broker's own, smaller maximum is the channel's job.
 */
export function decodeContentHeader(payload: Buffer): ContentHeader {
  const end = payload.length;
  if (end < CONTENT_HEADER_PREFIX) {
    throw new AmqpError(
      REPLY.FRAME_ERROR,
      `type 2, all octets = <<${Array.from(payload).join(',')}>>: unknown_frame`,
      'connection',
    );
  }
  const classId = (payload[0]! << 8) | payload[1]!;
  const weight = (payload[2]! << 8) | payload[3]!;
  const hi = payload.readUInt32BE(4);
  const lo = payload.readUInt32BE(8);
  if (hi > 0x1f_ffff) {
    const size = (BigInt(hi) << 32n) | BigInt(lo);
    throw new AmqpError(
      REPLY.FRAME_ERROR,
      `content body size ${size} exceeds maximum allowed size ${Number.MAX_SAFE_INTEGER}`,
      'connection',
    );
  }
  const bodySize = hi * 0x1_0000_0000 + lo;
  if (classId !== CLASSES.basic) {
    // Only basic has content; the channel rejects a header of another class as an unexpected frame.
    return { classId, weight, bodySize, properties: {} };
  }
  // The slot goes on first, while the object is an empty literal: every decoded properties object
  // then shares one map root, and filling the slot later is a plain field write.
  const properties: BasicProperties = {};
  EncodedPropertiesSlot.install(properties);
  readProperties(payload, CONTENT_HEADER_PREFIX, end, properties);
  const encoded = Buffer.allocUnsafe(end - CONTENT_HEADER_PREFIX);
  payload.copy(encoded, 0, CONTENT_HEADER_PREFIX, end);
  EncodedPropertiesSlot.set(properties, encoded);
  return { classId, weight, bodySize, properties };
}

// ---- Content frames ---------------------------------------------------------------------------------

const FRAME_HEADER_SIZE = 7;

/** Body bytes per body frame for a frame-max (0: unlimited, one frame). */
function bodyFrameSize(frameMax: number, bodyLength: number): number {
  if (frameMax === 0) return Math.max(bodyLength, 1);
  if (frameMax <= FRAME_OVERHEAD) throw new RangeError(`frame-max ${frameMax} leaves no room for a body`);
  return frameMax - FRAME_OVERHEAD;
}

/** Header frame then body frames, at out[at..]; returns the offset after them. */
function writeContent(
  out: Buffer,
  at: number,
  channel: number,
  classId: number,
  props: Buffer,
  body: Uint8Array,
  maxBody: number,
): number {
  const bodyLength = body.length;
  writeFrameHeader(out, at, FRAME_HEADER, channel, CONTENT_HEADER_PREFIX + props.length);
  let o = at + FRAME_HEADER_SIZE;
  out[o] = classId >>> 8;
  out[o + 1] = classId & 0xff;
  out[o + 2] = 0; // weight
  out[o + 3] = 0;
  const hi = Math.floor(bodyLength / 0x1_0000_0000);
  putUint32(out, hi, o + 4);
  putUint32(out, bodyLength - hi * 0x1_0000_0000, o + 8);
  o += CONTENT_HEADER_PREFIX;
  out.set(props, o);
  o += props.length;
  out[o++] = FRAME_END;
  for (let b = 0; b < bodyLength; b += maxBody) {
    const n = Math.min(maxBody, bodyLength - b);
    writeFrameHeader(out, o, FRAME_BODY, channel, n);
    o += FRAME_HEADER_SIZE;
    out.set(n === bodyLength ? body : body.subarray(b, b + n), o);
    o += n;
    out[o++] = FRAME_END;
  }
  return o;
}

function contentSize(props: Buffer, bodyLength: number, maxBody: number): number {
  const bodyFrames = Math.ceil(bodyLength / maxBody);
  return FRAME_OVERHEAD + CONTENT_HEADER_PREFIX + props.length + bodyLength + bodyFrames * FRAME_OVERHEAD;
}

/**
 * A content header frame and the body frames (each at most frameMax bytes in all), in one buffer.
 * An empty body has no body frames. Properties decoded by decodeContentHeader go out as the
 * publisher's bytes (see encodedProperties; after changing such an object in place, call
 * forgetEncodedProperties).
 */
export function contentFrames(
  channel: number,
  classId: number,
  properties: BasicProperties,
  body: Uint8Array,
  frameMax: number,
): Buffer {
  const props = encodedProperties(properties);
  const maxBody = bodyFrameSize(frameMax, body.length);
  const out = Buffer.allocUnsafe(contentSize(props, body.length, maxBody));
  writeContent(out, 0, channel, classId, props, body, maxBody);
  return out;
}

/**
 * A content-bearing method (basic.publish, basic.return, basic.deliver, basic.get-ok) with its header
 * and body frames, in one buffer.
 */
export function contentMethodFrames<N extends ContentMethodName>(
  channel: number,
  name: N,
  args: MethodArgsInput<N>,
  properties: BasicProperties,
  body: Uint8Array,
  frameMax: number,
): Buffer {
  const props = encodedProperties(properties);
  const maxBody = bodyFrameSize(frameMax, body.length);
  SCRATCH.pos = 0;
  writeMethod(SCRATCH, name, args);
  const methodSize = SCRATCH.pos;
  const out = Buffer.allocUnsafe(methodSize + FRAME_OVERHEAD + contentSize(props, body.length, maxBody));
  writeFrameHeader(out, 0, FRAME_METHOD, channel, methodSize);
  SCRATCH.buf.copy(out, FRAME_HEADER_SIZE, 0, methodSize);
  out[FRAME_HEADER_SIZE + methodSize] = FRAME_END;
  writeContent(out, methodSize + FRAME_OVERHEAD, channel, CLASSES.basic, props, body, maxBody);
  return out;
}

function shortstrAt(out: Buffer, at: number, value: string, what: string): number {
  const n = writeUtf8(out, value, at + 1);
  if (n > 255) throw new TypeError(`${what} is longer than 255 bytes`);
  out[at] = n;
  return at + 1 + n;
}

/**
 * basic.deliver with header and body frames, in one buffer: the broker's hottest write, so the
 * method is written in place rather than through the table-driven encoder.
 */
export function deliverFrames(
  channel: number,
  consumerTag: string,
  deliveryTag: number,
  redelivered: boolean,
  exchange: string,
  routingKey: string,
  properties: BasicProperties,
  body: Uint8Array,
  frameMax: number,
): Buffer {
  if (consumerTag.length > 255 || exchange.length > 255 || routingKey.length > 255) {
    throw new TypeError(
      'basic.deliver: consumer tag, exchange and routing key are shortstrs (up to 255 bytes)',
    );
  }
  const props = encodedProperties(properties);
  const maxBody = bodyFrameSize(frameMax, body.length);
  // Room for the strings at 3 bytes per UTF-16 unit (UTF-8's worst case); the unused tail is cut off.
  const methodMax = 4 + 3 + 3 * (consumerTag.length + exchange.length + routingKey.length) + 8 + 1;
  const upper = FRAME_OVERHEAD + methodMax + contentSize(props, body.length, maxBody);
  const out = Buffer.allocUnsafe(upper);
  out[0] = FRAME_METHOD;
  out[1] = channel >>> 8;
  out[2] = channel & 0xff;
  // class 60, method 60
  out[7] = 0;
  out[8] = 60;
  out[9] = 0;
  out[10] = 60;
  let o = shortstrAt(out, 11, consumerTag, 'consumer tag');
  if (!(deliveryTag >= 0 && deliveryTag <= Number.MAX_SAFE_INTEGER))
    throw new TypeError(`bad delivery tag ${deliveryTag}`);
  const hi = Math.floor(deliveryTag / 0x1_0000_0000);
  putUint32(out, hi, o);
  putUint32(out, deliveryTag - hi * 0x1_0000_0000, o + 4);
  out[o + 8] = redelivered ? 1 : 0;
  o = shortstrAt(out, o + 9, exchange, 'exchange');
  o = shortstrAt(out, o, routingKey, 'routing key');
  putUint32(out, o - FRAME_HEADER_SIZE, 3);
  out[o++] = FRAME_END;
  o = writeContent(out, o, channel, CLASSES.basic, props, body, maxBody);
  return o === upper ? out : out.subarray(0, o);
}
