// The guide's second overload: N parallel create requests (POST /v1/fractal) against one API node,
// or round-robin across several (the guide's two floating IPs after scaling out). Every request has
// its own timeout and the whole run a deadline; N is bounded. Each outcome (latency, status) is
// collected — and handed to `onOutcome` as it completes, e.g. to a LatencyWindow behind a meter —
// and the result gives p50/p99 and errors per endpoint and overall, plus the uuid of every 201 so a
// test or the tutor can check that none of the accepted fractals was lost.
import { randomUUID } from 'node:crypto';
import type { NewFractal } from '../faafo/model.ts';
import { UserError } from '../shared/user-error.ts';
import { type LatencyFigures, latencyFigures, type RequestOutcome } from './latency.ts';
import { checkTargets } from './targets.ts';

export const DEFAULT_FLOOD_REQUESTS = 500;
export const MAX_FLOOD_REQUESTS = 5000;

export interface FloodOptions {
  /** faafo API base URLs; request i goes to endpoints[i mod n]. */
  endpoints: readonly string[];
  /** Default 500, at most 5000. */
  requests?: number;
  /** Per request. Default 30 s. */
  requestTimeoutMs?: number;
  /** For the whole run; requests still open then are aborted (and count as errors). Default 120 s. */
  deadlineMs?: number;
  /** Non-loopback addresses that may be targeted: the lesson's floating IPs. */
  allowed?: readonly string[];
  /** The body of request i. Default: a small fractal (128 × 128), so the flood loads the API, not the workers. */
  task?: (index: number) => NewFractal;
  /** Each outcome as it completes. */
  onOutcome?: (outcome: RequestOutcome & { endpoint: string }) => void;
  signal?: AbortSignal;
}

export interface FloodResult extends LatencyFigures {
  startedAt: number;
  durationMs: number;
  /** Answers per second over the run. */
  throughputPerS: number;
  /** How many answers of each HTTP status; `none` counts requests that got no answer. */
  statuses: Record<string, number>;
  /** The uuid of every fractal answered 201. */
  created: string[];
  /** The first few distinct reasons for errors, for the report. */
  failures: string[];
  perEndpoint: Array<LatencyFigures & { endpoint: string }>;
}

/** A small task with a fresh uuid. */
export function smallTask(): NewFractal {
  return { uuid: randomUUID(), width: 128, height: 128, iterations: 128, xa: -2, xb: 1, ya: -1.5, yb: 1.5 };
}

export function checkRequestCount(requests: number): number {
  if (!Number.isInteger(requests) || requests < 1 || requests > MAX_FLOOD_REQUESTS) {
    throw new UserError(
      `The flood sends 1 to ${MAX_FLOOD_REQUESTS} requests; ${requests} is outside that. Ask for fewer.`,
    );
  }
  return requests;
}

export async function flood(options: FloodOptions): Promise<FloodResult> {
  const endpoints = checkTargets(options.endpoints, options.allowed);
  const requests = checkRequestCount(options.requests ?? DEFAULT_FLOOD_REQUESTS);
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const deadline = AbortSignal.timeout(options.deadlineMs ?? 120_000);
  const stop = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const task = options.task ?? smallTask;
  const failures = new Set<string>();

  const one = async (index: number) => {
    const endpoint = endpoints[index % endpoints.length]!;
    const body = JSON.stringify(task(index));
    const started = performance.now();
    let status: number | undefined;
    let uuid: string | undefined;
    try {
      const res = await fetch(`${endpoint}/v1/fractal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
      });
      status = res.status;
      const text = await res.text();
      if (status === 201) uuid = (JSON.parse(text) as { uuid?: string }).uuid;
      else if (failures.size < 5) failures.add(`HTTP ${status}: ${text.slice(0, 200)}`);
    } catch (error) {
      if (status === undefined && failures.size < 5) failures.add(describeFailure(error));
    }
    const outcome = { at: Date.now(), latencyMs: performance.now() - started, status, endpoint };
    options.onOutcome?.(outcome);
    return { ...outcome, uuid };
  };

  const startedAt = Date.now();
  const began = performance.now();
  const outcomes = await Promise.all(Array.from({ length: requests }, (_, i) => one(i)));
  const durationMs = performance.now() - began;
  const statuses: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.status === undefined ? 'none' : String(o.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const answered = outcomes.filter((o) => o.status !== undefined).length;
  return {
    ...latencyFigures(outcomes),
    startedAt,
    durationMs,
    throughputPerS: durationMs > 0 ? answered / (durationMs / 1000) : 0,
    statuses,
    created: outcomes.flatMap((o) => (o.status === 201 && o.uuid ? [o.uuid] : [])),
    failures: [...failures],
    perEndpoint: endpoints.map((endpoint) => ({
      endpoint,
      ...latencyFigures(outcomes.filter((o) => o.endpoint === endpoint)),
    })),
  };
}

function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'no answer before the timeout or the deadline';
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
