// The AMQP 0-9-1 method table as RabbitMQ speaks it, kept as plain data: the encoders and decoders in
// methods.ts and content-header.ts are built from it once at module load, and the unit tests check it
// against amqplib's generated table so both ends of the wire agree on every class, method and argument.
//
// Sources: the 0-9-1 XML spec with RabbitMQ's errata and extensions (rabbitmq-codegen's
// amqp-rabbitmq-0.9.1.json): exchange.bind/unbind (note exchange.unbind-ok is 40/51, not 40/41),
// basic.nack, confirm.*, connection.blocked/unblocked/update-secret. Argument names are amqplib's
// camelCase of the spec's dashed names; the reserved arguments keep the names amqplib gives them
// (ticket, outOfBand, knownHosts, capabilities, insist, clusterId, channelId).

// Frame constants (spec §4.2.3, "constants"); frame.ts re-exports them.
export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 0xce;
/** The spec's smallest frame-max a peer may negotiate (amqplib's FRAME_MIN_SIZE). */
export const FRAME_MIN_SIZE = 4096;
/** Bytes a frame adds around its payload: type (1), channel (2), size (4), frame-end (1). */
export const FRAME_OVERHEAD = 8;

/** Wire types of method arguments and content properties. */
export type ArgType =
  | 'octet'
  | 'short'
  | 'long'
  | 'longlong'
  | 'shortstr'
  | 'longstr'
  | 'bit'
  | 'table'
  | 'timestamp';

/** Who sends a method: the client, the server, or either peer. */
export type Sender = 'client' | 'server' | 'both';

// An argument is [name, type] or [name, type, default]. The default is what an encoder writes when the
// caller leaves the argument out; arguments without one get the type's zero value (see methods.ts).
type RawArg = readonly [string, ArgType] | readonly [string, ArgType, unknown];

interface RawMethod {
  readonly classId: number;
  readonly methodId: number;
  readonly name: string;
  readonly from: Sender;
  /** The methods that answer this one when it is sent synchronously (not nowait). Empty: asynchronous. */
  readonly response: readonly string[];
  readonly hasContent?: true;
  readonly args: readonly RawArg[];
}

export const CLASSES = {
  connection: 10,
  channel: 20,
  access: 30,
  exchange: 40,
  queue: 50,
  basic: 60,
  confirm: 85,
  tx: 90,
} as const;

export type ClassName = keyof typeof CLASSES;

