// A process that writes to a log store until it is killed: batches of enqueues (and, with
// --remove, removes of the oldest messages), and after each batch's sync() resolves it prints
// "<last enqueued id> <last removed id> <compactions so far>". The parent kills it with SIGKILL mid-stream and checks
// that everything reported as synced survived.
import { openLogStore } from '../../src/broker/store/log-store.ts';

const [dir, mode, compactAfter] = process.argv.slice(2);
const store = await openLogStore(dir!, { compactAfterBytes: Number(compactAfter ?? 64 * 1024 * 1024) });
store.putQueue({ name: 'q', autoDelete: false, arguments: {} });
const body = Buffer.alloc(200, 7);
let enqueued = 0;
let removed = 0;
for (;;) {
  for (let i = 0; i < 50; i++) {
    enqueued++;
    store.enqueue('q', {
      id: enqueued,
      exchange: '',
      routingKey: 'q',
      properties: { deliveryMode: 2, headers: { n: enqueued } },
      body,
      redelivered: false,
    });
  }
  // Keep about 300 messages live so compaction has dead records to drop.
  if (mode === '--remove') while (enqueued - removed > 300) store.remove('q', ++removed);
  await store.sync();
  process.stdout.write(`${enqueued} ${removed} ${store.counters().compactions}\n`);
}
