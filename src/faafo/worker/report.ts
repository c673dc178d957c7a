// Reporting a task's outcome to the API: `PUT {endpoint}/v1/fractal/<uuid>`, as the original worker
// did, but the answer is checked. Network errors and 5xx are retried with capped exponential back-off
// (the API may be restarting); a 404 means the fractal was deleted meanwhile; any other 4xx is a
// permanent refusal that retrying cannot fix.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FractalResult } from '../model.ts';

export type ReportBody = FractalResult & { uuid: string; image?: string };

export type ReportOutcome = { kind: 'stored'; attempts: number } | { kind: 'gone'; attempts: number };

export class ReportRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ReportRefusedError';
  }
}

export interface ReportOptions {
  /** Stops retrying (the worker is shutting down or lost its broker channel). */
  signal?: AbortSignal;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Give up after this long; the task then goes back to the queue for another try. */
  deadlineMs?: number;
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
  requestTimeoutMs?: number;
}

export function fractalUrl(endpointUrl: string, uuid: string): string {
  return `${endpointUrl.replace(/\/+$/, '')}/v1/fractal/${encodeURIComponent(uuid)}`;
}

export async function reportResult(
  endpointUrl: string,
  body: ReportBody,
  options: ReportOptions = {},
): Promise<ReportOutcome> {
  const {
    firstDelayMs = 250,
    maxDelayMs = 10_000,
    deadlineMs = 300_000,
    requestTimeoutMs = 120_000,
  } = options;
  const url = fractalUrl(endpointUrl, body.uuid);
  const payload = JSON.stringify(body);
  const started = Date.now();
  let delay = firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    let reason: string;
    try {
      const response = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: payload,
        signal: options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(requestTimeoutMs)])
          : AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await response.text();
      if (response.ok) return { kind: 'stored', attempts: attempt };
      if (response.status === 404) return { kind: 'gone', attempts: attempt };
      const message = messageOf(text) ?? `HTTP ${response.status}`;
      if (response.status < 500) throw new ReportRefusedError(response.status, message);
      reason = `HTTP ${response.status}: ${message}`;
    } catch (error) {
      if (error instanceof ReportRefusedError) throw error;
      options.signal?.throwIfAborted();
      reason = networkReason(error);
    }
    if (Date.now() - started + delay > deadlineMs) {
      throw new Error(`Gave up reporting to ${endpointUrl} after ${attempt} attempts: ${reason}`);
    }
    options.onRetry?.(attempt, reason, delay);
    await sleep(delay, undefined, { signal: options.signal });
    delay = Math.min(delay * 2, maxDelayMs);
  }
}

function messageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return text ? text.slice(0, 200) : undefined;
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
