// The broker's AMQP codec against amqplib, the client it must be indistinguishable to:
// 1. the method and property tables match amqplib's generated defs.js, both ways;
// 2. golden round trips: for every method, our bytes equal amqplib's bytes for the same arguments,
//    and each side decodes the other's bytes to the same values; likewise content headers and field
//    tables with every type letter;
// 3. robustness: the frame reader over streams chopped anywhere, and malformed input of every kind
//    only ever producing AmqpError.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  contentFrames,
  contentMethodFrames,
  decodeContentHeader,
  encodeContentHeader,
  encodedProperties,
  forgetEncodedProperties,
} from '../../src/broker/codec/content-header.ts';
import { decodeTable, decodeTableEntries, encodeTable } from '../../src/broker/codec/fields.ts';
import {
  deliverFrames,
  encodeFrame,
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  type Frame,
  FrameReader,
  HEARTBEAT_FRAME,
  INITIAL_FRAME_MAX,
  PROTOCOL_HEADER,
  readProtocolHeader,
} from '../../src/broker/codec/frame.ts';
import { decodeMethod, encodeMethod, genericDecoder, methodFrame } from '../../src/broker/codec/methods.ts';
import type { BasicProperties } from '../../src/broker/codec/properties.ts';
import {
  type ArgSpec,
  BASIC_PROPERTIES,
  METHODS,
  type MethodArgsInput,
  type MethodName,
  type MethodSpec,
  methodById,
  methodByName,
} from '../../src/broker/codec/spec.ts';
import { AmqpError, REPLY } from '../../src/broker/errors.ts';

// amqplib's package exports hide lib/, so reach its generated table by path.
const require = createRequire(import.meta.url);
const amqplibDir = dirname(require.resolve('amqplib'));

interface AmqplibArg {
  name: string;
  type: string;
  default: unknown;
}
interface AmqplibInfo {
  id: number;
  classId: number;
  methodId: number;
  name: string;
  args: AmqplibArg[];
}
interface AmqplibDefs {
  [key: string]: unknown;
  decode(id: number, buf: Buffer): Record<string, unknown>;
  encodeMethod(id: number, channel: number, fields: Record<string, unknown>): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: Record<string, unknown>): Buffer;
  info(id: number): AmqplibInfo;
}
const defs = require(join(amqplibDir, 'lib', 'defs.js')) as AmqplibDefs;
const amqpCodec = require(join(amqplibDir, 'lib', 'codec.js')) as {
  encodeTable(buf: Buffer, value: unknown, offset: number): number;
  decodeFields(buf: Buffer): Record<string, unknown>;
};
const amqpFrame = require(join(amqplibDir, 'lib', 'frame.js')) as {
  makeBodyFrame(channel: number, payload: Buffer): Buffer;
};

const amqplibMethods = Object.keys(defs)
  .filter((k) => k.startsWith('methodInfo'))
  .map((k) => defs[k] as AmqplibInfo);

/** 'basic.get-empty' -> 'BasicGetEmpty' */
function amqplibName(name: string): string {
  return name
    .split(/[.-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

const spec = (name: MethodName): MethodSpec => methodByName(name)!;

/** Frame payload (between the 7-byte frame header and the frame-end octet). */
const payloadOf = (frame: Buffer): Buffer => frame.subarray(7, frame.length - 1);

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectAmqpError(fn: () => unknown, code?: number): AmqpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AmqpError);
    if (code !== undefined) expect((err as AmqpError).code).toBe(code);
    return err as AmqpError;
  }
  throw new Error('expected an AmqpError');
}

// ---- 1. Tables -----------------------------------------------------------------------------------

describe('method table', () => {
  it('has every method amqplib has, with the same ids, arguments, types, order and defaults', () => {
    for (const info of amqplibMethods) {
      const ours = methodById(info.classId, info.methodId);
      expect(ours, info.name).toBeDefined();
      expect(amqplibName(ours!.name)).toBe(info.name);
      expect(ours!.id).toBe(info.id);
      expect(ours!.args.map((a) => [a.name, a.type, a.default ?? null])).toEqual(
        info.args.map((a) => [a.name, a.type, a.default ?? null]),
      );
    }
  });

  it('has nothing amqplib lacks', () => {
    const theirs = new Set(amqplibMethods.map((m) => m.name));
    for (const m of METHODS) expect(theirs.has(amqplibName(m.name)), m.name).toBe(true);
    expect(METHODS.length).toBe(amqplibMethods.length);
  });

  it('knows which methods carry content and which are synchronous', () => {
    expect(METHODS.filter((m) => m.hasContent).map((m) => m.name)).toEqual([
      'basic.publish',
      'basic.return',
      'basic.deliver',
      'basic.get-ok',
    ]);
    expect(spec('basic.get').response).toEqual(['basic.get-ok', 'basic.get-empty']);
    expect(spec('exchange.unbind').response).toEqual(['exchange.unbind-ok']);
    expect(spec('exchange.unbind-ok').methodId).toBe(51);
    expect(spec('basic.publish').synchronous).toBe(false);
    for (const m of METHODS) {
      for (const r of m.response) expect(methodByName(r)?.classId, `${m.name} -> ${r}`).toBe(m.classId);
    }
  });

  it('has the basic properties amqplib has, in flag order', () => {
    const info = defs.propertiesInfoBasicProperties as { args: AmqplibArg[] };
    expect(BASIC_PROPERTIES.map((p) => [p.name, p.type])).toEqual(info.args.map((a) => [a.name, a.type]));
  });
});

