// A store without durability, for tests and the in-memory broker (no --data-dir). It keeps the
// same live state the log store would, so a virtual host recreated from its load() recovers
// exactly what a restart from disk would (minus surviving the process).
import type {
  BindingDefinition,
  BrokerStore,
  ExchangeDefinition,
  PersistedMessage,
  QueueDefinition,
  RecoveredState,
} from './contracts.ts';
import { DurableState } from './durable-state.ts';

const RESOLVED: Promise<void> = Promise.resolve();

export function memoryStore(): BrokerStore {
  const state = new DurableState();
  return {
    load: (): Promise<RecoveredState> => Promise.resolve(state.recovered()),
    putExchange: (definition: ExchangeDefinition) => state.putExchange(definition),
    deleteExchange: (name: string) => state.deleteExchange(name),
    putQueue: (definition: QueueDefinition) => state.putQueue(definition),
    deleteQueue: (name: string) => state.deleteQueue(name),
    putBinding: (definition: BindingDefinition) => state.putBinding(definition),
    deleteBinding: (definition: BindingDefinition) => state.deleteBinding(definition),
    enqueue: (queue: string, message: PersistedMessage) => {
      state.enqueue(queue, message, message.redelivered);
    },
    delivered: (queue: string, messageId: number) => {
      state.delivered(queue, messageId);
    },
    remove: (queue: string, messageId: number) => {
      state.remove(queue, messageId);
    },
    purge: (queue: string) => {
      state.purge(queue);
    },
    sync: () => RESOLVED,
    close: () => RESOLVED,
  };
}
