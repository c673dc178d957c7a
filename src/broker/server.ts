// The broker process in one call: open the store, recover each virtual host, listen, and track the
// connections so close() can end them all. Tests start it in-process on port 0; the CLI's
// `faafo-tutor broker` starts it on 5672.
import type { Socket } from 'node:net';
import { hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../version.ts';
import { Connection, type ConnectionHost, type ConnectionSettings, describe } from './connection.ts';
import { type BindListener, type Listeners, listenOn } from './listeners.ts';
import type { BrokerStore } from './store/contracts.ts';
import { type FsyncPolicy, openLogStore } from './store/log-store.ts';
import { memoryStore } from './store/memory-store.ts';
import type { VirtualHost } from './vhost/contracts.ts';
import { type BrokerVirtualHost, createVirtualHost } from './vhost/vhost.ts';

export interface BrokerOptions {
  /**
   * Interface to listen on; loopback unless asked otherwise. `localhost` is 127.0.0.1 and ::1 on
   * one port (see listeners.ts); any other host is bound alone.
   */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where durable state lives; absent → everything in memory, gone with the process. */
  dataDir?: string;
  /** user → password; default { guest: 'guest' }. */
  users?: Record<string, string>;
  /** Virtual hosts to create; default ['/']. */
  vhosts?: string[];
  /** Largest frame proposed in connection.tune (RabbitMQ's default 131072). */
  frameMax?: number;
  /** Heartbeat proposed in connection.tune, in seconds (RabbitMQ's default 60; 0 = none). */
  heartbeat?: number;
  /** Most channels per connection (RabbitMQ's default 2047). */
  channelMax?: number;
  /** Largest message body accepted (RabbitMQ's default 128 MiB); larger → 406 channel close. */
  maxMessageBytes?: number;
  /** Message bytes held in memory above which publishing connections are blocked (default 40% of RAM). */
  memoryHighWatermarkBytes?: number;
  /** Publishers are unblocked again below this (default 80% of the high watermark). */
  memoryLowWatermarkBytes?: number;
  /**
   * With dataDir: when persistent messages are fsynced (see store/log-store.ts). 'batch' (default):
   * group commit, confirms only after fdatasync; 'always': per record; 'never': write only.
   */
  fsync?: FsyncPolicy;
  /** One line per notable event (logins refused, connection errors, alarms). Default: silent. */
  log?: (line: string) => void;
  /** How a listener is bound; a test passes one that fails for ::1 as a host without IPv6 does. */
  bind?: BindListener;
}

export interface BrokerStats {
  connections: number;
  memoryUsed: number;
  memoryAlarm: boolean;
  vhosts: Record<string, ReturnType<VirtualHost['stats']>>;
}

export interface Broker {
  /** amqp://guest:guest@host:port/ when the default user exists, else amqp://host:port/. */
  url: string;
  /** The host asked for (e.g. `localhost`). */
  host: string;
  /** Every address it listens on, as bound: ['127.0.0.1', '::1'] for localhost where IPv6 is on. */
  hosts: string[];
  port: number;
  /** Closes every connection (320 CONNECTION_FORCED), stops listening and closes the store. */
  close(): Promise<void>;
  stats(): BrokerStats;
}

/** What RabbitMQ 3.10 advertises, minus what we do not implement (consumer priorities, direct reply-to). */
const CAPABILITIES = {
  publisher_confirms: true,
  exchange_exchange_bindings: true,
  'basic.nack': true,
  consumer_cancel_notify: true,
  'connection.blocked': true,
  authentication_failure_close: true,
  per_consumer_qos: true,
};

/** How often a raised memory alarm checks whether consumers have drained enough to clear it. */
const ALARM_POLL_MS = 100;
/** How long close() waits for clients to answer connection.close before cutting their sockets. */
const SHUTDOWN_GRACE_MS = 1_000;

export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const users = new Map(Object.entries(options.users ?? { guest: 'guest' }));
  const settings: ConnectionSettings = {
    users,
    frameMax: options.frameMax ?? 131072,
    channelMax: options.channelMax ?? 2047,
    heartbeat: options.heartbeat ?? 60,
    maxMessageBytes: options.maxMessageBytes ?? 128 * 1024 * 1024,
    serverProperties: {
      capabilities: CAPABILITIES,
      cluster_name: `faafo@${hostname()}`,
      copyright: 'faafo-tutor contributors',
      information:
        'Licensed under the Apache License 2.0. An AMQP 0-9-1 broker compatible with RabbitMQ clients.',
      platform: `Node.js ${process.version}`,
      product: 'faafo-tutor broker',
      version: VERSION,
    },
  };
  if (settings.frameMax !== 0 && settings.frameMax < 4096)
    throw new RangeError('frameMax must be 0 or at least 4096');
  const high = options.memoryHighWatermarkBytes ?? Math.floor(totalmem() * 0.4);
  const low = options.memoryLowWatermarkBytes ?? Math.floor(high * 0.8);

  // One store per virtual host: a store's definitions carry no vhost name.
  const stores: BrokerStore[] = [];
  const vhosts = new Map<string, BrokerVirtualHost>();
  try {
    for (const name of options.vhosts ?? ['/']) {
      let store: BrokerStore;
      if (options.dataDir) {
        const dir = join(options.dataDir, 'vhosts', encodeURIComponent(name));
        store = await openLogStore(dir, { fsync: options.fsync ?? 'batch' });
      } else store = memoryStore();
      stores.push(store);
      const recovered = await store.load();
      vhosts.set(name, createVirtualHost(name, store, recovered));
    }
  } catch (error) {
    await Promise.allSettled(stores.map((s) => s.close()));
    throw error;
  }

  const connections = new Set<Connection>();
  let nextId = 0;
  let alarm = false;
  let alarmTimer: NodeJS.Timeout | undefined;

  const memoryUsed = (): number => {
    let used = 0;
    for (const vhost of vhosts.values()) used += vhost.memoryUsed();
    return used;
  };

  const checkAlarmCleared = (): void => {
    const used = memoryUsed();
    if (used >= low) return;
    alarm = false;
    clearInterval(alarmTimer);
    alarmTimer = undefined;
    log(`memory alarm cleared: ${used} bytes held, below ${low}`);
    for (const connection of connections) connection.unblock();
  };

  const connectionHost: ConnectionHost = {
    settings,
    virtualHost: (name) => vhosts.get(name),
    log,
    memoryAlarm() {
      if (alarm) return true;
      const used = memoryUsed();
      if (used <= high) return false;
      alarm = true;
      log(`memory alarm raised: ${used} bytes held, above ${high}; blocking publishers`);
      alarmTimer = setInterval(checkAlarmCleared, ALARM_POLL_MS);
      alarmTimer.unref();
      return true;
    },
    closed(connection) {
      connections.delete(connection);
    },
  };

  const onConnection = (socket: Socket): void => {
    try {
      const connection = new Connection(String(++nextId), socket, connectionHost);
      connections.add(connection);
    } catch (error) {
      log(`cannot accept a connection: ${describe(error)}`);
      socket.destroy();
    }
  };

  let listeners: Listeners;
  try {
    listeners = await listenOn(host, options.port ?? 0, {
      onConnection,
      onError: (error) => log(`listener error: ${describe(error)}`),
      log,
      ...(options.bind ? { bind: options.bind } : {}),
    });
  } catch (error) {
    await Promise.allSettled(stores.map((s) => s.close()));
    throw error;
  }
  const { port, hosts } = listeners;
  const bracketed = (h: string) => (h.includes(':') ? `[${h}]` : h);
  // `localhost` in the URL only when both loopbacks answer, whichever one a client resolves it to.
  const urlHost = bracketed(hosts.length > 1 ? host : hosts[0]!);
  const credentials = users.get('guest') === 'guest' ? 'guest:guest@' : '';
  log(`broker listening on ${hosts.map((h) => `${bracketed(h)}:${port}`).join(' and ')}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = listeners.close();
      for (const connection of connections) connection.shutdown();
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const connection of connections) connection.destroy();
      await stopped;
      clearInterval(alarmTimer);
      // No message expiry or x-expires may write to a store that is closing.
      for (const vhost of vhosts.values()) vhost.close();
      await Promise.allSettled(stores.map((s) => s.close()));
    })();
    return closing;
  };

  return {
    url: `amqp://${credentials}${urlHost}:${port}/`,
    host,
    hosts,
    port,
    close,
    stats: () => ({
      connections: connections.size,
      memoryUsed: memoryUsed(),
      memoryAlarm: alarm,
      vhosts: Object.fromEntries([...vhosts].map(([name, vhost]) => [name, vhost.stats()])),
    }),
  };
}
