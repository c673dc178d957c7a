// AMQP 0-9-1 reply codes (spec §1.3 "constants") and the error that carries one. A channel-scope
// error closes only the offending channel; a connection-scope error closes the connection. Either
// way the broker goes on serving everyone else.
export const REPLY = {
  SUCCESS: 200,
  CONTENT_TOO_LARGE: 311,
  NO_ROUTE: 312,
  NO_CONSUMERS: 313,
  CONNECTION_FORCED: 320,
  INVALID_PATH: 402,
  ACCESS_REFUSED: 403,
  NOT_FOUND: 404,
  RESOURCE_LOCKED: 405,
  PRECONDITION_FAILED: 406,
  FRAME_ERROR: 501,
  SYNTAX_ERROR: 502,
  COMMAND_INVALID: 503,
  CHANNEL_ERROR: 504,
  UNEXPECTED_FRAME: 505,
  RESOURCE_ERROR: 506,
  NOT_ALLOWED: 530,
  NOT_IMPLEMENTED: 540,
  INTERNAL_ERROR: 541,
} as const;

export type ReplyCode = (typeof REPLY)[keyof typeof REPLY];

const TEXT: Record<number, string> = Object.fromEntries(
  Object.entries(REPLY).map(([name, code]) => [code, name]),
);

export class AmqpError extends Error {
  /** classId/methodId of the method that failed (0 when not a method). */
  constructor(
    readonly code: number,
    readonly detail: string,
    readonly scope: 'channel' | 'connection',
    readonly classId = 0,
    readonly methodId = 0,
  ) {
    super(`${TEXT[code] ?? 'ERROR'} - ${detail}`);
    this.name = 'AmqpError';
  }

  /** reply-text as RabbitMQ writes it: "NOT_FOUND - no queue 'x' in vhost '/'". */
  get replyText(): string {
    return this.message.slice(0, 255);
  }
}

export const channelError = (code: number, detail: string) => new AmqpError(code, detail, 'channel');
export const connectionError = (code: number, detail: string) => new AmqpError(code, detail, 'connection');
