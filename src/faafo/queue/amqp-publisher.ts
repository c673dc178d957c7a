// The API's publisher: persistent messages on a confirm channel, so a POST answers 201 only once the
// broker has taken responsibility for the task. One long-lived connection, reopened on demand after
// the broker went away; while it is down, publish fails fast with QueueUnavailableError (→ 503).
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { Task } from '../model.ts';
import { connectBroker, describe } from './connect.ts';
import { QueueUnavailableError, type TaskPublisher } from './publisher.ts';
import { declareTopology, TASK_EXCHANGE, TASK_ROUTING_KEY } from './topology.ts';

const CONFIRM_TIMEOUT_MS = 10_000;

interface Link {
  connection: ChannelModel;
  channel: ConfirmChannel;
}

export function createAmqpPublisher(transportUrl: string): TaskPublisher {
  let link: Promise<Link> | undefined;
  let closed = false;

  const open = async (): Promise<Link> => {
    const connection = await connectBroker(transportUrl, 'faafo-api');
    try {
      const channel = await connection.createConfirmChannel();
      await declareTopology(channel);
      const forget = () => {
        link = undefined;
      };
      // Any close or error invalidates the link; the next publish reconnects.
      connection.on('close', forget);
      connection.on('error', forget);
      channel.on('close', forget);
      channel.on('error', forget);
      return { connection, channel };
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  };

  const current = (): Promise<Link> => {
    if (!link) {
      link = open();
      link.catch(() => {
        link = undefined;
      });
    }
    return link;
  };

  return {
    async publish(task: Task): Promise<void> {
      if (closed) throw new QueueUnavailableError('The publisher is closed.');
      let channel: ConfirmChannel;
      try {
        ({ channel } = await current());
      } catch (error) {
        throw new QueueUnavailableError(error instanceof Error ? error.message : String(error), {
          cause: error,
        });
      }
      const body = Buffer.from(JSON.stringify(task));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new QueueUnavailableError('The message broker did not confirm the task in time.'));
        }, CONFIRM_TIMEOUT_MS);
        try {
          channel.publish(
            TASK_EXCHANGE,
            TASK_ROUTING_KEY,
            body,
            { persistent: true, contentType: 'application/json', messageId: task.uuid },
            (error) => {
              clearTimeout(timer);
              if (error)
                reject(new QueueUnavailableError(`The message broker refused the task: ${describe(error)}`));
              else resolve();
            },
          );
        } catch (error) {
          clearTimeout(timer);
          link = undefined;
          reject(new QueueUnavailableError(`Lost the connection to the message broker: ${describe(error)}`));
        }
      });
    },
    async close(): Promise<void> {
      closed = true;
      const pending = link;
      link = undefined;
      if (!pending) return;
      const opened = await pending.catch(() => undefined);
      await opened?.connection.close().catch(() => {});
    },
  };
}
