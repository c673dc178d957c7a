// The brokers faafo's end-to-end tests run on: a real RabbitMQ (a throw-away vhost) and our
// embedded broker (in this process, durable in a temp dir). Same tests, same assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/server.ts';
import { createVhost } from './rabbitmq.ts';
import { rabbitmqAvailable } from './services.ts';

export interface RunningBroker {
  url: string;
  stop(): Promise<void>;
}

export interface BrokerTarget {
  name: string;
  available(): Promise<boolean>;
  start(): Promise<RunningBroker>;
}

export const rabbitmqTarget: BrokerTarget = {
  name: 'RabbitMQ',
  available: rabbitmqAvailable,
  async start() {
    const vhost = await createVhost();
    return { url: vhost.url, stop: () => vhost.remove() };
  },
};

export const embeddedTarget: BrokerTarget = {
  name: 'embedded broker',
  available: async () => true,
  async start() {
    const dataDir = mkdtempSync(join(tmpdir(), 'faafo-broker-'));
    const broker = await startBroker({ port: 0, dataDir });
    return {
      url: broker.url,
      async stop() {
        await broker.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const brokerTargets = [rabbitmqTarget, embeddedTarget];
