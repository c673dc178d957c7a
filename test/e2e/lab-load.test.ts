// The lab's load generators and API meters (src/lab) against a real faafo: two `faafo api` processes
// on one SQLite database and the embedded broker (the guide's two API nodes), and, for the batch, one
// `faafo worker`. The flood sends 500 parallel creates to one API and then round-robin to both, and
// every 201 must be a fractal the API lists afterwards (none lost); the batch's tasks are created,
// drained, and counted by the fractals-per-minute meter; a target off this machine is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitFinished, createBatch, planBatch } from '../../src/lab/batch.ts';
import { floodFigures } from '../../src/lab/figures.ts';
import { type FloodResult, flood } from '../../src/lab/flood.ts';
import { type FractalsSample, fractalsMeter } from '../../src/lab/fractals-meter.ts';
import { type LatencySample, LatencyWindow, latencyMeter } from '../../src/lab/latency.ts';
import { compare, readRunRecord, writeRunRecord } from '../../src/lab/run-record.ts';
import { checkTargets } from '../../src/lab/targets.ts';
import { UserError } from '../../src/shared/user-error.ts';
import { embeddedTarget, type RunningBroker } from '../helpers/brokers.ts';
import { type ApiProcess, type FaafoProcess, startApi, startWorker } from '../helpers/faafo-processes.ts';
import { listAll } from '../helpers/fractals.ts';

