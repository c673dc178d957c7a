// `faafo worker`: a render pool the size of the node's vCPUs, fed by the task queue, reporting to
// the API. One log line per task.

import { redactUrl } from '../../shared/redact.ts';
import type { Config } from '../config.ts';
import { createRenderPool } from '../render/pool.ts';
import { renderTask } from '../render/task.ts';
import { startConsumer } from './consumer.ts';
import { processTask } from './process-task.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

export async function runWorker(
  config: Config,
  log: (line: string) => void = defaultLog,
): Promise<RunningWorker> {
  const pool = createRenderPool(config.renderThreads);
  log(
    `faafo worker ${config.nodeName}: ${config.renderThreads} render thread(s), ` +
      `reporting to ${redactUrl(config.endpointUrl)}`,
  );
  const consumer = startConsumer({
    transportUrl: config.transportUrl,
    prefetch: config.prefetch,
    connectionName: `faafo-worker ${config.nodeName}`,
    log,
    onMessage: (content, redelivered, signal) =>
      processTask(content, redelivered, {
        endpointUrl: config.endpointUrl,
        nodeName: config.nodeName,
        render: (task) => renderTask(task, pool),
        log,
        report: { signal },
      }),
  });
  return {
    async close() {
      await consumer.close();
      await pool.close();
    },
  };
}

function defaultLog(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}