// ---- 2. Golden round trips -------------------------------------------------------------------------

const SHORTSTR_255 = 'x'.repeat(255);
/** 'é' is two bytes: 127 of them and an ASCII byte make 255. */
const SHORTSTR_UNICODE = `${'é'.repeat(127)}!`;

/** A table with one of each JS shape amqplib encodes without a type hint. */
function plainTable(): Record<string, unknown> {
  return {
    str: 'hello',
    empty: '',
    unicode: 'ünïcødé ☃',
    t: true,
    f: false,
    byte: -128,
    byteMax: 127,
    short: -32768,
    shortMax: 32767,
    int: -2147483648,
    intMax: 2147483647,
    long: 2 ** 40,
    longNeg: -(2 ** 52),
    longMax: Number.MAX_SAFE_INTEGER,
    dbl: 0.5,
    dblNeg: -12345.678,
    dblBig: 1e300,
    nothing: null,
    skipped: undefined,
    bytes: Buffer.from([0, 1, 2, 255]),
    list: [1, 'two', [3, { four: 4 }], null, true, 2 ** 35],
    nested: { a: { b: { c: 'deep' } }, empty: {} },
    'x-message-ttl': 60000,
  };
}

/** A table using amqplib's typed values for every type letter. */
function typedTable(): Record<string, unknown> {
  return {
    t: { '!': 'boolean', value: true },
    b: { '!': 'int8', value: -5 },
    B: { '!': 'uint8', value: 250 },
    s: { '!': 'int16', value: -300 },
    u: { '!': 'uint16', value: 65000 },
    I: { '!': 'int32', value: -70000 },
    i: { '!': 'uint32', value: 4000000000 },
    l: { '!': 'int64', value: 5 },
    f: { '!': 'float', value: 1.5 },
    d: { '!': 'double', value: 2 },
    D: { '!': 'decimal', value: { places: 2, digits: 12345 } },
    S: { '!': 'string', value: 'typed' },
    x: Buffer.from('bytes'),
    A: [
      { '!': 'timestamp', value: 1700000000 },
      { '!': 'unsignedshort', value: 7 },
    ],
    T: { '!': 'timestamp', value: 1700000000 },
    F: { '!': 'object', value: { inner: { '!': 'unsignedbyte', value: 1 } } },
    V: null,
  };
}

const ALL_TYPE_LETTERS = 'tbBsuIilfdDSxATFV';

function valueFor(arg: ArgSpec, variant: 'zero' | 'max' | 'unicode' | 'random', rnd: () => number): unknown {
  switch (arg.type) {
    case 'octet':
      return variant === 'max' ? 255 : variant === 'random' ? Math.floor(rnd() * 256) : 0;
    case 'short':
      return variant === 'max' ? 65535 : variant === 'random' ? Math.floor(rnd() * 65536) : 0;
    case 'long':
      return variant === 'max' ? 0xffffffff : variant === 'random' ? Math.floor(rnd() * 2 ** 32) : 0;
    case 'longlong':
    case 'timestamp':
      return variant === 'max'
        ? Number.MAX_SAFE_INTEGER
        : variant === 'random'
          ? Math.floor(rnd() * 2 ** 53)
          : 0;
    case 'shortstr':
      if (variant === 'max') return SHORTSTR_255;
      if (variant === 'unicode') return SHORTSTR_UNICODE;
      if (variant === 'random') return randomString(rnd, Math.floor(rnd() * 40));
      return '';
    case 'longstr':
      if (variant === 'max') return Buffer.alloc(70000, 0xab);
      if (variant === 'unicode') return Buffer.from('\u0000user\u0000pässword');
      if (variant === 'random') return Buffer.from(randomString(rnd, Math.floor(rnd() * 100)));
      return Buffer.alloc(0);
    case 'bit':
      return variant === 'max' ? true : variant === 'random' ? rnd() < 0.5 : false;
    case 'table':
      if (variant === 'max') return plainTable();
      if (variant === 'unicode') return typedTable();
      if (variant === 'random') return randomTable(rnd, 2);
      return {};
  }
}

function randomString(rnd: () => number, n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_#*é☃';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  return s;
}

const EDGE_NUMBERS = [
  0,
  1,
  -1,
  127,
  128,
  -128,
  -129,
  255,
  256,
  32767,
  32768,
  -32768,
  -32769,
  65535,
  65536,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 50,
  -(2 ** 50),
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  0.5,
  -0.25,
  Math.PI,
  1e-300,
  1e300,
  Number.MAX_VALUE,
  Infinity,
];

function randomValue(rnd: () => number, depth: number): unknown {
  const kind = Math.floor(rnd() * (depth > 0 ? 9 : 7));
  switch (kind) {
    case 0:
      return randomString(rnd, Math.floor(rnd() * 20));
    case 1:
      return EDGE_NUMBERS[Math.floor(rnd() * EDGE_NUMBERS.length)];
    case 2:
      return rnd() < 0.5;
    case 3:
      return null;
    case 4:
      return Buffer.from(randomString(rnd, Math.floor(rnd() * 8)));
    case 5:
      return Math.floor(rnd() * 2 ** 31) * (rnd() < 0.5 ? -1 : 1);
    case 6:
      return rnd() * 1000;
    case 7:
      return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth - 1));
    default:
      return randomTable(rnd, depth - 1);
  }
}

