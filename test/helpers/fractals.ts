// Reading the API from tests the way any HTTP client would.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fractal } from '../../src/faafo/model.ts';

export async function listAll(apiUrl: string): Promise<Fractal[]> {
  const all: Fractal[] = [];
  for (let page = 1; ; page++) {
    const response = await fetch(`${apiUrl}/v1/fractal?page=${page}&results_per_page=100`);
    if (!response.ok) throw new Error(`GET /v1/fractal answered ${response.status}`);
    const body = (await response.json()) as { objects: Fractal[]; total_pages: number };
    all.push(...body.objects);
    if (page >= body.total_pages) return all;
  }
}

/** Polls until `count` fractals exist and none is pending; bounded by timeoutMs. */
export async function waitAllDone(apiUrl: string, count: number, timeoutMs = 120_000): Promise<Fractal[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Fractal[] = [];
  while (Date.now() < deadline) {
    last = await listAll(apiUrl);
    if (last.length >= count && last.every((f) => f.state !== 'pending')) return last;
    await sleep(250);
  }
  const pending = last.filter((f) => f.state === 'pending').length;
  throw new Error(`After ${timeoutMs} ms: ${last.length} fractals, ${pending} still pending.`);
}

export async function imageOf(apiUrl: string, uuid: string): Promise<Buffer> {
  const response = await fetch(`${apiUrl}/fractal/${uuid}`);
  if (!response.ok) throw new Error(`GET /fractal/${uuid} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** POSTs one small fractal to the API and polls until a worker stored its result (or the time is up). */
export async function postAndAwaitRendered(apiUrl: string, timeoutMs: number): Promise<Fractal | undefined> {
  const uuid = randomUUID();
  const response = await fetch(`${apiUrl}/v1/fractal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uuid, width: 64, height: 48, iterations: 128, xa: -1.5, xb: 1.5, ya: -1, yb: 1 }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/fractal answered ${response.status}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const fractal = (await (await fetch(`${apiUrl}/v1/fractal/${uuid}`)).json()) as Fractal;
    if (fractal.checksum) return fractal;
    await sleep(100);
  }
  return undefined;
}
