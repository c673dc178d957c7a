// A worker's task, alone in a process so its peak memory can be measured: one task message through
// processTask, rendered by renderTask with a render pool, reported by PUT to the endpoint given,
// exactly as `faafo worker` does it but without a broker. Prints the verdict as JSON on the last line.
import { createRenderPool } from '../../src/faafo/render/pool.ts';
import { renderTask } from '../../src/faafo/render/task.ts';
import { processTask } from '../../src/faafo/worker/process-task.ts';

const [endpointUrl, taskJson, threads] = process.argv.slice(2);
if (!endpointUrl || !taskJson || !threads) {
  throw new Error('usage: render-task-child.ts ENDPOINT_URL TASK_JSON THREADS');
}
const pool = createRenderPool(Number(threads));
try {
  const verdict = await processTask(Buffer.from(taskJson), false, {
    endpointUrl,
    nodeName: 'memory-test-worker',
    render: (task) => renderTask(task, pool),
    log: (line) => console.log(line),
    report: { deadlineMs: 30_000 },
  });
  console.log(JSON.stringify({ verdict }));
} finally {
  await pool.close();
}