const RAW_METHODS = [
  // connection (10): handshake, tuning and close on channel 0.
  {
    classId: 10,
    methodId: 10,
    name: 'connection.start',
    from: 'server',
    response: ['connection.start-ok'],
    args: [
      ['versionMajor', 'octet', 0],
      ['versionMinor', 'octet', 9],
      ['serverProperties', 'table'],
      ['mechanisms', 'longstr', 'PLAIN'],
      ['locales', 'longstr', 'en_US'],
    ],
  },
  {
    classId: 10,
    methodId: 11,
    name: 'connection.start-ok',
    from: 'client',
    response: [],
    args: [
      ['clientProperties', 'table'],
      ['mechanism', 'shortstr', 'PLAIN'],
      ['response', 'longstr'],
      ['locale', 'shortstr', 'en_US'],
    ],
  },
  {
    classId: 10,
    methodId: 20,
    name: 'connection.secure',
    from: 'server',
    response: ['connection.secure-ok'],
    args: [['challenge', 'longstr']],
  },
  {
    classId: 10,
    methodId: 21,
    name: 'connection.secure-ok',
    from: 'client',
    response: [],
    args: [['response', 'longstr']],
  },
  {
    classId: 10,
    methodId: 30,
    name: 'connection.tune',
    from: 'server',
    response: ['connection.tune-ok'],
    args: [
      ['channelMax', 'short', 0],
      ['frameMax', 'long', 0],
      ['heartbeat', 'short', 0],
    ],
  },
  {
    classId: 10,
    methodId: 31,
    name: 'connection.tune-ok',
    from: 'client',
    response: [],
    args: [
      ['channelMax', 'short', 0],
      ['frameMax', 'long', 0],
      ['heartbeat', 'short', 0],
    ],
  },
  {
    classId: 10,
    methodId: 40,
    name: 'connection.open',
    from: 'client',
    response: ['connection.open-ok'],
    args: [
      ['virtualHost', 'shortstr', '/'],
      ['capabilities', 'shortstr', ''],
      ['insist', 'bit', false],
    ],
  },
  {
    classId: 10,
    methodId: 41,
    name: 'connection.open-ok',
    from: 'server',
    response: [],
    args: [['knownHosts', 'shortstr', '']],
  },
  {
    classId: 10,
    methodId: 50,
    name: 'connection.close',
    from: 'both',
    response: ['connection.close-ok'],
    args: [
      ['replyCode', 'short'],
      ['replyText', 'shortstr', ''],
      ['classId', 'short'],
      ['methodId', 'short'],
    ],
  },
  { classId: 10, methodId: 51, name: 'connection.close-ok', from: 'both', response: [], args: [] },
  {
    classId: 10,
    methodId: 60,
    name: 'connection.blocked',
    from: 'server',
    response: [],
    args: [['reason', 'shortstr', '']],
  },
  { classId: 10, methodId: 61, name: 'connection.unblocked', from: 'server', response: [], args: [] },
  {
    classId: 10,
    methodId: 70,
    name: 'connection.update-secret',
    from: 'client',
    response: ['connection.update-secret-ok'],
    args: [
      ['newSecret', 'longstr'],
      ['reason', 'shortstr'],
    ],
  },
  { classId: 10, methodId: 71, name: 'connection.update-secret-ok', from: 'server', response: [], args: [] },

  // channel (20)
  {
    classId: 20,
    methodId: 10,
    name: 'channel.open',
    from: 'client',
    response: ['channel.open-ok'],
    args: [['outOfBand', 'shortstr', '']],
  },
  {
    classId: 20,
    methodId: 11,
    name: 'channel.open-ok',
    from: 'server',
    response: [],
    args: [['channelId', 'longstr', '']],
  },
  {
    classId: 20,
    methodId: 20,
    name: 'channel.flow',
    from: 'both',
    response: ['channel.flow-ok'],
    args: [['active', 'bit']],
  },
  {
    classId: 20,
    methodId: 21,
    name: 'channel.flow-ok',
    from: 'both',
    response: [],
    args: [['active', 'bit']],
  },
  {
    classId: 20,
    methodId: 40,
    name: 'channel.close',
    from: 'both',
    response: ['channel.close-ok'],
    args: [
      ['replyCode', 'short'],
      ['replyText', 'shortstr', ''],
      ['classId', 'short'],
      ['methodId', 'short'],
    ],
  },
  { classId: 20, methodId: 41, name: 'channel.close-ok', from: 'both', response: [], args: [] },

  // access (30): removed from 0-9-1 proper but still in RabbitMQ's table and amqplib's; RabbitMQ
  // answers access.request with access.request-ok (ticket 1) and otherwise ignores tickets.
  {
    classId: 30,
    methodId: 10,
    name: 'access.request',
    from: 'client',
    response: ['access.request-ok'],
    args: [
      ['realm', 'shortstr', '/data'],
      ['exclusive', 'bit', false],
      ['passive', 'bit', true],
      ['active', 'bit', true],
      ['write', 'bit', true],
      ['read', 'bit', true],
    ],
  },
  {
    classId: 30,
    methodId: 11,
    name: 'access.request-ok',
    from: 'server',
    response: [],
    args: [['ticket', 'short', 1]],
  },

  // exchange (40)
  {
    classId: 40,
    methodId: 10,
    name: 'exchange.declare',
    from: 'client',
    response: ['exchange.declare-ok'],
    args: [
      ['ticket', 'short', 0],
      ['exchange', 'shortstr'],
      ['type', 'shortstr', 'direct'],
      ['passive', 'bit', false],
      ['durable', 'bit', false],
      ['autoDelete', 'bit', false],
      ['internal', 'bit', false],
      ['nowait', 'bit', false],
      ['arguments', 'table', {}],
    ],
  },
  { classId: 40, methodId: 11, name: 'exchange.declare-ok', from: 'server', response: [], args: [] },
  {
    classId: 40,
    methodId: 20,
    name: 'exchange.delete',
    from: 'client',
    response: ['exchange.delete-ok'],
    args: [
      ['ticket', 'short', 0],
      ['exchange', 'shortstr'],
      ['ifUnused', 'bit', false],
      ['nowait', 'bit', false],
    ],
  },
  { classId: 40, methodId: 21, name: 'exchange.delete-ok', from: 'server', response: [], args: [] },
  {
    classId: 40,
    methodId: 30,
    name: 'exchange.bind',
    from: 'client',
    response: ['exchange.bind-ok'],
    args: [
      ['ticket', 'short', 0],
      ['destination', 'shortstr'],
      ['source', 'shortstr'],
      ['routingKey', 'shortstr', ''],
      ['nowait', 'bit', false],
      ['arguments', 'table', {}],
    ],
  },
  { classId: 40, methodId: 31, name: 'exchange.bind-ok', from: 'server', response: [], args: [] },
  {
    classId: 40,
    methodId: 40,
    name: 'exchange.unbind',
    from: 'client',
    response: ['exchange.unbind-ok'],
    args: [
      ['ticket', 'short', 0],
      ['destination', 'shortstr'],
      ['source', 'shortstr'],
      ['routingKey', 'shortstr', ''],
      ['nowait', 'bit', false],
      ['arguments', 'table', {}],
    ],
  },
  // 51, not 41: RabbitMQ's extension numbered it so, and every client follows.
  { classId: 40, methodId: 51, name: 'exchange.unbind-ok', from: 'server', response: [], args: [] },

  // queue (50)
  {
    classId: 50,
    methodId: 10,
    name: 'queue.declare',
    from: 'client',
    response: ['queue.declare-ok'],
    args: [
      ['ticket', 'short', 0],
      ['queue', 'shortstr', ''],
      ['passive', 'bit', false],
      ['durable', 'bit', false],
      ['exclusive', 'bit', false],
      ['autoDelete', 'bit', false],
      ['nowait', 'bit', false],
      ['arguments', 'table', {}],
    ],
  },
  {
    classId: 50,
    methodId: 11,
    name: 'queue.declare-ok',
    from: 'server',
    response: [],
    args: [
      ['queue', 'shortstr'],
      ['messageCount', 'long'],
      ['consumerCount', 'long'],
    ],
  },
  {
    classId: 50,
    methodId: 20,
    name: 'queue.bind',
    from: 'client',
    response: ['queue.bind-ok'],
    args: [
      ['ticket', 'short', 0],
      ['queue', 'shortstr', ''],
      ['exchange', 'shortstr'],
      ['routingKey', 'shortstr', ''],
      ['nowait', 'bit', false],
      ['arguments', 'table', {}],
    ],
  },
  { classId: 50, methodId: 21, name: 'queue.bind-ok', from: 'server', response: [], args: [] },
  {
    classId: 50,
    methodId: 30,
    name: 'queue.purge',
    from: 'client',
    response: ['queue.purge-ok'],
    args: [
      ['ticket', 'short', 0],
      ['queue', 'shortstr', ''],
      ['nowait', 'bit', false],
    ],
  },
  {
    classId: 50,
    methodId: 31,
    name: 'queue.purge-ok',
    from: 'server',
    response: [],
    args: [['messageCount', 'long']],
  },
  {
    classId: 50,
    methodId: 40,
    name: 'queue.delete',
    from: 'client',
    response: ['queue.delete-ok'],
    args: [
      ['ticket', 'short', 0],
      ['queue', 'shortstr', ''],
      ['ifUnused', 'bit', false],
      ['ifEmpty', 'bit', false],
      ['nowait', 'bit', false],
    ],
  },
  {
    classId: 50,
    methodId: 41,
    name: 'queue.delete-ok',
    from: 'server',
    response: [],
    args: [['messageCount', 'long']],
  },
  {
    classId: 50,
    methodId: 50,
    name: 'queue.unbind',
    from: 'client',
    response: ['queue.unbind-ok'],
    args: [
      ['ticket', 'short', 0],
      ['queue', 'shortstr', ''],
      ['exchange', 'shortstr'],
      ['routingKey', 'shortstr', ''],
      ['arguments', 'table', {}],
    ],
  },
  { classId: 50, methodId: 51, name: 'queue.unbind-ok', from: 'server', response: [], args: [] },

  // basic (60)
  {
    classId: 60,
    methodId: 10,
    name: 'basic.qos',
    from: 'client',
    response: ['basic.qos-ok'],
    args: [
      ['prefetchSize', 'long', 0],
      ['prefetchCount', 'short', 0],
      ['global', 'bit', false],
    ],
  },
  { classId: 60, methodId: 11, name: 'basic.qos-ok', from: 'server', response: [], args: [] },
  {
    classId: 60,
    methodId: 20,
    name: 'basic.consume',
    from: 'client',
    response: ['basic.consume-ok'],
    args: [
      ['ticket', 'short', 0],
      ['queue', 'shortstr', ''],
      ['consumerTag', 'shortstr', ''],
      ['noLocal', 'bit', false],
      ['noAck', 'bit', false],
      ['exclusive', 'bit', false],
      ['nowait', 'bit', false],
      ['arguments', 'table', {}],
    ],
  },
  {
    classId: 60,
    methodId: 21,
    name: 'basic.consume-ok',
    from: 'server',
    response: [],
    args: [['consumerTag', 'shortstr']],
  },
  // Either side may cancel: RabbitMQ sends basic.cancel when a consumed queue goes away.
  {
    classId: 60,
    methodId: 30,
    name: 'basic.cancel',
    from: 'both',
    response: ['basic.cancel-ok'],
    args: [
      ['consumerTag', 'shortstr'],
      ['nowait', 'bit', false],
    ],
  },
  {
    classId: 60,
    methodId: 31,
    name: 'basic.cancel-ok',
    from: 'both',
    response: [],
    args: [['consumerTag', 'shortstr']],
  },
  {
    classId: 60,
    methodId: 40,
    name: 'basic.publish',
    from: 'client',
    response: [],
    hasContent: true,
    args: [
      ['ticket', 'short', 0],
      ['exchange', 'shortstr', ''],
      ['routingKey', 'shortstr', ''],
      ['mandatory', 'bit', false],
      ['immediate', 'bit', false],
    ],
  },
  {
    classId: 60,
    methodId: 50,
    name: 'basic.return',
    from: 'server',
    response: [],
    hasContent: true,
    args: [
      ['replyCode', 'short'],
      ['replyText', 'shortstr', ''],
      ['exchange', 'shortstr'],
      ['routingKey', 'shortstr'],
    ],
  },
  {
    classId: 60,
    methodId: 60,
    name: 'basic.deliver',
    from: 'server',
    response: [],
    hasContent: true,
    args: [
      ['consumerTag', 'shortstr'],
      ['deliveryTag', 'longlong'],
      ['redelivered', 'bit', false],
      ['exchange', 'shortstr'],
      ['routingKey', 'shortstr'],
    ],
  },
  {
    classId: 60,
    methodId: 70,
    name: 'basic.get',
    from: 'client',
    response: ['basic.get-ok', 'basic.get-empty'],
    args: [
      ['ticket', 'short', 0],
      ['queue', 'shortstr', ''],
      ['noAck', 'bit', false],
    ],
  },
  {
    classId: 60,
    methodId: 71,
    name: 'basic.get-ok',
    from: 'server',
    response: [],
    hasContent: true,
    args: [
      ['deliveryTag', 'longlong'],
      ['redelivered', 'bit', false],
      ['exchange', 'shortstr'],
      ['routingKey', 'shortstr'],
      ['messageCount', 'long'],
    ],
  },
  {
    classId: 60,
    methodId: 72,
    name: 'basic.get-empty',
    from: 'server',
    response: [],
    args: [['clusterId', 'shortstr', '']],
  },
  // ack and nack travel both ways: publisher confirms are the server acking the client's publishes.
  {
    classId: 60,
    methodId: 80,
    name: 'basic.ack',
    from: 'both',
    response: [],
    args: [
      ['deliveryTag', 'longlong', 0],
      ['multiple', 'bit', false],
    ],
  },
  {
    classId: 60,
    methodId: 90,
    name: 'basic.reject',
    from: 'client',
    response: [],
    args: [
      ['deliveryTag', 'longlong'],
      ['requeue', 'bit', true],
    ],
  },
  {
    classId: 60,
    methodId: 100,
    name: 'basic.recover-async',
    from: 'client',
    response: [],
    args: [['requeue', 'bit', false]],
  },
  {
    classId: 60,
    methodId: 110,
    name: 'basic.recover',
    from: 'client',
    response: ['basic.recover-ok'],
    args: [['requeue', 'bit', false]],
  },
  { classId: 60, methodId: 111, name: 'basic.recover-ok', from: 'server', response: [], args: [] },
  {
    classId: 60,
    methodId: 120,
    name: 'basic.nack',
    from: 'both',
    response: [],
    args: [
      ['deliveryTag', 'longlong', 0],
      ['multiple', 'bit', false],
      ['requeue', 'bit', true],
    ],
  },

  // confirm (85)
  {
    classId: 85,
    methodId: 10,
    name: 'confirm.select',
    from: 'client',
    response: ['confirm.select-ok'],
    args: [['nowait', 'bit', false]],
  },
  { classId: 85, methodId: 11, name: 'confirm.select-ok', from: 'server', response: [], args: [] },

  // tx (90)
  { classId: 90, methodId: 10, name: 'tx.select', from: 'client', response: ['tx.select-ok'], args: [] },
  { classId: 90, methodId: 11, name: 'tx.select-ok', from: 'server', response: [], args: [] },
  { classId: 90, methodId: 20, name: 'tx.commit', from: 'client', response: ['tx.commit-ok'], args: [] },
  { classId: 90, methodId: 21, name: 'tx.commit-ok', from: 'server', response: [], args: [] },
  { classId: 90, methodId: 30, name: 'tx.rollback', from: 'client', response: ['tx.rollback-ok'], args: [] },
  { classId: 90, methodId: 31, name: 'tx.rollback-ok', from: 'server', response: [], args: [] },
] as const satisfies readonly RawMethod[];