function randomTable(rnd: () => number, depth: number): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  const n = Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++)
    table[`k${i}${randomString(rnd, Math.floor(rnd() * 5))}`] = randomValue(rnd, depth);
  return table;
}

function argsFor(m: MethodSpec, variant: 'zero' | 'max' | 'unicode' | 'random', rnd: () => number) {
  const args: Record<string, unknown> = {};
  for (const a of m.args) args[a.name] = valueFor(a, variant, rnd);
  return args;
}

/** Every combination of a method's bits, other arguments at their 'random' values. */
function bitCombinations(m: MethodSpec, rnd: () => number): Record<string, unknown>[] {
  const bits = m.args.filter((a) => a.type === 'bit');
  const out: Record<string, unknown>[] = [];
  for (let mask = 0; mask < 1 << bits.length; mask++) {
    const args = argsFor(m, 'random', rnd);
    bits.forEach((b, i) => {
      args[b.name] = (mask & (1 << i)) !== 0;
    });
    out.push(args);
  }
  return out;
}

/** Buffers as hex strings: vitest compares big Buffers element by element, slowly. */
function hexed(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return `<${v.toString('hex')}>`;
  if (Array.isArray(v)) return v.map(hexed);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexed(x)]));
  }
  return v;
}

/** What a JS value looks like after a trip through a table (amqplib's decoding). */
function expectedAfterTable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expectedAfterTable);
  if (Buffer.isBuffer(v)) return v;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = expectedAfterTable(x);
    return out;
  }
  return v;
}

describe('methods against amqplib', () => {
  const rnd = prng(1);
  const cases: [string, MethodSpec, Record<string, unknown>][] = [];
  for (const m of METHODS) {
    for (const variant of ['zero', 'max', 'unicode', 'random'] as const) {
      cases.push([`${m.name} ${variant}`, m, argsFor(m, variant, rnd)]);
    }
    for (const [i, args] of bitCombinations(m, rnd).entries()) cases.push([`${m.name} bits#${i}`, m, args]);
  }

  it.each(cases)('%s: same bytes as amqplib, and each decodes the other', (_label, m, args) => {
    const ours = encodeMethod(m.name, args as MethodArgsInput<typeof m.name>);
    const theirFrame = defs.encodeMethod(m.id, 1, args);
    const theirs = payloadOf(theirFrame);
    expect(ours.equals(theirs), 'same bytes').toBe(true);
    expect(
      methodFrame(1, m.name, args as MethodArgsInput<typeof m.name>).equals(theirFrame),
      'same frame',
    ).toBe(true);
    // amqplib reads our bytes back to the arguments (tables as amqplib decodes them)...
    const viaAmqplib = hexed(defs.decode(m.id, ours.subarray(4))) as Record<string, unknown>;
    for (const a of m.args) {
      if (a.type !== 'table') expect(viaAmqplib[a.name], a.name).toEqual(hexed(args[a.name]));
    }
    // ...and we read amqplib's bytes to exactly what amqplib reads.
    const decoded = decodeMethod(theirs);
    expect(decoded.name).toBe(m.name);
    expect(decoded.classId).toBe(m.classId);
    expect(decoded.methodId).toBe(m.methodId);
    expect(hexed(decoded.args)).toEqual(viaAmqplib);
    expect(Object.keys(decoded.args)).toEqual(m.args.map((a) => a.name));
  });

  it('decodes plain tables back to the values given', () => {
    const payload = encodeMethod('queue.declare', { queue: 'q', arguments: plainTable() });
    const decoded = decodeMethod(payload);
    expect(decoded.name === 'queue.declare' && decoded.args.arguments).toEqual(
      expectedAfterTable(plainTable()),
    );
  });

  it('fills left-out arguments with the spec defaults, like amqplib', () => {
    for (const m of METHODS) {
      const required: Record<string, unknown> = {};
      for (const a of m.args) {
        if (a.default === undefined) required[a.name] = valueFor(a, 'random', prng(2));
      }
      const ours = encodeMethod(m.name, required as MethodArgsInput<typeof m.name>);
      expect(ours, m.name).toEqual(payloadOf(defs.encodeMethod(m.id, 0, required)));
    }
    // And zero values where the spec has no default (amqplib would throw instead).
    const deliver = decodeMethod(encodeMethod('basic.deliver', {} as MethodArgsInput<'basic.deliver'>));
    expect(deliver.args).toEqual({
      consumerTag: '',
      deliveryTag: 0,
      redelivered: false,
      exchange: '',
      routingKey: '',
    });
  });

  it('accepts a string for a longstr', () => {
    const payload = encodeMethod('connection.start', { serverProperties: {}, mechanisms: 'PLAIN AMQPLAIN' });
    const decoded = decodeMethod(payload);
    expect(decoded.name === 'connection.start' && decoded.args.mechanisms.toString()).toBe('PLAIN AMQPLAIN');
  });

  it('methodFrame wraps the payload as amqplib frames it', () => {
    const args = {
      consumerTag: 'ctag',
      deliveryTag: 42,
      redelivered: true,
      exchange: 'ex',
      routingKey: 'rk',
    };
    expect(methodFrame(7, 'basic.deliver', args)).toEqual(
      defs.encodeMethod(spec('basic.deliver').id, 7, args),
    );
    expect(methodFrame(0, 'connection.close-ok', {})).toEqual(
      defs.encodeMethod(spec('connection.close-ok').id, 0, {}),
    );
  });

  it('the hand-written decoders agree with the table-driven ones', () => {
    const rnd2 = prng(3);
    for (const name of ['basic.publish', 'basic.ack', 'basic.nack', 'basic.reject'] as const) {
      const generic = genericDecoder(name);
      for (let i = 0; i < 200; i++) {
        const payload = encodeMethod(
          name,
          argsFor(spec(name), 'random', rnd2) as MethodArgsInput<typeof name>,
        );
        const fast = decodeMethod(payload).args;
        expect(fast).toEqual(generic(payload));
        expect(Object.keys(fast)).toEqual(Object.keys(generic(payload)));
      }
    }
  });

  it('refuses to encode a shortstr over 255 bytes', () => {
    expect(() => encodeMethod('queue.declare', { queue: 'x'.repeat(256) })).toThrow(TypeError);
    expect(() => encodeMethod('queue.declare', { queue: 'é'.repeat(128) })).toThrow(TypeError);
  });
});

