// Method frame payloads: class-id, method-id, then the arguments in table order, consecutive bits
// packed into octets (bit 0 first, at most 8 per octet). Encoders and decoders are built once from
// spec.ts at module load as arrays of small closures, one per argument (or per run of bits); the few
// methods on the per-message path (publish, ack, nack, reject) get hand-written decoders that the
// golden tests hold to the same bytes.
//
// Errors, as RabbitMQ reports them (rabbit_command_assembler, rabbit_framing_amqp_0_9_1):
// - a payload shorter than class-id + method-id: FRAME_ERROR "type 1, all octets = <<..>>: unknown_frame";
// - an unknown class-id/method-id: NOT_IMPLEMENTED "unknown method id {C,M}". RabbitMQ itself crashes
//   the connection process there (lookup_method_name exits), so the client only sees the socket
//   close; 540 is the spec's code for "functionality not implemented" and tells the client why.
// - arguments that do not fill the payload exactly (truncated, or bytes left over): FRAME_ERROR
//   "cannot decode <<..>>", RabbitMQ's rabbit_misc:frame_error/2, carrying the method's ids;
// - a shortstr that is not UTF-8, in a method without content: FRAME_ERROR "Malformed UTF-8 in
//   shortstr" (RabbitMQ checks those and skips content-bearing methods for speed);
// - malformed table contents: SYNTAX_ERROR (fields.ts).
// All are connection errors: the peer has lost sync or is not speaking AMQP.

import { isUtf8 } from 'node:buffer';
import { AmqpError, REPLY } from '../errors.ts';
import {
  decodeTableEntries,
  ensure,
  SCRATCH,
  type Sink,
  takeBytes,
  utf8,
  writeFrameHeader,
  writeLongstr,
  writeShortstr,
  writeTable,
  writeUint64,
} from './fields.ts';
import {
  type ArgSpec,
  type ArgType,
  type DecodedMethod,
  type FieldTable,
  FRAME_END,
  FRAME_METHOD,
  FRAME_OVERHEAD,
  METHODS,
  type MethodArgsInput,
  type MethodName,
  type MethodSpec,
  methodByName,
} from './spec.ts';

type Args = Record<string, unknown>;
type ReadStep = (buf: Buffer, end: number, args: Args) => void;
type WriteStep = (sink: Sink, args: Args) => void;

interface Codec {
  readonly spec: MethodSpec;
  readonly decode: (buf: Buffer, end: number) => Args;
  readonly encode: (sink: Sink, args: Args) => void;
  /** Payload size when every argument has a fixed size (acks, qos, tune...), else -1. */
  readonly fixedSize: number;
}

const FIXED_SIZES: Partial<Record<ArgType, number>> = {
  octet: 1,
  short: 2,
  long: 4,
  longlong: 8,
  timestamp: 8,
};

/** A method's payload size if it has no strings or tables; -1 otherwise. */
function fixedSize(spec: MethodSpec): number {
  let size = 4;
  let bits = 0;
  for (const a of spec.args) {
    if (a.type === 'bit') {
      if (bits++ % 8 === 0) size += 1;
      continue;
    }
    bits = 0;
    const n = FIXED_SIZES[a.type];
    if (n === undefined) return -1;
    size += n;
  }
  return size;
}

/** An Erlang-style binary, as RabbitMQ prints payloads in error texts: <<1,2,3>>. */
export function formatBinary(bytes: Uint8Array, max = 64): string {
  const shown = Array.from(bytes.subarray(0, max)).join(',');
  return `<<${shown}${bytes.length > max ? ',...' : ''}>>`;
}

// ---- Decoding --------------------------------------------------------------------------------------

// Read cursor for the method being decoded (see fields.ts for why it is module state).
let q = 0;

/** Thrown (and caught in decodeMethod) when arguments run past the payload. */
const TRUNCATED = new Error('truncated');
/** Thrown (and caught in decodeMethod) for a shortstr that is not UTF-8. */
const BAD_UTF8 = new Error('bad utf8');

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