/** The basic class's content properties, in flag order (first = flag bit 15). */
const RAW_BASIC_PROPERTIES = [
  ['contentType', 'shortstr'],
  ['contentEncoding', 'shortstr'],
  ['headers', 'table'],
  ['deliveryMode', 'octet'],
  ['priority', 'octet'],
  ['correlationId', 'shortstr'],
  ['replyTo', 'shortstr'],
  ['expiration', 'shortstr'],
  ['messageId', 'shortstr'],
  ['timestamp', 'timestamp'],
  ['type', 'shortstr'],
  ['userId', 'shortstr'],
  ['appId', 'shortstr'],
  ['clusterId', 'shortstr'],
] as const satisfies readonly RawArg[];

// ---- Types derived from the table -----------------------------------------------------------------

type Raw = (typeof RAW_METHODS)[number];

/** Every method name, in the spec's dotted form: 'basic.get-empty', 'queue.declare-ok', ... */
export type MethodName = Raw['name'];

/** Names of the methods that carry content (a header and body frames follow the method frame). */
export type ContentMethodName = Extract<Raw, { hasContent: true }>['name'];

/** A field table as it travels in method arguments and the headers property. See fields.ts. */
export type FieldTable = Record<string, unknown>;

/** How a decoded argument of each type looks in JS. longstr stays bytes (SASL responses are binary). */
type Decoded<T extends ArgType> = T extends 'bit'
  ? boolean
  : T extends 'shortstr'
    ? string
    : T extends 'longstr'
      ? Buffer
      : T extends 'table'
        ? FieldTable
        : number;