describe('content headers against amqplib', () => {
  const full: BasicProperties = {
    contentType: 'application/json',
    contentEncoding: 'gzip',
    headers: plainTable(),
    deliveryMode: 2,
    priority: 9,
    correlationId: SHORTSTR_255,
    replyTo: 'amq.rabbitmq.reply-to',
    expiration: '60000',
    messageId: SHORTSTR_UNICODE,
    timestamp: 1700000000,
    type: 'order.created',
    userId: 'guest',
    appId: 'faafo',
    clusterId: '',
  };
  const cases: [string, BasicProperties, number][] = [
    ['none', {}, 0],
    ['all', full, Number.MAX_SAFE_INTEGER],
    ['typed headers', { headers: typedTable() }, 1],
    ['null counts as absent', { contentType: null as unknown as string, priority: 0 }, 5],
  ];
  for (const p of BASIC_PROPERTIES) {
    const key = p.name as keyof BasicProperties;
    cases.push([`only ${p.name}`, { [key]: full[key] }, 1024]);
  }
  const rnd = prng(4);
  for (let i = 0; i < 50; i++) {
    const props: Record<string, unknown> = {};
    for (const p of BASIC_PROPERTIES) {
      if (rnd() < 0.5) props[p.name] = valueFor(p, 'random', rnd);
    }
    cases.push([`random #${i}`, props as BasicProperties, Math.floor(rnd() * 2 ** 40)]);
  }

  it.each(cases)('%s: same bytes as amqplib, and each decodes the other', (_label, props, size) => {
    const ours = encodeContentHeader(60, size, { ...props });
    const theirs = payloadOf(defs.encodeProperties(60, 1, size, props as Record<string, unknown>));
    expect(ours).toEqual(theirs);
    const viaAmqplib = defs.decode(60, ours.subarray(12));
    const decoded = decodeContentHeader(theirs);
    expect(decoded.classId).toBe(60);
    expect(decoded.weight).toBe(0);
    expect(decoded.bodySize).toBe(size);
    expect(decoded.properties).toEqual(viaAmqplib);
  });

  it('sends a decoded message with the publisher’s own property bytes', () => {
    // A header value of type L (which RabbitMQ reads, amqplib cannot) and a float survive untouched.
    const headers = Buffer.from([1, 0x61, 0x4c, 0, 0, 0, 0, 0, 0, 0, 7, 1, 0x62, 0x66, 0x3f, 0xc0, 0, 0]);
    const props = Buffer.concat([Buffer.from([0x20, 0x00]), u32(headers.length), headers]);
    const payload = Buffer.concat([Buffer.from([0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]), props]);
    const header = decodeContentHeader(payload);
    expect(header.properties).toEqual({ headers: { a: 7, b: 1.5 } });
    expect(encodedProperties(header.properties)).toEqual(props);
    const frames = contentFrames(1, 60, header.properties, Buffer.from('abc'), 4096);
    expect(frames.subarray(7 + 12, 7 + 12 + props.length)).toEqual(props);
  });

  it('caches the bytes on decoded properties only, invisibly', () => {
    const props = decodeContentHeader(
      encodeContentHeader(60, 0, { contentType: 'text/plain', headers: { a: 1 } }),
    ).properties;
    const first = encodedProperties(props);
    expect(encodedProperties(props)).toBe(first);
    expect(Object.keys(props)).toEqual(['contentType', 'headers']);
    expect(props).toStrictEqual({ contentType: 'text/plain', headers: { a: 1 } });
    expect(JSON.stringify(props)).toBe('{"contentType":"text/plain","headers":{"a":1}}');
    // A copy is a new message as far as the cache knows: encoded afresh, and not cached.
    const copy = { ...props, contentType: 'text/html' };
    expect(encodedProperties(copy)).not.toBe(encodedProperties(copy));
    expect(decodeContentHeader(encodeContentHeader(60, 0, copy)).properties.contentType).toBe('text/html');
    // Changing a decoded object in place needs forgetEncodedProperties, then it is cached again.
    props.priority = 3;
    expect(encodedProperties(props)).toBe(first);
    forgetEncodedProperties(props);
    const again = encodedProperties(props);
    expect(decodeContentHeader(encodeContentHeader(60, 0, props)).properties.priority).toBe(3);
    expect(encodedProperties(props)).toBe(again);
    expect(encodedProperties(Object.freeze({ priority: 1 }))).toEqual(Buffer.from([0x08, 0, 1]));
  });

  it('follows property flag continuation words', () => {
    const payload = Buffer.from([0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x01, 0x00, 0x00, 2]);
    expect(decodeContentHeader(payload).properties).toEqual({ deliveryMode: 2 });
    const unknown = Buffer.from([0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x80, 0x00]);
    expectAmqpError(() => decodeContentHeader(unknown), REPLY.SYNTAX_ERROR);
  });

  it('rejects a body size past Number.MAX_SAFE_INTEGER', () => {
    const payload = Buffer.from([0, 60, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0]);
    expectAmqpError(() => decodeContentHeader(payload), REPLY.FRAME_ERROR);
    payload[5] = 0x1f;
    payload.fill(0xff, 6, 12);
    expect(decodeContentHeader(payload).bodySize).toBe(Number.MAX_SAFE_INTEGER);
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

describe('field tables against amqplib', () => {
  const amqplibTable = (value: unknown): Buffer => {
    const buf = Buffer.alloc(1 << 20);
    return Buffer.from(buf.subarray(0, amqpCodec.encodeTable(buf, value, 0)));
  };
  const rnd = prng(5);
  const cases: [string, Record<string, unknown>][] = [
    ['empty', {}],
    ['plain', plainTable()],
    ['typed', typedTable()],
    ['deep', { a: { b: { c: { d: { e: [[[{ f: 1 }]]] } } } } }],
  ];
  for (let i = 0; i < 200; i++) cases.push([`random #${i}`, randomTable(rnd, 3)]);

  it('the typed table uses every type letter', () => {
    const letters = new Set<string>();
    const bytes = encodeTable(typedTable());
    // Top-level entries: key length, key, tag.
    for (let p = 4; p < bytes.length; ) {
      const klen = bytes[p]!;
      letters.add(String.fromCharCode(bytes[p + 1 + klen]!));
      p = skipEntry(bytes, p);
    }
    for (const letter of ALL_TYPE_LETTERS) expect(letters.has(letter), letter).toBe(true);
  });

  it.each(cases)('%s: same bytes as amqplib, and each decodes the other', (_label, table) => {
    const ours = encodeTable(table);
    const theirs = amqplibTable(table);
    expect(ours).toEqual(theirs);
    const viaAmqplib = amqpCodec.decodeFields(ours.subarray(4));
    expect(decodeTable(theirs)).toEqual(viaAmqplib);
    expect(decodeTableEntries(theirs, 4, theirs.length)).toEqual(viaAmqplib);
  });

  it('decodes the types amqplib decodes to plain values back to the values', () => {
    expect(decodeTable(encodeTable(plainTable()))).toEqual(expectedAfterTable(plainTable()));
  });

  it('encodes what amqplib cannot: bigints, NaN, huge negatives, Uint8Arrays', () => {
    const decoded = decodeTable(
      encodeTable({
        big: 2n ** 60n,
        nan: Number.NaN,
        neg: -1e20,
        u8: new Uint8Array([1, 2]),
        und: [undefined],
      }),
    );
    expect(decoded).toEqual({
      big: 2 ** 60,
      nan: Number.NaN,
      neg: -1e20,
      u8: Buffer.from([1, 2]),
      und: [null],
    });
  });

  it('decodes short strings through the intern cache exactly as toString does', () => {
    const r = prng(9);
    const samples: Buffer[] = [];
    for (let i = 0; i < 20000; i++) {
      // Few distinct lengths and bytes, so slots collide; some invalid UTF-8.
      const b = Buffer.alloc(1 + Math.floor(r() * 40));
      for (let k = 0; k < b.length; k++)
        b[k] = r() < 0.05 ? 0x80 + Math.floor(r() * 128) : 0x61 + Math.floor(r() * 3);
      samples.push(b);
    }
    for (const b of samples.concat(samples)) {
      const table = decodeTable(
        Buffer.concat([u32(b.length + 2), Buffer.from([Math.min(b.length, 255)]), b, Buffer.from([0x56])]),
      );
      const [key] = Object.keys(table);
      if (key !== b.toString('utf8')) expect(key).toBe(b.toString('utf8'));
    }
  });

  it('keeps a __proto__ key as data', () => {
    const bytes = Buffer.concat([
      u32(12),
      Buffer.from([9]),
      Buffer.from('__proto__'),
      Buffer.from([0x62, 5]),
    ]);
    const table = decodeTable(bytes);
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect(Object.keys(table)).toEqual(['__proto__']);
  });

  it('refuses tables nested past the depth limit, without a stack overflow', () => {
    let bytes = Buffer.alloc(0);
    for (let i = 0; i < 5000; i++) bytes = Buffer.concat([Buffer.from([0, 0x46]), u32(bytes.length), bytes]);
    expectAmqpError(() => decodeTableEntries(bytes, 0, bytes.length), REPLY.SYNTAX_ERROR);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeTable(cyclic)).toThrow(TypeError);
  });

  it('rejects unknown type letters and lengths past the end', () => {
    expectAmqpError(() => decodeTable(Buffer.from([0, 0, 0, 3, 1, 0x61, 0x5a])), REPLY.SYNTAX_ERROR);
    expectAmqpError(
      () => decodeTable(Buffer.from([0, 0, 0, 7, 1, 0x61, 0x53, 0, 0, 0, 9])),
      REPLY.SYNTAX_ERROR,
    );
    expectAmqpError(() => decodeTable(Buffer.from([0, 0, 0, 9])), REPLY.SYNTAX_ERROR);
  });
});

/** Offset after the table entry starting at p (for walking an encoded table in tests). */
function skipEntry(b: Buffer, p: number): number {
  const klen = b[p]!;
  let q = p + 1 + klen;
  const tag = String.fromCharCode(b[q++]!);
  const fixed: Record<string, number> = {
    t: 1,
    b: 1,
    B: 1,
    s: 2,
    u: 2,
    I: 4,
    i: 4,
    l: 8,
    f: 4,
    d: 8,
    D: 5,
    T: 8,
    V: 0,
  };
  if (tag in fixed) return q + fixed[tag]!;
  return q + 4 + b.readUInt32BE(q);
}

// ---- Frames -------------------------------------------------------------------------------------------

describe('frame writers', () => {
  const props: BasicProperties = { contentType: 'text/plain', deliveryMode: 2, headers: { n: 1 } };

  function amqplibContent(channel: number, body: Buffer, frameMax: number): Buffer {
    const parts = [defs.encodeProperties(60, channel, body.length, props as Record<string, unknown>)];
    for (let i = 0; i < body.length; i += frameMax - 8) {
      parts.push(amqpFrame.makeBodyFrame(channel, body.subarray(i, i + frameMax - 8)));
    }
    return Buffer.concat(parts);
  }

  it.each([0, 1, 4087, 4088, 4089, 10000, 100_000])(
    'contentFrames splits a %i-byte body as amqplib does',
    (n) => {
      const body = Buffer.alloc(n, 7);
      expect(contentFrames(3, 60, props, body, 4096)).toEqual(amqplibContent(3, body, 4096));
    },
  );

  it('puts a body in one frame when frame-max is 0 (no limit)', () => {
    const frames = new FrameReader(0).push(contentFrames(1, 60, {}, Buffer.alloc(20000), 0));
    expect(frames.map((f) => f.type)).toEqual([FRAME_HEADER, FRAME_BODY]);
  });

  it('deliverFrames equals basic.deliver method, header and body frames', () => {
    for (const [tag, exchange, routingKey, body] of [
      ['amq.ctag-1', 'amq.topic', 'a.b.c', Buffer.alloc(5000, 1)],
      ['', '', SHORTSTR_255, Buffer.alloc(0)],
      [SHORTSTR_UNICODE, 'ëx', 'ключ', Buffer.from('x')],
    ] as const) {
      const args = { consumerTag: tag, deliveryTag: 2 ** 40 + 3, redelivered: true, exchange, routingKey };
      const expected = Buffer.concat([
        defs.encodeMethod(spec('basic.deliver').id, 9, args),
        amqplibContent(9, body, 4096),
      ]);
      expect(deliverFrames(9, tag, args.deliveryTag, true, exchange, routingKey, props, body, 4096)).toEqual(
        expected,
      );
      expect(contentMethodFrames(9, 'basic.deliver', args, props, body, 4096)).toEqual(expected);
    }
  });

  it('encodeFrame and the heartbeat', () => {
    expect(encodeFrame(FRAME_BODY, 258, Buffer.from('ab'))).toEqual(
      Buffer.from([3, 1, 2, 0, 0, 0, 2, 0x61, 0x62, 0xce]),
    );
    expect(HEARTBEAT_FRAME).toEqual(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
  });
});

describe('protocol header', () => {
  it('recognises AMQP 0-9-1 and hands back what follows', () => {
    expect(readProtocolHeader(Buffer.from('AMQP'))).toEqual({ status: 'incomplete' });
    const r = readProtocolHeader(Buffer.concat([PROTOCOL_HEADER, Buffer.from([1, 2])]));
    expect(r).toEqual({ status: 'ok', rest: Buffer.from([1, 2]) });
  });

  it('reports other versions and protocols as a mismatch', () => {
    expect(readProtocolHeader(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0])).status).toBe('mismatch');
    expect(readProtocolHeader(Buffer.from('GET / HTTP/1.1\r\n')).status).toBe('mismatch');
  });
});

describe('FrameReader', () => {
  const publish = methodFrame(1, 'basic.publish', { exchange: 'ex', routingKey: 'rk' });
  const content = contentFrames(1, 60, { headers: plainTable() }, Buffer.alloc(9000, 0x5a), 4096);
  const open = methodFrame(0, 'connection.open', {});
  const stream = Buffer.concat([publish, content, HEARTBEAT_FRAME, open, content]);
  const expectedFrames = new FrameReader(0).push(stream);
  const expected = expectedFrames.map(frameText);

  /** A frame as one string, which vitest compares much faster than a Buffer. */
  function frameText(f: Frame): string {
    return `${f.type}/${f.channel}/${f.payload.toString('hex')}`;
  }

  function readAll(chunks: Buffer[], maxFrameSize = 0): string[] {
    const reader = new FrameReader(maxFrameSize);
    const frames: string[] = [];
    for (const c of chunks) frames.push(...reader.push(c).map(frameText));
    expect(reader.buffered).toBe(0);
    return frames;
  }

  it('reads many frames from one chunk', () => {
    expect(expectedFrames.map((f) => f.type)).toEqual([
      FRAME_METHOD,
      FRAME_HEADER,
      FRAME_BODY,
      FRAME_BODY,
      FRAME_BODY,
      FRAME_HEARTBEAT,
      FRAME_METHOD,
      FRAME_HEADER,
      FRAME_BODY,
      FRAME_BODY,
      FRAME_BODY,
    ]);
    expect(decodeMethod(expectedFrames[0]!.payload).name).toBe('basic.publish');
  });

  it('reads the same frames whatever byte the stream is cut at', () => {
    const same = (frames: Frame[]) =>
      frames.length === expectedFrames.length &&
      frames.every((f, k) => {
        const e = expectedFrames[k]!;
        return f.type === e.type && f.channel === e.channel && f.payload.equals(e.payload);
      });
    for (let i = 0; i <= stream.length; i++) {
      const reader = new FrameReader(0);
      const frames = [...reader.push(stream.subarray(0, i)), ...reader.push(stream.subarray(i))];
      if (!same(frames)) expect(frames.map(frameText), `cut at ${i}`).toEqual(expected);
      expect(reader.buffered).toBe(0);
    }
  });

  it('reads the same frames a byte at a time, and in random pieces', () => {
    const bytes: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1));
    expect(readAll(bytes)).toEqual(expected);
    const rnd = prng(6);
    for (let round = 0; round < 50; round++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = Math.floor(rnd() * 300);
        chunks.push(stream.subarray(i, i + n));
        i += n;
      }
      expect(readAll(chunks)).toEqual(expected);
    }
  });

  it('hands out views of the chunk for frames inside it', () => {
    const chunk = Buffer.concat([publish, open]);
    const [a] = new FrameReader().push(chunk);
    expect(a!.payload.buffer).toBe(chunk.buffer);
  });

  it('accepts a payload up to frame-max (RabbitMQ’s 8-byte slack) and refuses a larger one with 501', () => {
    const reader = new FrameReader();
    expect(reader.maxFrameSize).toBe(INITIAL_FRAME_MAX);
    reader.maxFrameSize = 4096;
    expect(reader.push(encodeFrame(FRAME_BODY, 1, Buffer.alloc(4096)))).toHaveLength(1);
    const big = encodeFrame(FRAME_BODY, 1, Buffer.alloc(4097));
    const err = expectAmqpError(() => reader.push(big.subarray(0, 7)), REPLY.FRAME_ERROR);
    expect(err.scope).toBe('connection');
    expect(err.message).toContain('frame_too_large');
    // The reader stays failed.
    expectAmqpError(() => reader.push(HEARTBEAT_FRAME), REPLY.FRAME_ERROR);
  });

  it('holds only the bytes received for a frame announced as huge', () => {
    const reader = new FrameReader(0);
    const header = Buffer.from([FRAME_BODY, 0, 1, 0xff, 0xff, 0xff, 0xf0]);
    expect(reader.push(Buffer.concat([header, Buffer.alloc(100)]))).toEqual([]);
    expect(reader.buffered).toBe(107);
  });

  it('refuses a bad frame-end octet with 501, whole or split', () => {
    const bad = Buffer.from(open);
    bad[bad.length - 1] = 0;
    expectAmqpError(() => new FrameReader().push(bad), REPLY.FRAME_ERROR);
    const reader = new FrameReader();
    reader.push(bad.subarray(0, 10));
    expect(expectAmqpError(() => reader.push(bad.subarray(10)), REPLY.FRAME_ERROR).message).toContain(
      'invalid_frame_end_marker',
    );
  });

  it('refuses unknown frame types and heartbeats with a payload with 501', () => {
    const err = expectAmqpError(
      () => new FrameReader().push(encodeFrame(9, 0, Buffer.from('abc'))),
      REPLY.FRAME_ERROR,
    );
    expect(err.message).toBe('FRAME_ERROR - type 9, all octets = <<97,98,99>>: unknown_frame');
    expectAmqpError(
      () => new FrameReader().push(encodeFrame(FRAME_HEARTBEAT, 0, Buffer.from('x'))),
      REPLY.FRAME_ERROR,
    );
  });
});

