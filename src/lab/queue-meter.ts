// Queue depth and consumer count of one AMQP queue, as a meter. It asks the broker the way any
// client can — a passive queue.declare (amqplib's checkQueue), which answers with the message and
// consumer counts — so it works the same on the embedded broker and on a RabbitMQ without the
// management plugin. A queue that does not exist (yet), or a broker that went away, becomes a sample
// with `unavailable: reason`, and the next reading tries again on a fresh channel or connection.
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { redactUrl } from '../shared/redact.ts';
import { type MeterOptions, poll, reasonOf, type Sample } from './poll.ts';

/** The task queue faafo's API publishes to and its workers consume (src/faafo/queue/topology.ts). */
export const FAAFO_TASK_QUEUE = 'normal';

export type QueueReading =
  | { queue: string; depth: number; consumers: number; unavailable?: undefined }
  | { queue: string; unavailable: string };
export type QueueSample = Sample<QueueReading>;

export interface QueueMeterOptions extends MeterOptions {
  /** amqp://user:password@host:port/vhost */
  url: string;
  /** Default faafo's `normal`. */
  queue?: string;
}

/** Samples `{ at, queue, depth, consumers }` (depth = messages ready, not yet delivered). */
export async function* queueMeter(options: QueueMeterOptions): AsyncGenerator<QueueSample, void, undefined> {
  const queue = options.queue ?? FAAFO_TASK_QUEUE;
  let connection: ChannelModel | undefined;
  let channel: Channel | undefined;
  const forget = () => {
    channel = undefined;
  };
  const read = async (): Promise<QueueReading> => {
    try {
      if (!connection) {
        connection = await amqp.connect(options.url);
        connection.on('error', () => {}); // a lost connection shows as the next reading's failure
        connection.on('close', () => {
          connection = undefined;
          forget();
        });
      }
      if (!channel) {
        channel = await connection.createChannel();
        channel.on('error', () => {}); // a passive declare of a missing queue closes the channel
        channel.on('close', forget);
      }
      const { messageCount, consumerCount } = await channel.checkQueue(queue);
      return { queue, depth: messageCount, consumers: consumerCount };
    } catch (error) {
      return {
        queue,
        unavailable: `Could not read queue ${queue} at ${redactUrl(options.url)}: ${reasonOf(error)}`,
      };
    }
  };
  try {
    yield* poll(read, options);
  } finally {
    await connection?.close().catch(() => {});
  }
}
