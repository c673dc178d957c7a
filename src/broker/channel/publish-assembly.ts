// The publish a channel is receiving. basic.publish is followed by a content header and then by
// body frames until the header's body size is reached (spec 4.2.6), and no other frame may come in
// between. That sequence is this one small state machine, so the channel holds one object for the
// publish in flight instead of loose fields, and the frame-order rules with the reply codes
// RabbitMQ gives for breaking them (505 UNEXPECTED_FRAME, 501 FRAME_ERROR, 406 for a message above
// the size limit) are written in one place.
import {
  type BasicProperties,
  decodeContentHeader,
  FRAME_BODY,
  FRAME_HEADER,
  type Frame,
} from '../codec/index.ts';
import { channelError, connectionError, REPLY } from '../errors.ts';

/** A published message, complete: what basic.publish said and the content that followed it. */
export interface Publish {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  properties: BasicProperties;
  body: Buffer;
}

// What the assembly waits for.
const IDLE = 0;
const AWAIT_HEADER = 1;
const AWAIT_BODY = 2;

const BASIC_CLASS = 60;
const EMPTY = Buffer.alloc(0);
/** Bodies smaller than this are copied out of the socket's read buffer so a stored message does not pin it. */
const COPY_BELOW = 64 * 1024;

export class PublishAssembly {
  private state = IDLE;
  private exchange = '';
  private routingKey = '';
  private mandatory = false;
  private properties: BasicProperties = {};
  private size = 0;
  private received = 0;
  private parts: Buffer[] = [];

  constructor(
    /** The largest body a header may announce (the broker's max message size). */
    private readonly maxBytes: number,
  ) {}

  /** True between basic.publish and its last body frame: the next frame must be content. */
  get active(): boolean {
    return this.state !== IDLE;
  }

  /** basic.publish arrived: its content comes next. */
  begin(exchange: string, routingKey: string, mandatory: boolean): void {
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.mandatory = mandatory;
    this.state = AWAIT_HEADER;
  }

  /**
   * Takes the next frame of the publish (only while active): returns the message once it is
   * complete, undefined while more body is due. Throws the AmqpError RabbitMQ would close with when
   * the frame is out of turn.
   */
  accept(frame: Frame): Publish | undefined {
    if (this.state === AWAIT_BODY) return this.bodyPart(frame);
    if (this.state === AWAIT_HEADER) return this.header(frame);
    throw new Error('PublishAssembly.accept was called with no publish in flight; call begin() first.');
  }

  /** Forgets the publish in flight (the channel is closing). */
  reset(): void {
    this.state = IDLE;
    this.parts = [];
  }

  private header(frame: Frame): Publish | undefined {
    if (frame.type !== FRAME_HEADER) {
      throw connectionError(
        REPLY.UNEXPECTED_FRAME,
        `expected content header for class ${BASIC_CLASS}, got non content header frame instead`,
      );
    }
    const header = decodeContentHeader(frame.payload);
    if (header.classId !== BASIC_CLASS) {
      throw connectionError(
        REPLY.UNEXPECTED_FRAME,
        `expected content header for class ${BASIC_CLASS}, got one for class ${header.classId} instead`,
      );
    }
    if (header.bodySize > this.maxBytes) {
      this.state = IDLE;
      throw channelError(
        REPLY.PRECONDITION_FAILED,
        `message size ${header.bodySize} is larger than configured max size ${this.maxBytes}`,
      );
    }
    this.properties = header.properties;
    this.size = header.bodySize;
    if (header.bodySize === 0) {
      this.state = IDLE;
      return this.complete(EMPTY);
    }
    this.received = 0;
    this.state = AWAIT_BODY;
    return undefined;
  }

  private bodyPart(frame: Frame): Publish | undefined {
    if (frame.type !== FRAME_BODY) {
      throw connectionError(
        REPLY.UNEXPECTED_FRAME,
        'expected content body, got non content body frame instead',
      );
    }
    const part = frame.payload;
    this.received += part.length;
    if (this.received < this.size) {
      this.parts.push(part);
      return undefined;
    }
    if (this.received > this.size) {
      throw connectionError(
        REPLY.FRAME_ERROR,
        `content body exceeds the ${this.size} bytes announced in its header`,
      );
    }
    let body: Buffer;
    if (this.parts.length === 0) body = part.length < COPY_BELOW ? Buffer.from(part) : part;
    else {
      this.parts.push(part);
      body = Buffer.concat(this.parts, this.size);
      this.parts = [];
    }
    this.state = IDLE;
    return this.complete(body);
  }

  private complete(body: Buffer): Publish {
    return {
      exchange: this.exchange,
      routingKey: this.routingKey,
      mandatory: this.mandatory,
      properties: this.properties,
      body,
    };
  }
}