// ---- 3. Robustness ---------------------------------------------------------------------------------

describe('malformed methods', () => {
  it('an unknown class or method is NOT_IMPLEMENTED, carrying its ids', () => {
    const err = expectAmqpError(() => decodeMethod(Buffer.from([0, 60, 0, 200])), REPLY.NOT_IMPLEMENTED);
    expect([err.classId, err.methodId, err.scope]).toEqual([60, 200, 'connection']);
    expectAmqpError(() => decodeMethod(Buffer.from([0, 99, 0, 10])), REPLY.NOT_IMPLEMENTED);
  });

  it('a payload too short for class and method ids is a FRAME_ERROR', () => {
    expectAmqpError(() => decodeMethod(Buffer.from([0, 60])), REPLY.FRAME_ERROR);
  });

  it('truncated or overlong arguments are FRAME_ERROR "cannot decode", as RabbitMQ says', () => {
    const payload = encodeMethod('queue.declare', { queue: 'orders', durable: true, arguments: { a: 'b' } });
    for (let n = 4; n < payload.length; n++) {
      const err = expectAmqpError(() => decodeMethod(payload.subarray(0, n)));
      expect([err.code, err.classId, err.methodId], `cut at ${n}`).toEqual([REPLY.FRAME_ERROR, 50, 10]);
      expect(err.message).toMatch(/^FRAME_ERROR - cannot decode <</);
    }
    const err = expectAmqpError(() => decodeMethod(Buffer.concat([payload, Buffer.from([0])])));
    expect(err.code).toBe(REPLY.FRAME_ERROR);
    // Both fast paths too.
    const ack = encodeMethod('basic.ack', { deliveryTag: 1 });
    expectAmqpError(() => decodeMethod(ack.subarray(0, ack.length - 1)), REPLY.FRAME_ERROR);
    expectAmqpError(() => decodeMethod(Buffer.concat([ack, Buffer.from([0])])), REPLY.FRAME_ERROR);
  });

  it('a malformed table inside arguments is a SYNTAX_ERROR carrying the method ids', () => {
    const payload = encodeMethod('queue.declare', { queue: 'q', arguments: { a: 1 } });
    payload[payload.length - 2] = 0x5a; // the value's type letter becomes 'Z'
    const err = expectAmqpError(() => decodeMethod(payload), REPLY.SYNTAX_ERROR);
    expect([err.classId, err.methodId]).toEqual([50, 10]);
  });

  it('checks shortstrs are UTF-8 in methods without content only, as RabbitMQ does', () => {
    const declare = encodeMethod('queue.declare', { queue: 'ab' });
    declare[7] = 0xff;
    const err = expectAmqpError(() => decodeMethod(declare), REPLY.FRAME_ERROR);
    expect(err.message).toBe('FRAME_ERROR - Malformed UTF-8 in shortstr');
    const publish = encodeMethod('basic.publish', { routingKey: 'ab' });
    publish[8] = 0xff;
    expect(decodeMethod(publish).name).toBe('basic.publish');
  });
});