let dir: string;
let broker: RunningBroker;
const apis: ApiProcess[] = [];
let worker: FaafoProcess | undefined;
/** The two floods' results, for the before/after record. */
const floods: FloodResult[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-load-'));
  broker = await embeddedTarget.start();
  const databaseUrl = `sqlite:///${join(dir, 'faafo.db')}`;
  for (let i = 0; i < 2; i++) apis.push(await startApi({ databaseUrl, transportUrl: broker.url }));
}, 60_000);

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the flood: N parallel creates', () => {
  it('500 against one API node: every 201 is a fractal, figures and a live latency window', async () => {
    const window = new LatencyWindow({ windowMs: 60_000 });
    const controller = new AbortController();
    const meter = latencyMeter(window, { intervalMs: 100, signal: controller.signal });
    const seen: LatencySample[] = [];
    const before = new Set((await listAll(apis[0]!.url)).map((f) => f.uuid));
    const flooding = flood({ endpoints: [apis[0]!.url], onOutcome: (outcome) => window.record(outcome) });
    // The meter runs while the flood does, until it has seen every answer.
    for (let next = await meter.next(); !next.done; next = await meter.next()) {
      seen.push(next.value);
      if (next.value.requests === 500) break;
    }
    controller.abort();
    await meter.return(undefined);
    const result = await flooding;

    expect(result.requests).toBe(500);
    expect(result.errors, JSON.stringify(result.failures)).toBe(0);
    expect(result.statuses).toEqual({ '201': 500 });
    expect(result.created).toHaveLength(500);
    expect(new Set(result.created).size).toBe(500);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p99Ms!).toBeGreaterThanOrEqual(result.p50Ms!);
    expect(result.throughputPerS).toBeGreaterThan(0);
    // None lost: each accepted uuid is listed by the API (through either node: one database).
    const listed = new Set((await listAll(apis[1]!.url)).map((f) => f.uuid));
    expect(result.created.filter((uuid) => !listed.has(uuid))).toEqual([]);
    expect(listed.size - before.size).toBe(500);
    // The live window saw the same 500 answers.
    expect(window.figures()).toMatchObject({ requests: 500, errors: 0 });
    expect(seen.at(-1)).toMatchObject({ requests: 500, errors: 0 });
    const counts = seen.map((sample) => sample.requests);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    floods.push(result);
    console.log(
      `flood, one API node: p50 ${result.p50Ms?.toFixed(1)} ms, p99 ${result.p99Ms?.toFixed(1)} ms, ${result.throughputPerS.toFixed(0)}/s`,
    );
  }, 120_000);

  it('round-robin across two API nodes: half each, none lost', async () => {
    const result = await flood({ endpoints: apis.map((api) => api.url), requests: 500 });
    expect(result.errors, JSON.stringify(result.failures)).toBe(0);
    expect(result.perEndpoint.map((e) => e.requests)).toEqual([250, 250]);
    expect(result.perEndpoint.every((e) => e.errors === 0 && e.p50Ms !== null)).toBe(true);
    const listed = new Set((await listAll(apis[0]!.url)).map((f) => f.uuid));
    expect(result.created.filter((uuid) => !listed.has(uuid))).toEqual([]);
    expect(result.created).toHaveLength(500);
    floods.push(result);
    console.log(
      `flood, two API nodes: p50 ${result.p50Ms?.toFixed(1)} ms, p99 ${result.p99Ms?.toFixed(1)} ms, ${result.throughputPerS.toFixed(0)}/s`,
    );
  }, 120_000);

  it('writes both floods as run records and compares them', () => {
    expect(floods).toHaveLength(2);
    const record = (label: string, result: FloodResult, endpoints: string[]) =>
      writeRunRecord(join(dir, `${label}.json`), {
        version: 1,
        label,
        startedAt: new Date(result.startedAt).toISOString(),
        finishedAt: new Date(result.startedAt + result.durationMs).toISOString(),
        generator: { kind: 'flood', requests: 500, endpoints, requestTimeoutMs: 30_000, deadlineMs: 120_000 },
        topology: {
          cloud: 'faafo processes on this machine',
          nodes: endpoints.map((_, i) => ({ name: `app-api-${i + 1}`, flavor: 'host', roles: ['api'] })),
        },
        figures: floodFigures(result, result.created.length),
      });
    record('before', floods[0]!, [apis[0]!.url]);
    record(
      'after',
      floods[1]!,
      apis.map((api) => api.url),
    );
    const comparison = compare(
      readRunRecord(join(dir, 'before.json')),
      readRunRecord(join(dir, 'after.json')),
    );
    const p50 = comparison.find((c) => c.figure === 'p50Ms')!;
    expect(p50.before).toBe(floods[0]!.p50Ms);
    expect(p50.after).toBe(floods[1]!.p50Ms);
    expect(p50.ratio).toBeCloseTo(floods[1]!.p50Ms! / floods[0]!.p50Ms!, 10);
    expect(comparison.map((c) => c.figure)).toEqual(['p50Ms', 'p99Ms', 'errors', 'throughputPerMinute']);
    console.log(
      comparison.map((c) => `${c.figure}: ${c.before.toFixed(1)} → ${c.after.toFixed(1)}`).join('; '),
    );
  });

  it('counts an unanswered request as an error, with its reason', async () => {
    // A port nothing listens on (the API's own port + a refused connection is not guaranteed): use port 9.
    const result = await flood({ endpoints: ['http://127.0.0.1:9'], requests: 3, requestTimeoutMs: 2000 });
    expect(result.errors).toBe(3);
    expect(result.statuses).toEqual({ none: 3 });
    expect(result.created).toEqual([]);
    expect(result.failures.length).toBeGreaterThan(0);
  });

  it('refuses a target off this machine before sending anything, and a count out of bounds', async () => {
    await expect(flood({ endpoints: ['http://192.0.2.10:80'] })).rejects.toThrow(UserError);
    await expect(flood({ endpoints: [apis[0]!.url, 'http://example.org'] })).rejects.toThrow(
      /^Refusing to send load to example\.org: the lab sends load only to this machine/,
    );
    await expect(flood({ endpoints: ['http://10.0.0.5:80'] })).rejects.toThrow(
      /Refusing to send load to 10\.0\.0\.5/,
    );
    await expect(flood({ endpoints: [apis[0]!.url], requests: 5001 })).rejects.toThrow(/1 to 5000 requests/);
    await expect(flood({ endpoints: [] })).rejects.toThrow(/No endpoint/);
    // Loopback in every spelling, and a floating IP the caller names, are allowed.
    expect(checkTargets(['http://127.1.2.3:8080/', 'http://[::1]:80', 'http://localhost:1'])).toEqual([
      'http://127.1.2.3:8080',
      'http://[::1]:80',
      'http://localhost:1',
    ]);
    expect(checkTargets(['http://203.0.113.7'], ['203.0.113.7'])).toEqual(['http://203.0.113.7']);
    expect(() => checkTargets(['ftp://127.0.0.1/'])).toThrow(/not an http\(s\) URL/);
  });
});

