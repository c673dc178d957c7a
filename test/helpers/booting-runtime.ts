// A node runtime for in-process API tests: a new server is ACTIVE at once and nothing else runs, so
// the tests see the APIs' state changes without processes.
import type { CloudStore, NodeRuntime } from '../../src/localcloud/contracts.ts';

export function bootingRuntime(store: CloudStore): NodeRuntime {
  return {
    boot: (server) =>
      store.update((state) => {
        const s = state.servers.find((x) => x.id === server.id);
        if (s) Object.assign(s, { status: 'ACTIVE', taskState: null, powerState: 1 });
      }),
    stop: async () => {},
    start: async () => {},
    reboot: async () => {},
    destroy: async () => {},
    consoleOutput: () => '',
    refreshNetwork: () => {},
    close: async () => {},
  };
}