/** What an encoder accepts for each type: a longstr may also be given as a (UTF-8) string. */
type Encodable<T extends ArgType> = T extends 'longstr' ? Buffer | string : Decoded<T>;

type ArgsOf<N extends MethodName> = Extract<Raw, { name: N }>['args'][number];

/** The arguments of method N as decodeMethod returns them: every argument present. */
export type MethodArgs<N extends MethodName> = {
  [A in ArgsOf<N> as A[0]]: Decoded<A[1]>;
};

/**
 * The arguments encodeMethod accepts for method N: those with a spec default may be left out;
 * the others are required (the encoder would otherwise write the type's zero value).
 */
export type MethodArgsInput<N extends MethodName> = {
  [A in ArgsOf<N> as A extends readonly [string, ArgType, unknown] ? A[0] : never]?: Encodable<A[1]>;
} & {
  [A in ArgsOf<N> as A extends readonly [string, ArgType, unknown] ? never : A[0]]: Encodable<A[1]>;
};

/** A decoded method, discriminated by name so a switch on `name` narrows `args`. */
export type DecodedMethod = {
  [N in MethodName]: { classId: number; methodId: number; name: N; args: MethodArgs<N> };
}[MethodName];

// ---- The runtime table ------------------------------------------------------------------------------

export interface ArgSpec {
  readonly name: string;
  readonly type: ArgType;
  /** The spec's default-value; undefined when the spec has none. */
  readonly default: unknown;
}

