// What a channel needs from the connection it is multiplexed on, and nothing more. The channel
// depends on this interface rather than on Connection (as the connection depends on
// ConnectionHost rather than on the server), so the connection's socket, handshake and heartbeats
// stay out of the channel's reach, and a unit test can drive a channel through a small fake host.
import type { MethodArgsInput, MethodName } from '../codec/index.ts';
import type { BrokerVirtualHost } from '../vhost/vhost.ts';

/** Publisher confirms waiting to go out; the host calls emitConfirms() at its next flush. */
export interface ReadyConfirms {
  emitConfirms(): void;
}

export interface ChannelHost {
  /** The connection's id: it owns exclusive queues and the consumers of its channels. */
  readonly id: string;
  /** The authenticated user; a published user-id property must name it. */
  readonly user: string;
  /** The virtual host opened on the connection; undefined once the connection is gone. */
  readonly vhost: BrokerVirtualHost | undefined;
  /** Negotiated frame_max: the largest content frame the channel may send. */
  readonly frameMax: number;
  /** The largest message body a publish may announce (406 above it). */
  readonly maxMessageBytes: number;
  /** False while the socket's write buffer is full: deliveries wait until it drains. */
  readonly writable: boolean;
  /** The client understands basic.cancel from the server (consumer_cancel_notify). */
  readonly cancelNotify: boolean;

  /** Queues encoded frames for the connection's end-of-batch write. */
  send(bytes: Buffer): void;
  sendMethod<N extends MethodName>(channel: number, name: N, args: MethodArgsInput<N>): void;
  /** A message was published: the host checks its memory alarm at the end of the batch. */
  messagePublished(): void;
  /** A consumer on `queue` can take more: the host pumps that queue at the end of the batch. */
  wantPump(queue: string): void;
  /** Confirms became ready; the host has them emitted once, coalesced, at its next flush. */
  confirmsReady(confirms: ReadyConfirms): void;
  /**
   * Runs channel work that resumes outside a frame (a commit became durable) with the error
   * handling and end-of-batch work a frame gets; does nothing once the connection stopped running.
   */
  deferred(work: () => void): void;
  /** The channel finished closing: its number is free for a new channel.open. */
  channelReleased(number: number): void;
}
