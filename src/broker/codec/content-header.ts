// Content header frame payloads: class-id, weight (always 0), body-size (64 bits), then property
// flags and the present properties. Flags come in 16-bit words, 15 property bits each from the top
// down; bit 0 says another flag word follows. Basic has 14 properties, so one word always does
// for encoding; decoding follows continuation words as the spec allows.
//
// The encoded property list of a message is cached on its properties object (see encodedProperties):
// a message delivered to many consumers, or redelivered, is encoded once, and a message that came
// from a publisher goes out with the publisher's own bytes, as RabbitMQ forwards properties_bin.
//
// Also here: the writers of whole content frame sequences (contentFrames, contentMethodFrames,
// deliverFrames), which build method, header and body frames in one buffer so the connection makes
// one socket write per message. frame.ts re-exports them.

import { AmqpError, REPLY } from '../errors.ts';
import {
  decodeTableEntries,
  ensure,
  SCRATCH,
  type Sink,
  syntaxError,
  takeBytes,
  writeFrameHeader,
  writeShortstr,
  writeTable,
  writeUint64,
  writeUtf8,
} from './fields.ts';
import { writeMethod } from './methods.ts';
import type { BasicProperties } from './properties.ts';
import {
  type ArgType,
  BASIC_PROPERTIES,
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

// A private class field "stamped" onto any object (the base constructor returns the object it is
// given, so the subclass's field initialiser installs #encoded on it). Unlike a symbol property it
// is invisible to Object.keys, spread, JSON and test equality; unlike a WeakMap it costs no GC work
// per message (a WeakMap entry per message measured ~20x slower).
class Identity {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: returning the target is what installs the private field on it.
    return target;
  }
}