export interface MethodSpec {
  readonly classId: number;
  readonly methodId: number;
  readonly name: MethodName;
  /** classId << 16 | methodId: the 32-bit value at the start of a method frame's payload. */
  readonly id: number;
  readonly from: Sender;
  readonly synchronous: boolean;
  readonly response: readonly MethodName[];
  readonly hasContent: boolean;
  readonly args: readonly ArgSpec[];
}

const toArg = (raw: RawArg): ArgSpec => ({ name: raw[0], type: raw[1], default: raw[2] });

export const METHODS: readonly MethodSpec[] = RAW_METHODS.map(
  (m: RawMethod): MethodSpec =>
    Object.freeze({
      classId: m.classId,
      methodId: m.methodId,
      name: m.name as MethodName,
      id: ((m.classId << 16) | m.methodId) >>> 0,
      from: m.from,
      synchronous: m.response.length > 0,
      response: m.response as readonly MethodName[],
      hasContent: m.hasContent === true,
      args: Object.freeze(m.args.map(toArg)),
    }),
);

/** The basic content properties in flag order; index i is flag bit 15 - i of the first flag word. */
export const BASIC_PROPERTIES: readonly ArgSpec[] = Object.freeze(RAW_BASIC_PROPERTIES.map(toArg));

const byName = new Map<string, MethodSpec>(METHODS.map((m) => [m.name, m]));
const byId = new Map<number, MethodSpec>(METHODS.map((m) => [m.id, m]));

export function methodByName(name: string): MethodSpec | undefined {
  return byName.get(name);
}

export function methodById(classId: number, methodId: number): MethodSpec | undefined {
  return byId.get(((classId << 16) | methodId) >>> 0);
}

export function isMethodName(name: string): name is MethodName {
  return byName.has(name);
}
