// The student's reporter against a real HTTP server on 127.0.0.1: batches of at most
// MAX_EVENTS_PER_POST in order; a board that goes away (its port closed) and comes back — trouble said
// once, back said once, every event delivered in order, none lost up to the bound; a stale token said
// once and reporting stops; send() never throws; close() bounded even when the board never answers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReporter, MAX_BATCH_BYTES } from '../../src/classroom/client/reporter.ts';
import { MAX_EVENTS_PER_POST, type ProgressEvent } from '../../src/classroom/protocol.ts';
import { closedPort, type FakeBoard, json, startFakeBoard } from '../helpers/fake-board.ts';

let board: FakeBoard;
const chapter = (n: number): ProgressEvent => ({ type: 'chapter', chapter: n % 99, title: `chapter ${n}` });
/** The events the board accepted, in the order it got them. */
const delivered = () =>
  board.received
    .filter((r) => r.path === '/api/events')
    .flatMap((r) => (r.body as { events: ProgressEvent[] }).events);
const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A reporter to the fake board with short retries, and the lines it said. */
function reporterTo(options: Partial<Parameters<typeof createReporter>[0]> = {}) {
  const trouble: string[] = [];
  const reporter = createReporter({
    url: board.url,
    token: 'tok-1',
    onTrouble: (l) => trouble.push(l),
    firstRetryMs: 20,
    maxRetryMs: 60,
    ...options,
  });
  return { reporter, trouble };
}

beforeEach(async () => {
  board = await startFakeBoard();
  board.routes.set('POST /api/events', (r) =>
    json(202, { accepted: (r.body as { events: [] }).events.length }),
  );
});
afterEach(async () => {
  await board.close();
});

describe('createReporter', () => {
  it('sends with the token, in batches of at most MAX_EVENTS_PER_POST, in order, and send() returns at once', async () => {
    const trouble: string[] = [];
    const reporter = createReporter({ url: board.url, token: 'tok-1', onTrouble: (l) => trouble.push(l) });
    const events = Array.from({ length: MAX_EVENTS_PER_POST * 2 + 5 }, (_, i) => chapter(i));
    const started = performance.now();
    for (const e of events) reporter.send(e);
    expect(performance.now() - started).toBeLessThan(200);
    await reporter.close(5000);
    expect(delivered()).toEqual(events);
    const posts = board.received.filter((r) => r.path === '/api/events');
    expect(posts.every((p) => (p.body as { events: [] }).events.length <= MAX_EVENTS_PER_POST)).toBe(true);
    expect(posts.every((p) => p.authorization === 'Bearer tok-1')).toBe(true);
    expect(trouble).toEqual([]);
  });

  it('keeps each POST under MAX_BATCH_BYTES when the checks say a lot', async () => {
    const { reporter } = reporterTo();
    const check = (i: number): ProgressEvent => ({
      type: 'check',
      chapter: 5,
      id: `c${i}`,
      label: 'a check',
      ok: false,
      saw: 's'.repeat(300),
      hint: 'h'.repeat(300),
    });
    const events = Array.from({ length: MAX_EVENTS_PER_POST }, (_, i) => check(i));
    for (const e of events) reporter.send(e);
    await reporter.close(5000);
    expect(delivered()).toEqual(events);
    const posts = board.received.filter((r) => r.path === '/api/events');
    expect(posts.length).toBeGreaterThan(1);
    for (const p of posts) expect(JSON.stringify(p.body).length).toBeLessThan(MAX_BATCH_BYTES + 100);
  });

  it('says once that the board went away, once that it is back, and delivers every event in order', async () => {
    const { reporter, trouble } = reporterTo();
    reporter.send(chapter(1));
    await until(() => delivered().length === 1);
    await board.goAway();
    for (let i = 2; i <= 40; i++) reporter.send(chapter(i));
    await until(() => trouble.length === 1);
    // Several retries fail while it is away; it is said only once.
    await new Promise((r) => setTimeout(r, 300));
    expect(trouble).toEqual([
      `The board at ${board.url} stopped answering (ECONNREFUSED); the lesson goes on and reports again when it is back.`,
    ]);
    await board.comeBack();
    await until(() => delivered().length === 40);
    reporter.send(chapter(41));
    await reporter.close(3000);
    expect(delivered()).toEqual(Array.from({ length: 41 }, (_, i) => chapter(i + 1)));
    expect(trouble).toHaveLength(2);
    expect(trouble[1]).toBe(`The board at ${board.url} answers again; your progress is reported again.`);
  });

  it('keeps the oldest events up to its bound while the board is away and says how many did not fit', async () => {
    await board.goAway();
    const { reporter, trouble } = reporterTo({ maxQueued: 10 });
    for (let i = 1; i <= 15; i++) reporter.send(chapter(i));
    await until(() => trouble.length === 1);
    await board.comeBack();
    await until(() => trouble.length === 2);
    await reporter.close(2000);
    expect(delivered()).toEqual(Array.from({ length: 10 }, (_, i) => chapter(i + 1)));
    expect(trouble[1]).toMatch(/answers again; .*\(5 events from while it was away did not fit/);
  });

  it('says a stale token (401) once and stops reporting', async () => {
    board.routes.set('POST /api/events', () => json(401, { error: 'Unknown token.' }));
    const trouble: string[] = [];
    const reporter = createReporter({ url: board.url, token: 'old', onTrouble: (l) => trouble.push(l) });
    reporter.send(chapter(1));
    await until(() => trouble.length === 1);
    reporter.send(chapter(2));
    reporter.send(chapter(3));
    await reporter.close(500);
    expect(trouble).toEqual([
      `The board at ${board.url} no longer knows this student (a stale token: was the board restarted?); progress is no longer reported. Join again to be seen.`,
    ]);
    expect(board.received.filter((r) => r.path === '/api/events')).toHaveLength(1);
  });

  it('never throws from send(), drops a malformed event, and survives an onTrouble that throws', async () => {
    await board.goAway();
    const reporter = createReporter({
      url: board.url,
      token: 't',
      onTrouble: () => {
        throw new Error('screen gone');
      },
      firstRetryMs: 10,
    });
    expect(() =>
      reporter.send({ type: 'chapter', chapter: 1000, title: 'x' } as ProgressEvent),
    ).not.toThrow();
    expect(() => reporter.send(chapter(1))).not.toThrow();
    await board.comeBack();
    await reporter.close(2000);
    expect(delivered()).toEqual([chapter(1)]);
  });

  it('close() returns within its limit when the board never answers, and when nothing listens', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    const port = await new Promise<number>((r) =>
      silent.listen(0, '127.0.0.1', () => r((silent.address() as { port: number }).port)),
    );
    try {
      for (const url of [`http://127.0.0.1:${port}`, `http://127.0.0.1:${await closedPort()}`]) {
        const trouble: string[] = [];
        const reporter = createReporter({ url, token: 't', onTrouble: (l) => trouble.push(l) });
        reporter.send(chapter(1));
        const started = Date.now();
        await reporter.close(400);
        const took = Date.now() - started;
        expect(took).toBeGreaterThanOrEqual(350);
        expect(took).toBeLessThan(1000);
        reporter.send(chapter(2));
      }
    } finally {
      silent.close();
    }
  });
});