function readStep(arg: ArgSpec, checkUtf8: boolean): ReadStep {
  const name = arg.name;
  switch (arg.type) {
    case 'octet':
      return (buf, end, args) => {
        if (q + 1 > end) throw TRUNCATED;
        args[name] = buf[q++];
      };
    case 'short':
      return (buf, end, args) => {
        if (q + 2 > end) throw TRUNCATED;
        args[name] = (buf[q]! << 8) | buf[q + 1]!;
        q += 2;
      };
    case 'long':
      return (buf, end, args) => {
        if (q + 4 > end) throw TRUNCATED;
        args[name] = buf.readUInt32BE(q);
        q += 4;
      };
    case 'longlong':
    case 'timestamp':
      return (buf, end, args) => {
        if (q + 8 > end) throw TRUNCATED;
        args[name] = buf.readUInt32BE(q) * 0x1_0000_0000 + buf.readUInt32BE(q + 4);
        q += 8;
      };
    case 'shortstr':
      return (buf, end, args) => {
        if (q + 1 > end) throw TRUNCATED;
        const len = buf[q++]!;
        if (len > end - q) throw TRUNCATED;
        if (checkUtf8 && !isAscii(buf, q, q + len) && !isUtf8(buf.subarray(q, q + len))) throw BAD_UTF8;
        args[name] = utf8(buf, q, q + len);
        q += len;
      };
    case 'longstr':
      return (buf, end, args) => {
        if (q + 4 > end) throw TRUNCATED;
        const len = buf.readUInt32BE(q);
        q += 4;
        if (len > end - q) throw TRUNCATED;
        // A view of the payload, as amqplib returns it; SASL responses are short and read at once.
        args[name] = buf.subarray(q, q + len);
        q += len;
      };
    case 'table':
      return (buf, end, args) => {
        if (q + 4 > end) throw TRUNCATED;
        const len = buf.readUInt32BE(q);
        q += 4;
        if (len > end - q) throw TRUNCATED;
        args[name] = decodeTableEntries(buf, q, q + len);
        q += len;
      };
    case 'bit':
      throw new Error('bits are read in runs');
  }
}

function readBits(names: readonly string[]): ReadStep {
  return (buf, end, args) => {
    if (q + 1 > end) throw TRUNCATED;
    const octet = buf[q++]!;
    for (let i = 0; i < names.length; i++) args[names[i]!] = (octet & (1 << i)) !== 0;
  };
}

/** Splits an argument list into steps: one per argument, one per run of up to 8 bits. */
function steps<T>(args: readonly ArgSpec[], single: (arg: ArgSpec) => T, bits: (run: ArgSpec[]) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < args.length; ) {
    if (args[i]!.type === 'bit') {
      const run: ArgSpec[] = [];
      while (i < args.length && args[i]!.type === 'bit' && run.length < 8) run.push(args[i++]!);
      out.push(bits(run));
    } else {
      out.push(single(args[i++]!));
    }
  }
  return out;
}

function makeDecoder(spec: MethodSpec): (buf: Buffer, end: number) => Args {
  const checkUtf8 = !spec.hasContent;
  const list = steps(
    spec.args,
    (a) => readStep(a, checkUtf8),
    (run) => readBits(run.map((a) => a.name)),
  );
  const n = list.length;
  return (buf, end) => {
    const args: Args = {};
    for (let i = 0; i < n; i++) list[i]!(buf, end, args);
    return args;
  };
}

// Hand-written decoders for the methods a publisher or consumer sends once per message. Their output
// must equal the generic decoder's (same keys in the same order); the unit tests compare them.

function readShortstrAt(buf: Buffer, end: number): string {
  if (q + 1 > end) throw TRUNCATED;
  const len = buf[q++]!;
  if (len > end - q) throw TRUNCATED;
  const s = utf8(buf, q, q + len);
  q += len;
  return s;
}

function decodePublish(buf: Buffer, end: number): Args {
  if (q + 2 > end) throw TRUNCATED;
  const ticket = (buf[q]! << 8) | buf[q + 1]!;
  q += 2;
  const exchange = readShortstrAt(buf, end);
  const routingKey = readShortstrAt(buf, end);
  if (q + 1 > end) throw TRUNCATED;
  const bits = buf[q++]!;
  return { ticket, exchange, routingKey, mandatory: (bits & 1) !== 0, immediate: (bits & 2) !== 0 };
}

function readDeliveryTag(buf: Buffer, end: number): number {
  if (q + 9 > end) throw TRUNCATED;
  const tag = buf.readUInt32BE(q) * 0x1_0000_0000 + buf.readUInt32BE(q + 4);
  q += 8;
  return tag;
}

