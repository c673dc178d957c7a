// `faafo-api`: opens the database, the image store and the task queue, then serves the API.
// Signal handling belongs to the caller, which calls close() on SIGTERM/SIGINT.
import type { AddressInfo } from 'node:net';
import { redactUrl } from '../../shared/redact.ts';
import type { Config } from '../config.ts';
import { openRepository } from '../db/open.ts';
import { openImageStore } from '../images/open.ts';
import { createAmqpPublisher } from '../queue/amqp-publisher.ts';
import { buildApi } from './server.ts';

export interface RunningApi {
  /** Where it listens, with the real port (also when bindPort is 0). */
  url: string;
  close(): Promise<void>;
}

export interface RunApiOptions {
  /** Where the one "listening" line goes; console.log by default. */
  log?: (line: string) => void;
  /** fastify's logger option (errors and warnings); by default pino at level "warn". */
  logger?: boolean | object;
}

function urlOf(address: AddressInfo | string | null, fallbackHost: string): string {
  if (address === null || typeof address === 'string') return `http://${fallbackHost}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function runApi(config: Config, options: RunApiOptions = {}): Promise<RunningApi> {
  const log = options.log ?? ((line: string) => console.log(line));
  const repo = await openRepository(config.databaseUrl);
  const images = openImageStore(config.imageStore, repo, config.imageDir);
  const publisher = createAmqpPublisher(config.transportUrl);
  const app = buildApi({ config, repo, images, publisher, logger: options.logger ?? { level: 'warn' } });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Stop taking requests first, then release what they used.
      await app.close().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await repo.close().catch(() => undefined);
    })();
    return closing;
  };

  try {
    await app.listen({ host: config.listenAddress, port: config.bindPort });
  } catch (error) {
    await close();
    throw error;
  }
  const url = urlOf(app.server.address(), config.listenAddress);
  const where =
    config.imageStore === 'disk' ? `images on disk in ${config.imageDir}` : 'images in the database';
  log(
    `faafo api listening on ${url} (database ${redactUrl(config.databaseUrl)}, ` +
      `queue ${redactUrl(config.transportUrl)}, ${where})`,
  );
  return { url, close };
}