describe('the batch and the fractals-per-minute meter', () => {
  // Its own database and broker: the flood's 1000 fractals must not queue ahead of the batch.
  let batchBroker: RunningBroker;
  let api: ApiProcess;
  beforeAll(async () => {
    batchBroker = await embeddedTarget.start();
    api = await startApi({
      databaseUrl: `sqlite:///${join(dir, 'batch.db')}`,
      transportUrl: batchBroker.url,
    });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await batchBroker?.stop();
  }, 60_000);

  it('scales the guide’s 9999 × 9999 batch and refuses nonsense', () => {
    expect(planBatch({})).toEqual({ side: 9999, tasks: 5, scale: 1 });
    expect(planBatch({ scale: 0.25 }).side).toBe(2500);
    expect(() => planBatch({ scale: 0 })).toThrow(/above 0 and at most 1/);
    expect(() => planBatch({ scale: 2 })).toThrow(/above 0 and at most 1/);
    expect(() => planBatch({ tasks: 101 })).toThrow(/1 to 100 tasks/);
  });

  it('refuses to send the batch off this machine', async () => {
    await expect(createBatch({ endpoint: 'http://10.0.0.5:80', scale: 0.01 })).rejects.toThrow(
      /^Refusing to send load to 10\.0\.0\.5/,
    );
    await expect(awaitFinished('http://198.51.100.1', ['x'])).rejects.toThrow(/^Refusing to send load/);
  });

  it('creates the scaled batch, a worker drains it, the meter counts the fractals finishing', async () => {
    const controller = new AbortController();
    const meter = fractalsMeter({ endpoint: api.url, intervalMs: 250, signal: controller.signal });
    const first = await meter.next();
    const start = first.value as FractalsSample;
    if (start.unavailable !== undefined) throw new Error(start.unavailable);
    // Every fractal so far is pending: no worker has run yet.
    expect(start.done).toBe(0);
    expect(start.finishedPerMinute).toBeNull();

    // The meter is read in the background while the batch is created and drained.
    const seen: FractalsSample[] = [];
    const reading = (async () => {
      for await (const sample of meter) seen.push(sample);
    })();

    const batch = await createBatch({ endpoint: api.url, scale: 0.02, tasks: 5, iterations: 64 });
    expect(batch.side).toBe(200);
    expect(batch.uuids).toHaveLength(5);
    const fractal = await (await fetch(`${api.url}/v1/fractal/${batch.uuids[0]}`)).json();
    expect(fractal).toMatchObject({ width: 200, height: 200, iterations: 64, state: 'pending' });

    worker = await startWorker({ name: 'lab-worker', endpointUrl: api.url, transportUrl: batchBroker.url });
    const finished = await awaitFinished(api.url, batch.uuids, {
      since: batch.startedAt,
      pollMs: 200,
      timeoutMs: 60_000,
    });
    expect(finished).toMatchObject({ done: 5, failed: 0 });
    expect(finished.drainMs).toBeGreaterThan(0);
    // One more reading after the last fractal finished, then stop the meter.
    const count = seen.length;
    while (seen.length < count + 2) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await reading;

    const counted = seen.flatMap((s) => (s.unavailable === undefined ? [s] : []));
    expect(counted.at(-1)).toMatchObject({ total: 5, done: 5, pending: 0, failed: 0 });
    // The rates, times the minutes between readings, add up to the 5 finished fractals.
    let finishedByRate = 0;
    for (let i = 1; i < counted.length; i++) {
      const rate = counted[i]!.finishedPerMinute ?? 0;
      expect(rate).toBeGreaterThanOrEqual(0);
      finishedByRate += (rate * (counted[i]!.at - counted[i - 1]!.at)) / 60_000;
    }
    expect(finishedByRate).toBeCloseTo(5, 6);
    expect(counted.some((s) => (s.finishedPerMinute ?? 0) > 0)).toBe(true);
  }, 120_000);

  it('reads an API that does not answer as unavailable', async () => {
    const meter = fractalsMeter({ endpoint: 'http://127.0.0.1:9', maxSamples: 1, requestTimeoutMs: 2000 });
    const samples: FractalsSample[] = [];
    for await (const s of meter) samples.push(s);
    expect(samples).toHaveLength(1);
    expect(samples[0]!.unavailable).toMatch(/^Cannot reach the faafo API at http:\/\/127\.0\.0\.1:9/);
  });
});
