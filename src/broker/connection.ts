// One client connection: the protocol header, the connection class on channel 0 (start, tune, open,
// close), heartbeats, the frame loop, and the channels it multiplexes. Channel-level work (queues,
// publishing, deliveries) lives in channel/; this file only routes frames to channels and owns the
// socket.
//
// Writes are batched: everything a connection sends while handling one socket read (or one burst of
// deliveries caused by another connection) is collected in `out` and written with one socket.write at
// the end of the batch, so a thousand small frames cost one syscall rather than a thousand.
import type { Socket } from 'node:net';
import { Channel } from './channel/channel.ts';
import type { ChannelHost, ReadyConfirms } from './channel/host.ts';
import {
  type DecodedMethod,
  decodeMethod,
  decodeTableEntries,
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FRAME_MIN_SIZE,
  type Frame,
  FrameReader,
  HEARTBEAT_FRAME,
  type MethodArgsInput,
  type MethodName,
  methodFrame,
  PROTOCOL_HEADER,
} from './codec/index.ts';
import { formatBinary } from './codec/methods.ts';
import { AmqpError, connectionError, REPLY } from './errors.ts';
import type { BrokerVirtualHost } from './vhost/vhost.ts';

/** Limits and credentials a connection negotiates with; the server fills them from its options. */
export interface ConnectionSettings {
  users: ReadonlyMap<string, string>;
  /** Largest frame we accept and propose in connection.tune (0 = no limit). */
  frameMax: number;
  /** Most channels a client may open at once (0 = 65535). */
  channelMax: number;
  /** Proposed heartbeat interval in seconds (0 = none); the client's tune-ok has the last word. */
  heartbeat: number;
  maxMessageBytes: number;
  serverProperties: Record<string, unknown>;
}

/** What a connection needs from the broker that accepted it. */
export interface ConnectionHost {
  readonly settings: ConnectionSettings;
  virtualHost(name: string): BrokerVirtualHost | undefined;
  log(line: string): void;
  /** Asked after a batch that published: true while the memory alarm is raised (the connection blocks). */
  memoryAlarm(): boolean;
  closed(connection: Connection): void;
}

// Connection states, in order. Everything from CLOSING on ignores frames other than close/close-ok.
const AWAIT_HEADER = 0;
const AWAIT_START_OK = 1;
const AWAIT_TUNE_OK = 2;
const AWAIT_OPEN = 3;
const RUNNING = 4;
const CLOSING = 5;
const CLOSED = 6;
/** "AMQP" 1 1 0 9: the pre-0-9-1 way of asking for 0-9, which RabbitMQ serves as 0-9-1; so do we. */
const LEGACY_0_9_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 1, 1, 0, 9]);
/** RabbitMQ's names for the states, as its error texts use them. */
const STATE_NAMES = ['starting', 'starting', 'tuning', 'opening', 'running', 'closing', 'closed'];

/** RabbitMQ's handshake_timeout: a socket that has not finished connection.open by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long we wait for connection.close-ok after sending connection.close before dropping the socket. */
const CLOSE_TIMEOUT_MS = 3_000;
/** Above this many pending bytes a batch is written chunk by chunk (corked) rather than copied into one buffer. */
const CONCAT_LIMIT = 256 * 1024;

export class Connection implements ChannelHost {
  readonly remote: string;
  private state = AWAIT_HEADER;
  private headerBytes: Buffer | undefined;
  private readonly reader: FrameReader;
  private readonly channels: Array<Channel | undefined> = [];
  private openChannels = 0;

  private out: Buffer[] = [];
  private outBytes = 0;
  private flushQueued = false;
  /** False while the socket's write buffer is over its high-water mark: deliveries wait for 'drain'. */
  writable = true;

  vhost: BrokerVirtualHost | undefined;
  user = '';
  /** Negotiated limits (tune-ok). frameMax bounds the content frames we send. */
  frameMax: number;
  channelMax: number;
  heartbeat = 0;
  /** Client capabilities from start-ok. */
  private canBeBlocked = false;
  cancelNotify = false;

