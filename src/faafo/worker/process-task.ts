// One task from the queue, start to end: validate, render, report. Decides the message's fate:
// `ack` only once the API stored the result (or the fractal no longer exists); `reject` (dead, no
// requeue) for a task that can never succeed, after recording why on the fractal — so one bad task
// never crash-loops a worker; `requeue` when the API stayed unreachable, so another try happens later.
import { type Task, TaskSchema } from '../model.ts';
import { type ReportOptions, ReportRefusedError, reportResult } from './report.ts';

export interface RenderedTask {
  png: Buffer;
  checksum: string;
  size: number;
  /** Seconds spent rendering (choosing c and drawing), as the original's `duration`. */
  duration: number;
}

export interface TaskDeps {
  endpointUrl: string;
  nodeName: string;
  render: (task: Task) => Promise<RenderedTask>;
  log: (line: string) => void;
  report?: ReportOptions;
}

export type Verdict = 'ack' | 'reject' | 'requeue';

export async function processTask(content: Buffer, redelivered: boolean, deps: TaskDeps): Promise<Verdict> {
  const task = parseTask(content);
  if (!task.ok) {
    deps.log(`rejected a malformed task: ${task.reason}`);
    if (task.uuid) await recordFailure(task.uuid, `Malformed task: ${task.reason}`, deps);
    return 'reject';
  }
  const { uuid } = task.value;
  const started = Date.now();

  let rendered: RenderedTask;
  try {
    rendered = await deps.render(task.value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.log(`task ${uuid} failed to render: ${reason}`);
    await recordFailure(uuid, `Rendering failed on ${deps.nodeName}: ${reason}`, deps);
    return 'reject';
  }

  try {
    const outcome = await reportResult(
      deps.endpointUrl,
      {
        uuid,
        duration: rendered.duration,
        image: rendered.png.toString('base64'),
        checksum: rendered.checksum,
        size: rendered.size,
        generated_by: deps.nodeName,
        failure: null,
      },
      {
        ...deps.report,
        onRetry: (attempt, reason, delayMs) =>
          deps.log(
            `task ${uuid}: the API did not take the result (${reason}); retry ${attempt} in ${delayMs} ms`,
          ),
      },
    );
    const { width, height, iterations } = task.value;
    const total = ((Date.now() - started) / 1000).toFixed(3);
    if (outcome.kind === 'gone') {
      deps.log(`task ${uuid} rendered, but the fractal was deleted meanwhile; dropped`);
    } else {
      deps.log(
        `task ${uuid} processed in ${rendered.duration.toFixed(3)} seconds: ${width} x ${height} pixels, ` +
          `${iterations} iterations, ${rendered.size} bytes, ${total} s in all${redelivered ? ' (redelivered)' : ''}`,
      );
    }
    return 'ack';
  } catch (error) {
    if (error instanceof ReportRefusedError) {
      deps.log(`task ${uuid}: the API refused the result (HTTP ${error.status}: ${error.message})`);
      await recordFailure(uuid, `The API refused the result: ${error.message}`, deps);
      return 'reject';
    }
    if (deps.report?.signal?.aborted) return 'requeue';
    deps.log(
      `task ${uuid}: ${error instanceof Error ? error.message : String(error)}; returning it to the queue`,
    );
    return 'requeue';
  }
}

type Parsed = { ok: true; value: Task } | { ok: false; reason: string; uuid?: string };

function parseTask(content: Buffer): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the message is not JSON' };
  }
  const result = TaskSchema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const uuid = (json as { uuid?: unknown })?.uuid;
  return {
    ok: false,
    reason: `${issue.path.join('.') || 'task'}: ${issue.message}`,
    uuid: typeof uuid === 'string' && /^[0-9a-f-]{36}$/i.test(uuid) ? uuid : undefined,
  };
}

async function recordFailure(uuid: string, failure: string, deps: TaskDeps): Promise<void> {
  try {
    await reportResult(deps.endpointUrl, { uuid, failure }, { ...deps.report, deadlineMs: 10_000 });
  } catch (error) {
    deps.log(
      `task ${uuid}: could not record the failure: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