function decodeAck(buf: Buffer, end: number): Args {
  const deliveryTag = readDeliveryTag(buf, end);
  return { deliveryTag, multiple: (buf[q++]! & 1) !== 0 };
}

function decodeNack(buf: Buffer, end: number): Args {
  const deliveryTag = readDeliveryTag(buf, end);
  const bits = buf[q++]!;
  return { deliveryTag, multiple: (bits & 1) !== 0, requeue: (bits & 2) !== 0 };
}

function decodeReject(buf: Buffer, end: number): Args {
  const deliveryTag = readDeliveryTag(buf, end);
  return { deliveryTag, requeue: (buf[q++]! & 1) !== 0 };
}

const FAST_DECODERS: Partial<Record<MethodName, (buf: Buffer, end: number) => Args>> = {
  'basic.publish': decodePublish,
  'basic.ack': decodeAck,
  'basic.nack': decodeNack,
  'basic.reject': decodeReject,
};

// ---- Encoding --------------------------------------------------------------------------------------

const ZERO: Record<ArgType, unknown> = {
  octet: 0,
  short: 0,
  long: 0,
  longlong: 0,
  timestamp: 0,
  shortstr: '',
  longstr: '',
  bit: false,
  table: {},
};

function writeStep(arg: ArgSpec): WriteStep {
  const name = arg.name;
  const fallback = arg.default !== undefined ? arg.default : ZERO[arg.type];
  const what = `argument '${name}'`;
  switch (arg.type) {
    case 'octet':
      return (sink, args) => {
        const v = args[name] ?? fallback;
        ensure(sink, 1);
        sink.buf.writeUInt8(v as number, sink.pos);
        sink.pos += 1;
      };
    case 'short':
      return (sink, args) => {
        const v = args[name] ?? fallback;
        ensure(sink, 2);
        sink.buf.writeUInt16BE(v as number, sink.pos);
        sink.pos += 2;
      };
    case 'long':
      return (sink, args) => {
        const v = args[name] ?? fallback;
        ensure(sink, 4);
        sink.buf.writeUInt32BE(v as number, sink.pos);
        sink.pos += 4;
      };
    case 'longlong':
    case 'timestamp':
      return (sink, args) => {
        const v = args[name] ?? fallback;
        ensure(sink, 8);
        writeUint64(sink.buf, v as number, sink.pos);
        sink.pos += 8;
      };
    case 'shortstr':
      return (sink, args) => writeShortstr(sink, (args[name] ?? fallback) as string, what);
    case 'longstr':
      return (sink, args) => writeLongstr(sink, (args[name] ?? fallback) as Buffer | string, what);
    case 'table':
      return (sink, args) => {
        const v = args[name] ?? fallback;
        if (typeof v !== 'object' || v === null) throw new TypeError(`${what} must be an object`);
        writeTable(sink, v as FieldTable);
      };
    case 'bit':
      throw new Error('bits are written in runs');
  }
}

function writeBits(run: readonly ArgSpec[]): WriteStep {
  const names = run.map((a) => a.name);
  const fallbacks = run.map((a) => a.default === true);
  return (sink, args) => {
    let octet = 0;
    for (let i = 0; i < names.length; i++) {
      const v = args[names[i]!];
      if (v == null ? fallbacks[i] : v) octet |= 1 << i;
    }
    ensure(sink, 1);
    sink.buf[sink.pos++] = octet;
  };
}

function makeEncoder(spec: MethodSpec): (sink: Sink, args: Args) => void {
  const list = steps(spec.args, writeStep, writeBits);
  const n = list.length;
  const id = spec.id;
  return (sink, args) => {
    ensure(sink, 4);
    sink.buf.writeUInt32BE(id, sink.pos);
    sink.pos += 4;
    for (let i = 0; i < n; i++) list[i]!(sink, args);
  };
}

// ---- Tables built at load ------------------------------------------------------------------------

const codecsByName = new Map<string, Codec>();
const codecsById = new Map<number, Codec>();
for (const spec of METHODS) {
  const codec: Codec = {
    spec,
    decode: FAST_DECODERS[spec.name] ?? makeDecoder(spec),
    encode: makeEncoder(spec),
    fixedSize: fixedSize(spec),
  };
  codecsByName.set(spec.name, codec);
  codecsById.set(spec.id, codec);
}