  /**
   * Queues whose consumers on this connection regained capacity (acks, qos, flow, new consumers):
   * pumped once at the end of the batch rather than once per ack.
   */
  private readonly pumpQueues = new Set<string>();
  /** A message was published in this batch (memory alarm check). */
  private published = false;
  private blocked = false;
  private readonly readyConfirms: ReadyConfirms[] = [];

  private timer: NodeJS.Timeout | undefined;
  private sentSinceTick = false;
  private receivedSinceTick = false;
  private silentTicks = 0;
  private closeReason = '';
  /** Channels open when the connection began to close, for the "closed" log line; -1 before. */
  private channelsAtClose = -1;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    const { settings } = host;
    this.frameMax = settings.frameMax === 0 ? 0xffffffff : settings.frameMax;
    this.channelMax = settings.channelMax === 0 ? 0xffff : settings.channelMax;
    this.reader = new FrameReader();
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    this.timer = setTimeout(this.onHandshakeTimeout, HANDSHAKE_TIMEOUT_MS);
  }

  get maxMessageBytes(): number {
    return this.host.settings.maxMessageBytes;
  }

  // ---- Output ---------------------------------------------------------------------------------------

  /** Queues an encoded frame (or several) for the end-of-batch write. */
  send(bytes: Buffer): void {
    this.out.push(bytes);
    this.outBytes += bytes.length;
    if (!this.flushQueued) {
      // Deliveries and confirms can be caused outside our own data handler (another connection's
      // publish, a store sync): flush them right after the current operation.
      this.flushQueued = true;
      process.nextTick(this.flushTick);
    }
  }

  sendMethod<N extends MethodName>(channel: number, name: N, args: MethodArgsInput<N>): void {
    this.send(methodFrame(channel, name, args));
  }

  /**
   * Runs channel work that resumes outside a socket read (a commit became durable), with the
   * same error handling and end-of-batch work as frames get.
   */
  deferred(work: () => void): void {
    if (this.state !== RUNNING) return;
    try {
      work();
      this.endOfBatch();
    } catch (error) {
      this.fail(error);
    }
  }

  /** A consumer of ours on `queue` can take more: pump that queue at the end of the batch. */
  wantPump(queue: string): void {
    this.pumpQueues.add(queue);
  }

  /** A message was published: check the memory alarm at the end of the batch. */
  messagePublished(): void {
    this.published = true;
  }

  /** Publisher confirms became ready on a channel: they are emitted at the next flush, coalesced. */
  confirmsReady(confirms: ReadyConfirms): void {
    this.readyConfirms.push(confirms);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushTick);
    }
  }

  private readonly flushTick = (): void => {
    try {
      this.flush();
    } catch (error) {
      this.fail(error);
    }
  };

  private flush(): void {
    this.flushQueued = false;
    if (this.readyConfirms.length > 0) {
      for (const confirms of this.readyConfirms) confirms.emitConfirms();
      this.readyConfirms.length = 0;
    }
    const count = this.out.length;
    if (count === 0) return;
    const out = this.out;
    const bytes = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    if (this.state === CLOSED || this.socket.destroyed) return;
    this.sentSinceTick = true;
    let ok: boolean;
    if (count === 1) ok = this.socket.write(out[0]!);
    else if (bytes <= CONCAT_LIMIT) ok = this.socket.write(Buffer.concat(out, bytes));
    else {
      // Large bodies: let the socket gather them with writev instead of copying megabytes.
      this.socket.cork();
      ok = true;
      for (const chunk of out) ok = this.socket.write(chunk);
      this.socket.uncork();
    }
    if (!ok) this.writable = false;
  }

  private readonly onDrain = (): void => {
    if (this.writable) return;
    this.writable = true;
    if (this.state !== RUNNING) return;
    try {
      this.vhost?.pump();
    } catch (error) {
      this.fail(error);
    }
  };

  // ---- Input ----------------------------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    this.receivedSinceTick = true;
    try {
      let data = chunk;
      if (this.state === AWAIT_HEADER) {
        const rest = this.readHeader(data);
        if (rest === undefined) return;
        data = rest;
      }
      if (this.state === CLOSED) return;
      let frames: Frame[];
      try {
        frames = this.reader.push(data);
      } catch (error) {
        this.framingFailed(error);
        return;
      }
      for (let i = 0; i < frames.length; i++) {
        this.handleFrame(frames[i]!);
        if (this.state === CLOSED) return;
      }
      this.endOfBatch();
    } catch (error) {
      this.fail(error);
    }
  };

  /** Consumes the 8-byte protocol header; returns the bytes after it, or undefined when incomplete or refused. */
  private readHeader(chunk: Buffer): Buffer | undefined {
    const data = this.headerBytes ? Buffer.concat([this.headerBytes, chunk]) : chunk;
    // Refuse as soon as a byte differs, so a client speaking another protocol is told at once.
    const n = Math.min(data.length, 8);
    const head = data.subarray(0, n);
    if (head.compare(PROTOCOL_HEADER, 0, n) !== 0 && head.compare(LEGACY_0_9_HEADER, 0, n) !== 0) {
      // Spec 4.2.2: answer with the protocol version we do speak, then close the socket.
      this.state = CLOSED;
      this.socket.end(PROTOCOL_HEADER);
      return undefined;
    }
    if (data.length < 8) {
      this.headerBytes = data;
      return undefined;
    }
    this.headerBytes = undefined;
    this.state = AWAIT_START_OK;
    this.sendMethod(0, 'connection.start', {
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: this.host.settings.serverProperties,
      mechanisms: 'PLAIN AMQPLAIN',
      locales: 'en_US',
    });
    return data.subarray(8);
  }

  private handleFrame(frame: Frame): void {
    const { type, channel } = frame;
    if (type === FRAME_HEARTBEAT) return; // activity is recorded by onData
    if (channel === 0) {
      if (type !== FRAME_METHOD) {
        throw connectionError(
          REPLY.UNEXPECTED_FRAME,
          `type ${type}, all octets = ${formatBinary(frame.payload)}`,
        );
      }
      this.handleConnectionMethod(frame.payload);
      return;
    }
    if (this.state !== RUNNING) {
      if (this.state === CLOSING) return;
      throw connectionError(REPLY.UNEXPECTED_FRAME, `frame on channel ${channel} before connection.open`);
    }
    const existing = this.channels[channel];
    if (existing) {
      existing.handleFrame(frame);
      return;
    }
    if (type !== FRAME_METHOD) {
      // RabbitMQ's command assembler on a fresh channel: content without a method is unexpected.
      if (type === FRAME_HEADER || type === FRAME_BODY) {
        throw connectionError(REPLY.UNEXPECTED_FRAME, 'expected method frame, got non method frame instead');
      }
      throw connectionError(REPLY.FRAME_ERROR, `unknown frame type ${type}`);
    }
    // channel.open is 20/10; peek rather than decode so a stray method on a closed channel costs nothing.
    const payload = frame.payload;
    const id = payload.length < 4 ? 0 : payload.readUInt32BE(0);
    if (id !== 0x0014000a) {
      throw new AmqpError(
        REPLY.CHANNEL_ERROR,
        "expected 'channel.open'",
        'connection',
        id >>> 16,
        id & 0xffff,
      );
    }
    // As RabbitMQ: the limit is on how many channels are open, not on the channel number.
    if (this.openChannels >= this.channelMax) {
      throw connectionError(
        REPLY.NOT_ALLOWED,
        `number of channels opened (${this.openChannels}) has reached the negotiated channel_max (${this.channelMax})`,
      );
    }
    const opened = new Channel(this, channel);
    this.channels[channel] = opened;
    this.openChannels++;
    opened.handleFrame(frame);
  }

  /** The channel finished closing (close-ok either way): its number is free again. */
  channelReleased(number: number): void {
    if (this.channels[number]) {
      this.channels[number] = undefined;
      this.openChannels--;
    }
  }

  private handleConnectionMethod(payload: Buffer): void {
    const method = decodeMethod(payload);
    const { classId, methodId } = method;
    try {
      this.connectionMethod(method, classId, methodId);
    } catch (error) {
      // Errors name the method that failed, as RabbitMQ's do (e.g. 530 on connection.open is 10/40).
      if (error instanceof AmqpError && error.classId === 0) {
        throw new AmqpError(error.code, error.detail, error.scope, classId, methodId);
      }
      throw error;
    }
  }

  private connectionMethod(method: DecodedMethod, classId: number, methodId: number): void {
    if (this.state === CLOSING) {
      // We sent connection.close: only the peer's close or close-ok matter now.
      if (method.name === 'connection.close-ok') this.destroy();
      else if (method.name === 'connection.close') this.sendMethod(0, 'connection.close-ok', {});
      return;
    }
    switch (method.name) {
      case 'connection.start-ok':
        this.expectState(AWAIT_START_OK, classId, methodId);
        this.onStartOk(method.args);
        return;
      case 'connection.tune-ok':
        this.expectState(AWAIT_TUNE_OK, classId, methodId);
        this.onTuneOk(method.args);
        return;
      case 'connection.open':
        this.expectState(AWAIT_OPEN, classId, methodId);
        this.onOpen(method.args.virtualHost);
        return;
      case 'connection.close':
        if (this.state < AWAIT_OPEN) {
          // Mid-handshake (RabbitMQ's starting/tuning states): just hang up.
          this.destroy();
          return;
        }
        // The client is done: confirm and hang up once the close-ok is on the wire.
        this.closeReason = `client closed: ${method.args.replyCode} ${method.args.replyText}`;
        this.releaseAll();
        this.sendMethod(0, 'connection.close-ok', {});
        this.flush();
        this.state = CLOSED;
        this.socket.end();
        return;
      case 'connection.update-secret':
        this.expectState(RUNNING, classId, methodId);
        this.sendMethod(0, 'connection.update-secret-ok', {});
        return;
      default:
        // RabbitMQ's answer to any connection method out of turn, and to other classes on channel 0.
        throw this.unexpectedMethod(classId, methodId);
    }
  }

  private expectState(state: number, classId: number, methodId: number): void {
    if (this.state !== state) throw this.unexpectedMethod(classId, methodId);
  }

  private unexpectedMethod(classId: number, methodId: number): AmqpError {
    const name = STATE_NAMES[this.state] ?? 'closing';
    return new AmqpError(
      REPLY.CHANNEL_ERROR,
      `unexpected method in connection state ${name}`,
      'connection',
      classId,
      methodId,
    );
  }

  private onStartOk(args: {
    clientProperties: Record<string, unknown>;
    mechanism: string;
    response: Buffer;
  }): void {
    const capabilities = args.clientProperties.capabilities;
    if (capabilities && typeof capabilities === 'object') {
      const caps = capabilities as Record<string, unknown>;
      this.canBeBlocked = caps['connection.blocked'] === true;
      this.cancelNotify = caps.consumer_cancel_notify === true;
    }
    let user: string | undefined;
    let password: string | undefined;
    if (args.mechanism === 'PLAIN') {
      // RFC 4616: [authzid] NUL authcid NUL passwd
      const parts = args.response.toString('utf8').split('\0');
      if (parts.length === 3) [, user, password] = parts;
    } else if (args.mechanism === 'AMQPLAIN') {
      // A field table without its length prefix, as RabbitMQ and amqplib encode it.
      const table = decodeTableEntries(args.response, 0, args.response.length);
      if (typeof table.LOGIN === 'string' || Buffer.isBuffer(table.LOGIN)) user = String(table.LOGIN);
      if (typeof table.PASSWORD === 'string' || Buffer.isBuffer(table.PASSWORD))
        password = String(table.PASSWORD);
    } else {
      throw connectionError(REPLY.COMMAND_INVALID, `unknown authentication mechanism '${args.mechanism}'`);
    }
    const expected = user === undefined ? undefined : this.host.settings.users.get(user);
    if (expected === undefined || password !== expected) {
      this.host.log(`connection ${this.remote}: login refused for user '${user ?? ''}' (${args.mechanism})`);
      throw connectionError(
        REPLY.ACCESS_REFUSED,
        `Login was refused using authentication mechanism ${args.mechanism}. For details see the broker logfile.`,
      );
    }
    this.user = user!;
    this.state = AWAIT_TUNE_OK;
    const { settings } = this.host;
    this.sendMethod(0, 'connection.tune', {
      channelMax: settings.channelMax,
      frameMax: settings.frameMax,
      heartbeat: settings.heartbeat,
    });
  }

  private onTuneOk(args: { channelMax: number; frameMax: number; heartbeat: number }): void {
    const { settings } = this.host;
    // As RabbitMQ: the client may lower a limit but not raise it, and 0 (no limit) is raising it.
    negotiate('frame_max', args.frameMax, settings.frameMax, FRAME_MIN_SIZE);
    negotiate('channel_max', args.channelMax, settings.channelMax, 1);
    this.frameMax = args.frameMax === 0 ? 0xffffffff : args.frameMax;
    this.channelMax = args.channelMax === 0 ? 0xffff : args.channelMax;
    this.reader.maxFrameSize = this.frameMax;
    this.heartbeat = args.heartbeat;
    this.state = AWAIT_OPEN;
  }

  private onOpen(virtualHost: string): void {
    const vhost = this.host.virtualHost(virtualHost);
    if (!vhost) throw connectionError(REPLY.NOT_ALLOWED, `vhost ${virtualHost} not found`);
    this.vhost = vhost;
    this.state = RUNNING;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.heartbeat > 0) {
      // One interval per connection at half the period: send a heartbeat when a whole tick went by
      // without output; give up after two periods (four ticks) without input.
      this.timer = setInterval(this.onTick, (this.heartbeat * 1000) / 2);
      this.timer.unref();
    }
    this.sendMethod(0, 'connection.open-ok', { knownHosts: '' });
    this.host.log(`connection ${this.remote} opened (user '${this.user}', vhost '${virtualHost}')`);
  }

  private readonly onTick = (): void => {
    if (this.state !== RUNNING && this.state !== CLOSING) return;
    if (!this.sentSinceTick) {
      this.sentSinceTick = true;
      this.socket.write(HEARTBEAT_FRAME);
    }
    this.sentSinceTick = false;
    // A blocked connection does not read its socket, so the client's heartbeats cannot count.
    if (this.receivedSinceTick || this.blocked) this.silentTicks = 0;
    else if (++this.silentTicks >= 4) {
      this.host.log(`connection ${this.remote}: missed heartbeats from client, timeout: ${this.heartbeat}s`);
      this.closeReason = 'heartbeat timeout';
      this.destroy();
      return;
    }
    this.receivedSinceTick = false;
  };

  private readonly onHandshakeTimeout = (): void => {
    if (this.state < RUNNING) {
      this.host.log(`connection ${this.remote}: handshake timeout`);
      this.closeReason = 'handshake timeout';
      this.destroy();
    }
  };

  /** Work deferred to the end of a read: one pump for many acks, the memory alarm, one write. */
  private endOfBatch(): void {
    if (this.pumpQueues.size > 0) {
      if (this.state === RUNNING) this.vhost?.pump(this.pumpQueues);
      this.pumpQueues.clear();
    }
    if (this.published) {
      this.published = false;
      if (this.state === RUNNING && !this.blocked && this.host.memoryAlarm()) this.block();
    }
    this.flush();
  }

  // ---- Memory alarm ---------------------------------------------------------------------------------

  private block(): void {
    this.blocked = true;
    if (this.canBeBlocked) this.sendMethod(0, 'connection.blocked', { reason: 'low on memory' });
    this.socket.pause();
  }

  /** The alarm cleared: tell the client (if we told it it was blocked) and read again. */
  unblock(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (this.state !== RUNNING) return;
    if (this.canBeBlocked) this.sendMethod(0, 'connection.unblocked', {});
    this.socket.resume();
  }

  // ---- Errors and closing ---------------------------------------------------------------------------

  /**
   * The byte stream is broken (bad frame end, oversized or unknown frame): we can no longer find a
   * close-ok in it, so send connection.close and hang up without waiting.
   */
  private framingFailed(error: unknown): void {
    if (this.state >= CLOSING || !(error instanceof AmqpError)) {
      this.fail(error);
      return;
    }
    this.closeWithError(error);
    if (this.state === CLOSING) {
      this.state = CLOSED;
      this.socket.end();
    }
  }

  /** A handler threw: an AmqpError closes the connection with its code; anything else is a 541. */
  private fail(error: unknown): void {
    if (this.state === CLOSED) return;
    let amqp: AmqpError;
    if (error instanceof AmqpError) amqp = error;
    else {
      this.host.log(`connection ${this.remote}: internal error: ${describe(error)}`);
      amqp = new AmqpError(REPLY.INTERNAL_ERROR, 'internal error', 'connection');
    }
    this.closeWithError(amqp);
  }

  /** Sends connection.close with the error's code, then waits (briefly) for close-ok. */
  closeWithError(error: AmqpError): void {
    if (this.state >= CLOSING) return;
    const handshaking = this.state < AWAIT_OPEN;
    this.closeReason = error.replyText;
    this.host.log(`connection ${this.remote}: closing: ${error.replyText}`);
    this.releaseAll();
    this.sendMethod(0, 'connection.close', {
      replyCode: error.code,
      replyText: error.replyText,
      classId: error.classId,
      methodId: error.methodId,
    });
    this.flush();
    if (handshaking) {
      // As RabbitMQ: a failed login or tuning gets its close frame and then the socket goes at once.
      this.state = CLOSED;
      this.socket.end();
      return;
    }
    this.state = CLOSING;
    if (this.blocked) this.socket.resume();
    clearTimeout(this.timer);
    this.timer = setTimeout(this.destroy, CLOSE_TIMEOUT_MS);
  }

  /** The broker is shutting down: connection.close 320 CONNECTION_FORCED, as rabbitmqctl stop does. */
  shutdown(): void {
    if (this.state === RUNNING) {
      this.closeWithError(
        new AmqpError(
          REPLY.CONNECTION_FORCED,
          "broker forced connection closure with reason 'shutdown'",
          'connection',
        ),
      );
    } else this.destroy();
  }

  /** Channels give back their unacked messages and consumers; exclusive queues go. Idempotent. */
  private releaseAll(): void {
    if (this.channelsAtClose < 0) this.channelsAtClose = this.openChannels;
    for (let i = 0; i < this.channels.length; i++) {
      const channel = this.channels[i];
      if (channel) {
        channel.release();
        this.channels[i] = undefined;
      }
    }
    this.openChannels = 0;
    if (this.vhost) {
      const vhost = this.vhost;
      try {
        vhost.connectionClosed(this.id);
        vhost.pump();
      } catch (error) {
        this.host.log(`connection ${this.remote}: cleanup failed: ${describe(error)}`);
      }
    }
  }

  readonly destroy = (): void => {
    if (this.state !== CLOSED) this.state = CLOSED;
    this.socket.destroy();
  };

  private readonly onSocketError = (error: Error): void => {
    // ECONNRESET and friends: the close handler does the cleanup.
    if (!this.closeReason) this.closeReason = describe(error);
  };

  private readonly onSocketClose = (): void => {
    if (this.state === RUNNING) {
      this.host.log(
        `connection ${this.remote}: client unexpectedly closed TCP connection${this.closeReason ? ` (${this.closeReason})` : ''}`,
      );
    }
    // Only a connection that was logged as opened is logged as closed (vhost is set by then).
    const opened = this.vhost !== undefined;
    this.state = CLOSED;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.releaseAll();
    } catch (error) {
      this.host.log(`connection ${this.remote}: cleanup failed: ${describe(error)}`);
    }
    this.vhost = undefined;
    this.out = [];
    this.outBytes = 0;
    if (opened) {
      const n = this.channelsAtClose;
      this.host.log(`connection ${this.remote} closed (${n} channel${n === 1 ? '' : 's'})`);
    }
    this.host.closed(this);
  };
}

/** RabbitMQ's tune-ok validation; its errors name connection.tune (10/30), as RabbitMQ's do. */
function negotiate(field: string, client: number, server: number, min: number): void {
  let detail: string | undefined;
  if (client !== 0 && client < min) {
    detail = `negotiated ${field} = ${client} is lower than the minimum allowed value (${min})`;
  } else if (server !== 0 && (client === 0 || client > server)) {
    detail = `negotiated ${field} = ${client} is higher than the maximum allowed value (${server})`;
  }
  if (detail) throw new AmqpError(REPLY.NOT_ALLOWED, detail, 'connection', 10, 30);
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.split('\n')[0]!;
  return String(error).split('\n')[0]!;
}
