// The worker's link to the broker: connect, declare the topology, set the prefetch (so a worker
// that joins later shares the backlog instead of the first one hoarding it), consume with manual
// acks, and reconnect with back-off whenever the broker goes away. Unacked tasks of a lost
// connection return to the queue on the broker's side, so nothing is lost.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { redactUrl } from '../../shared/redact.ts';
import { connectBroker, describe } from '../queue/connect.ts';
import { declareTopology, TASK_QUEUE } from '../queue/topology.ts';
import type { Verdict } from './process-task.ts';

export interface ConsumerOptions {
  transportUrl: string;
  prefetch: number;
  connectionName: string;
  log: (line: string) => void;
  /** Handles one message; the signal aborts when the connection it came on is gone. */
  onMessage: (content: Buffer, redelivered: boolean, signal: AbortSignal) => Promise<Verdict>;
  maxBackoffMs?: number;
}

export interface Consumer {
  /** Resolves once the first subscription is in place. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function startConsumer(options: ConsumerOptions): Consumer {
  const { log, maxBackoffMs = 10_000 } = options;
  const where = redactUrl(options.transportUrl);
  const stop = new AbortController();
  let connection: ChannelModel | undefined;
  const inFlight = new Set<Promise<void>>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const handle = (channel: Channel, message: ConsumeMessage, lost: AbortSignal) => {
    const job = (async () => {
      let verdict: Verdict;
      try {
        verdict = await options.onMessage(message.content, message.fields.redelivered, lost);
      } catch (error) {
        log(`unexpected error while processing a task: ${describe(error)}; returning it to the queue`);
        verdict = 'requeue';
      }
      if (lost.aborted) return; // the broker already returned it to the queue
      try {
        if (verdict === 'ack') channel.ack(message);
        else channel.nack(message, false, verdict === 'requeue');
      } catch (error) {
        log(`could not ${verdict} a task: ${describe(error)}`);
      }
    })();
    inFlight.add(job);
    job.finally(() => inFlight.delete(job));
  };

  const loop = async () => {
    let backoff = 250;
    while (!stop.signal.aborted) {
      const lost = new AbortController();
      try {
        connection = await connectBroker(options.transportUrl, options.connectionName);
        const closed = new Promise<void>((resolve) => {
          connection!.once('close', () => resolve());
        });
        connection.on('error', (error: Error) => log(`broker connection error: ${describe(error)}`));
        const channel = await connection.createChannel();
        channel.on('error', (error: Error) => log(`broker channel error: ${describe(error)}`));
        channel.on('close', () => lost.abort());
        await declareTopology(channel);
        await channel.prefetch(options.prefetch);
        await channel.consume(
          TASK_QUEUE,
          (message) => {
            if (message) handle(channel, message, lost.signal);
          },
          { noAck: false },
        );
        log(`connected to ${where}; consuming queue '${TASK_QUEUE}' with prefetch ${options.prefetch}`);
        backoff = 250;
        markReady();
        await closed;
        lost.abort();
        if (!stop.signal.aborted) log(`lost the connection to ${where}; reconnecting`);
      } catch (error) {
        lost.abort();
        await connection?.close().catch(() => {});
        connection = undefined;
        if (stop.signal.aborted) break;
        log(`${describe(error)}; retrying in ${(backoff / 1000).toFixed(1)} s`);
        await sleep(backoff, undefined, { signal: stop.signal }).catch(() => {});
        backoff = Math.min(backoff * 2, maxBackoffMs);
      }
    }
  };
  const running = loop();

  return {
    ready,
    async close() {
      stop.abort();
      // Closing the connection hands every unacked task back to the broker.
      await connection?.close().catch(() => {});
      await running;
      await Promise.allSettled([...inFlight]);
    },
  };
}