describe('fuzz: malformed input only ever throws AmqpError', () => {
  const valid: Buffer[] = [];
  const rnd = prng(7);
  for (const m of METHODS)
    valid.push(encodeMethod(m.name, argsFor(m, 'random', rnd) as MethodArgsInput<typeof m.name>));
  for (const m of METHODS)
    valid.push(encodeMethod(m.name, argsFor(m, 'unicode', rnd) as MethodArgsInput<typeof m.name>));

  function survive(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof AmqpError)) throw err;
    }
  }

  function mutate(src: Buffer, r: () => number): Buffer {
    const b = Buffer.from(src);
    const kind = Math.floor(r() * 4);
    if (kind === 0) return b.subarray(0, Math.floor(r() * b.length));
    if (kind === 1) {
      const flips = 1 + Math.floor(r() * 4);
      for (let i = 0; i < flips && b.length > 0; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    }
    if (kind === 2) return Buffer.concat([b, Buffer.from([Math.floor(r() * 256)])]);
    const out = Buffer.alloc(Math.floor(r() * 64));
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(r() * 256);
    return out;
  }

  it('20 000 mutated and random payloads', () => {
    const r = prng(8);
    const tables = Array.from({ length: 30 }, () => encodeTable(randomTable(r, 3)));
    const headers = Array.from({ length: 30 }, () =>
      encodeContentHeader(60, Math.floor(r() * 1e6), {
        headers: randomTable(r, 2),
        contentType: 'x',
        timestamp: 5,
      }),
    );
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < 20_000 && Date.now() < deadline; i++) {
      const m = mutate(valid[Math.floor(r() * valid.length)]!, r);
      survive(() => decodeMethod(m));
      const t = mutate(tables[Math.floor(r() * tables.length)]!, r);
      survive(() => decodeTable(t));
      survive(() => decodeTableEntries(t, 0, t.length));
      const h = mutate(headers[Math.floor(r() * headers.length)]!, r);
      survive(() => decodeContentHeader(h));
      const f = mutate(stream(r), r);
      survive(() => new FrameReader(4096).push(f));
    }
  });

  function stream(r: () => number): Buffer {
    return Buffer.concat(
      [valid[Math.floor(r() * valid.length)]!].map((p) => encodeFrame(FRAME_METHOD, 1, p)),
    );
  }

  it('every truncation of every method', () => {
    for (const payload of valid) {
      for (let n = 0; n < payload.length; n++) survive(() => decodeMethod(payload.subarray(0, n)));
    }
  });
});

describe('frame-end constant', () => {
  it('is 0xCE', () => {
    expect(FRAME_END).toBe(206);
  });
});
