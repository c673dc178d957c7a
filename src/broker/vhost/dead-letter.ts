// Dead-lettering as RabbitMQ 3.10 does it (rabbit_dead_letter.erl): which queue arguments ask
// for it, what a dead-lettered message looks like (its x-death history, the x-first-death-*
// headers, no expiration), and when republishing it would go round in a cycle. Routing and
// enqueueing the result is the virtual host's business.
import { channelError, REPLY } from '../errors.ts';
import { fieldNumber, fieldString, fieldTypeName, resourceName } from './arguments.ts';
import type { BasicProperties, StoredMessage } from './contracts.ts';

/** Why a message left its queue for the dead-letter exchange, as x-death names it. */
export type DeathReason = 'rejected' | 'expired' | 'maxlen';

/** Where a queue's dead letters go: x-dead-letter-exchange and x-dead-letter-routing-key. */
export interface DeadLetterTarget {
  exchange: string;
  /** Undefined: the message keeps its own routing key. */
  routingKey: string | undefined;
}

/** Reads the dead-letter arguments, refusing bad ones with RabbitMQ's 406 texts. */
export function deadLetterTarget(
  queue: string,
  vhost: string,
  args: Record<string, unknown>,
): DeadLetterTarget | undefined {
  const read = (key: string): string | undefined => {
    const raw = args[key];
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') {
      throw channelError(
        REPLY.PRECONDITION_FAILED,
        `invalid type '${fieldTypeName(raw)}' for arg '${key}' in ${resourceName('queue', queue, vhost)}`,
      );
    }
    return raw;
  };
  const exchange = read('x-dead-letter-exchange');
  const routingKey = read('x-dead-letter-routing-key');
  if (exchange === undefined) {
    if (routingKey === undefined) return undefined;
    throw channelError(
      REPLY.PRECONDITION_FAILED,
      `invalid arg 'x-dead-letter-routing-key' for ${resourceName('queue', queue, vhost)}: routing_key_but_no_dlx_defined`,
    );
  }
  return { exchange, routingKey };
}

/**
 * The properties of the message as it leaves `queue` for `reason` towards `target`: a fresh object
 * (the original may still be held elsewhere) with the expiration moved into the x-death entry, and
 * that entry added, or counted again when the message already died in this queue for this reason.
 */
export function deadLetterProperties(
  message: StoredMessage,
  reason: DeathReason,
  queue: string,
  target: DeadLetterTarget,
  now: number,
): BasicProperties {
  const { expiration, ...properties } = message.properties;
  const headers: Record<string, unknown> = { ...message.properties.headers };
  const routingKeys = [message.routingKey, ...headerRoutes(headers.CC), ...headerRoutes(headers.BCC)];
  // A new routing key replaces the old ones, CC included.
  if (target.routingKey !== undefined) delete headers.CC;
  const history = headers['x-death'];
  if (Array.isArray(history)) {
    // The earlier entry for this queue and reason keeps its time, exchange and routing keys;
    // only its count grows, and it moves to the front. RabbitMQ sorts the keys of that entry.
    let match: Record<string, unknown> | undefined;
    let count = 0;
    const others: unknown[] = [];
    for (const death of history) {
      if (isTable(death) && fieldString(death.queue) === queue && fieldString(death.reason) === reason) {
        // Before RabbitMQ 3.5 every death had its own entry: fold those into one.
        match ??= death;
        count += fieldNumber(death.count) ?? 1;
      } else others.push(death);
    }
    const entry = match
      ? sortKeys({ ...match, count: long(count + 1) })
      : newDeath(message, reason, queue, routingKeys, now, expiration);
    headers['x-death'] = [entry, ...others];
  } else {
    // The first death also gets top-level headers, which later deaths leave alone.
    headers['x-first-death-reason'] = reason;
    headers['x-first-death-queue'] = queue;
    headers['x-first-death-exchange'] = message.exchange;
    headers['x-death'] = [newDeath(message, reason, queue, routingKeys, now, expiration)];
  }
  // RabbitMQ sorts a table it changes; amqplib hands the keys over in wire order.
  properties.headers = sortKeys(headers);
  return properties;
}

/**
 * Whether republishing to `queue` would go round a cycle nobody breaks: the message already died
 * in `queue` (x-death, newest first, after the death being recorded now), and no death since then,
 * that one included, was a client's rejection. RabbitMQ drops the message for such a queue.
 */
export function isDeadLetterCycle(headers: Record<string, unknown> | undefined, queue: string): boolean {
  const history = headers?.['x-death'];
  if (!Array.isArray(history)) return false;
  for (const death of history) {
    // Something a client put there: not a cycle the broker made on its own.
    if (!isTable(death) || fieldString(death.reason) === 'rejected') return false;
    if (fieldString(death.queue) === queue) return true;
  }
  return false;
}

function newDeath(
  message: StoredMessage,
  reason: DeathReason,
  queue: string,
  routingKeys: string[],
  now: number,
  expiration: string | undefined,
): Record<string, unknown> {
  const death: Record<string, unknown> = {
    count: long(1),
    reason,
    queue,
    time: { '!': 'timestamp', value: Math.floor(now / 1000) },
    exchange: message.exchange,
    'routing-keys': routingKeys,
  };
  if (expiration !== undefined) death['original-expiration'] = expiration;
  return death;
}

/** The sender-selected routing keys of a CC or BCC header (RabbitMQ's rabbit_basic:header_routes). */
function headerRoutes(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const keys: string[] = [];
  for (const item of value) {
    const key = fieldString(item);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

/** x-death counts are 64-bit on the wire, whatever their size (the encoder would pick a byte). */
const long = (value: number) => ({ '!': 'long', value });

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !Object.hasOwn(value, '!')
  );
}

function sortKeys(table: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(table).sort()) sorted[key] = table[key];
  return sorted;
}