/** The generic (table-driven) decoder of a method, for tests that hold the fast paths to it. */
export function genericDecoder(name: MethodName): (payload: Buffer) => Args {
  const spec = methodByName(name);
  if (!spec) throw new TypeError(`unknown method ${name}`);
  const decode = makeDecoder(spec);
  return (payload) => {
    q = 4;
    const args = decode(payload, payload.length);
    if (q !== payload.length) throw TRUNCATED;
    return args;
  };
}

// ---- Public API ------------------------------------------------------------------------------------

/**
 * Decodes a method frame's payload. Strings are copied out; longstr arguments, `x` table values and
 * nothing else are views of `payload` (and so of the socket chunk it came in, see FrameReader).
 */
export function decodeMethod(payload: Buffer): DecodedMethod {
  const end = payload.length;
  if (end < 4) {
    throw new AmqpError(
      REPLY.FRAME_ERROR,
      `type 1, all octets = ${formatBinary(payload)}: unknown_frame`,
      'connection',
    );
  }
  const id = payload.readUInt32BE(0);
  const codec = codecsById.get(id);
  if (codec === undefined) {
    const classId = id >>> 16;
    const methodId = id & 0xffff;
    throw new AmqpError(
      REPLY.NOT_IMPLEMENTED,
      `unknown method id {${classId},${methodId}}`,
      'connection',
      classId,
      methodId,
    );
  }
  const spec = codec.spec;
  let args: Args;
  try {
    q = 4;
    args = codec.decode(payload, end);
    if (q !== end) throw TRUNCATED;
  } catch (err) {
    if (err === TRUNCATED) {
      throw new AmqpError(
        REPLY.FRAME_ERROR,
        `cannot decode ${formatBinary(payload.subarray(4))}`,
        'connection',
        spec.classId,
        spec.methodId,
      );
    }
    if (err === BAD_UTF8) {
      throw new AmqpError(
        REPLY.FRAME_ERROR,
        'Malformed UTF-8 in shortstr',
        'connection',
        spec.classId,
        spec.methodId,
      );
    }
    if (err instanceof AmqpError) {
      throw new AmqpError(err.code, err.detail, err.scope, spec.classId, spec.methodId);
    }
    throw err;
  }
  return { classId: spec.classId, methodId: spec.methodId, name: spec.name, args } as DecodedMethod;
}

function codecFor(name: string): Codec {
  const codec = codecsByName.get(name);
  if (codec === undefined) throw new TypeError(`unknown method ${name}`);
  return codec;
}

/**
 * Writes class-id, method-id and the arguments of `name` at sink.pos (growing the sink). For frame.ts,
 * which wraps the bytes in frames without another copy.
 */
export function writeMethod(sink: Sink, name: MethodName, args: object): MethodSpec {
  const codec = codecFor(name);
  codec.encode(sink, args as Args);
  return codec.spec;
}

/**
 * A method frame's payload: class-id, method-id, arguments. Arguments left out (or null) take the
 * spec's default, or the type's zero value (0, '', false, {}) where the spec has none.
 */
export function encodeMethod<N extends MethodName>(name: N, args: MethodArgsInput<N>): Buffer {
  SCRATCH.pos = 0;
  writeMethod(SCRATCH, name, args);
  return takeBytes(SCRATCH, 0);
}

// The sink for methods of known size: they are written straight into their own exact buffer.
const EXACT: Sink = { buf: Buffer.alloc(0), pos: 0 };

/** A whole method frame, built in place (no copy of the payload into a frame). */
export function methodFrame<N extends MethodName>(
  channel: number,
  name: N,
  args: MethodArgsInput<N>,
): Buffer {
  const codec = codecFor(name);
  let out: Buffer;
  if (codec.fixedSize >= 0) {
    out = Buffer.allocUnsafe(codec.fixedSize + FRAME_OVERHEAD);
    EXACT.buf = out;
    EXACT.pos = 7;
    codec.encode(EXACT, args as Args);
    EXACT.buf = EMPTY;
  } else {
    SCRATCH.pos = 7;
    codec.encode(SCRATCH, args as Args);
    ensure(SCRATCH, 1);
    SCRATCH.pos += 1;
    out = takeBytes(SCRATCH, 0);
  }
  out[out.length - 1] = FRAME_END;
  writeFrameHeader(out, 0, FRAME_METHOD, channel, out.length - FRAME_OVERHEAD);
  return out;
}

const EMPTY = Buffer.alloc(0);