class EncodedPropertiesSlot extends Identity {
  #encoded: Buffer | undefined;
  private constructor(target: object, encoded: Buffer | undefined) {
    super(target);
    this.#encoded = encoded;
  }
  static get(target: object): Buffer | undefined {
    return #encoded in target ? target.#encoded : undefined;
  }
  static set(target: object, encoded: Buffer | undefined): void {
    if (#encoded in target) target.#encoded = encoded;
    else if (Object.isExtensible(target)) new EncodedPropertiesSlot(target, encoded);
  }
}

/**
 * Forgets the cached encoding of a properties object. The cache assumes a message's properties are
 * not changed in place once published or delivered; code that must (rather than building a new
 * object, which is the better way) calls this afterwards.
 */
export function forgetEncodedProperties(properties: BasicProperties): void {
  if (EncodedPropertiesSlot.get(properties) !== undefined) EncodedPropertiesSlot.set(properties, undefined);
}

// ---- Encoding --------------------------------------------------------------------------------------

type PropertyKey = keyof BasicProperties;

interface PropertySpec {
  readonly key: PropertyKey;
  readonly type: ArgType;
  readonly flag: number;
}

const PROPERTIES: readonly PropertySpec[] = BASIC_PROPERTIES.map((p, i) => ({
  key: p.name as PropertyKey,
  type: p.type,
  flag: 0x8000 >>> i,
}));

function writeProperty(sink: Sink, spec: PropertySpec, value: unknown): void {
  switch (spec.type) {
    case 'shortstr':
      writeShortstr(sink, value as string, `property '${spec.key}'`);
      return;
    case 'octet':
      ensure(sink, 1);
      sink.buf.writeUInt8(value as number, sink.pos);
      sink.pos += 1;
      return;
    case 'timestamp':
      ensure(sink, 8);
      writeUint64(sink.buf, value as number, sink.pos);
      sink.pos += 8;
      return;
    case 'table':
      if (typeof value !== 'object') throw new TypeError(`property '${spec.key}' must be an object`);
      writeTable(sink, value as FieldTable);
      return;
    default:
      throw new TypeError(`no basic property has type ${spec.type}`);
  }
}

/** Flags and property list at sink.pos. A property is present unless undefined or null, as in amqplib. */
function writeProperties(sink: Sink, properties: BasicProperties): void {
  ensure(sink, 2);
  const flagsAt = sink.pos;
  sink.pos += 2;
  let flags = 0;
  const bag = properties as Record<string, unknown>;
  for (let i = 0; i < PROPERTIES.length; i++) {
    const spec = PROPERTIES[i]!;
    const value = bag[spec.key];
    if (value == null) continue;
    flags |= spec.flag;
    writeProperty(sink, spec, value);
  }
  sink.buf.writeUInt16BE(flags, flagsAt);
}

/**
 * The property flags and list of `properties` as they follow a content header's body-size, cached on
 * the object. Do not modify the returned buffer.
 */
export function encodedProperties(properties: BasicProperties): Buffer {
  const cached = EncodedPropertiesSlot.get(properties);
  if (cached !== undefined) return cached;
  SCRATCH.pos = 0;
  writeProperties(SCRATCH, properties);
  const encoded = takeBytes(SCRATCH, 0);
  EncodedPropertiesSlot.set(properties, encoded);
  return encoded;
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

/** Property values from buf[start, end): flags, then the flagged properties, filling it exactly. */
function readProperties(buf: Buffer, start: number, end: number): BasicProperties {
  if (start + 2 > end) throw syntaxError('content header has no property flags');
  let flags = buf.readUInt16BE(start);
  let p = start + 2;
  // Continuation words may only flag properties basic does not have; all-zero ones are harmless.
  let more = flags & 1;
  while (more) {
    if (p + 2 > end) throw syntaxError('content header property flags truncated');
    const word = buf.readUInt16BE(p);
    p += 2;
    if (word & 0xfffe) throw syntaxError('content header flags a property basic does not have');
    more = word & 1;
  }
  if (flags & 0x0002) throw syntaxError('content header flags a property basic does not have');
  const props: Record<string, unknown> = {};
  if (flags === 0 || flags === 1) {
    if (p !== end) throw syntaxError('content header has bytes after its properties');
    return props;
  }
  try {
    for (let i = 0; flags & 0xfffc && i < PROPERTIES.length; i++) {
      const spec = PROPERTIES[i]!;
      if (!(flags & spec.flag)) continue;
      flags &= ~spec.flag;
      switch (spec.type) {
        case 'shortstr': {
          if (p + 1 > end) throw TRUNCATED;
          const len = buf[p++]!;
          if (len > end - p) throw TRUNCATED;
          props[spec.key] = buf.toString('utf8', p, p + len);
          p += len;
          break;
        }
        case 'octet':
          if (p + 1 > end) throw TRUNCATED;
          props[spec.key] = buf[p++];
          break;
        case 'timestamp':
          if (p + 8 > end) throw TRUNCATED;
          props[spec.key] = buf.readUInt32BE(p) * 0x1_0000_0000 + buf.readUInt32BE(p + 4);
          p += 8;
          break;
        case 'table': {
          if (p + 4 > end) throw TRUNCATED;
          const len = buf.readUInt32BE(p);
          p += 4;
          if (len > end - p) throw TRUNCATED;
          props[spec.key] = decodeTableEntries(buf, p, p + len);
          p += len;
          break;
        }
      }
    }
  } catch (err) {
    if (err === TRUNCATED) throw syntaxError('content header properties truncated');
    throw err;
  }
  if (p !== end) throw syntaxError('content header has bytes after its properties');
  return props;
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
  const properties = readProperties(payload, CONTENT_HEADER_PREFIX, end);
  EncodedPropertiesSlot.set(properties, Buffer.from(payload.subarray(CONTENT_HEADER_PREFIX)));
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
  out.writeUInt32BE(hi, o + 4);
  out.writeUInt32BE(bodyLength - hi * 0x1_0000_0000, o + 8);
  o += CONTENT_HEADER_PREFIX;
  props.copy(out, o);
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
 * An empty body has no body frames. The properties' encoding is cached on the object: see
 * encodedProperties in content-header.ts (do not change a message's properties in place).
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
  const hi = Math.floor(deliveryTag / 0x1_0000_0000);
  out.writeUInt32BE(hi, o);
  out.writeUInt32BE(deliveryTag - hi * 0x1_0000_0000, o + 4);
  out[o + 8] = redelivered ? 1 : 0;
  o = shortstrAt(out, o + 9, exchange, 'exchange');
  o = shortstrAt(out, o, routingKey, 'routing key');
  out.writeUInt32BE(o - FRAME_HEADER_SIZE, 3);
  out[o++] = FRAME_END;
  o = writeContent(out, o, channel, CLASSES.basic, props, body, maxBody);
  return o === upper ? out : out.subarray(0, o);
}
