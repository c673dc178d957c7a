// An exchange: its declared properties and the bindings for which it is the source (with the
// routing table built from them) or the destination (exchange-to-exchange bindings). Deciding
// what a binding or a delete means for the rest of the virtual host is vhost.ts's job.
import { fieldString, stableKey } from './arguments.ts';
import type { ExchangeOptions } from './contracts.ts';
import type { Queue } from './queue.ts';
import { createRouteTable, type ExchangeType, type RouteTable } from './routing.ts';

export type Destination = Queue | Exchange;

export interface Binding {
  readonly source: Exchange;
  readonly destination: Destination;
  readonly routingKey: string;
  readonly args: Record<string, unknown>;
  /** Identity within the source: destination, routing key and arguments. */
  readonly key: string;
}

export const bindingKey = (destination: Destination, routingKey: string, args: Record<string, unknown>) =>
  `${destination.kind}\u0000${destination.name}\u0000${routingKey}\u0000${stableKey(args)}`;

/** The exchanges every RabbitMQ virtual host starts with (all durable). */
export const PREDECLARED_EXCHANGES: ReadonlyArray<readonly [string, ExchangeType]> = [
  ['', 'direct'],
  ['amq.direct', 'direct'],
  ['amq.fanout', 'fanout'],
  ['amq.topic', 'topic'],
  ['amq.headers', 'headers'],
  ['amq.match', 'headers'],
];

export class Exchange {
  readonly kind = 'exchange' as const;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
  readonly arguments: Record<string, unknown>;
  /** The default exchange routes by queue name and takes no bindings. */
  readonly isDefault: boolean;
  /** alternate-exchange argument: where unroutable messages go instead. */
  readonly alternate: string | undefined;
  /** Outgoing bindings, by Binding.key. */
  readonly bindings = new Map<string, Binding>();
  /** Bindings for which this exchange is the destination. */
  readonly incoming = new Set<Binding>();
  readonly routes: RouteTable<Destination>;
  /** Routing pass that last visited this exchange (loop and duplicate protection). */
  mark = 0;
  deleted = false;

  constructor(
    readonly name: string,
    readonly type: ExchangeType,
    options: ExchangeOptions,
  ) {
    this.durable = options.durable;
    this.autoDelete = options.autoDelete;
    this.internal = options.internal;
    this.arguments = options.arguments;
    this.isDefault = name === '';
    this.alternate = fieldString(options.arguments['alternate-exchange']);
    this.routes = createRouteTable<Destination>(type);
  }

  /** Adds the binding unless an identical one exists; returns whether it was added. */
  addBinding(binding: Binding): boolean {
    if (this.bindings.has(binding.key)) return false;
    this.bindings.set(binding.key, binding);
    this.routes.add(binding);
    binding.destination.incoming.add(binding);
    return true;
  }

  removeBinding(binding: Binding): void {
    if (this.bindings.get(binding.key) !== binding) return;
    this.bindings.delete(binding.key);
    this.routes.remove(binding);
    binding.destination.incoming.delete(binding);
  }
}
