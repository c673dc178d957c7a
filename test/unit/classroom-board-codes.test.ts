// The board's secrets and its class feed: join codes the protocol accepts, tokens that do not repeat and
// compare exactly, the student id carried in a student's token; and the class feed pushing one view on
// connect, then changes coalesced to at most one push per interval however many come in.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ClassFeed } from '../../src/classroom/board/class-feed.ts';
import {
  bearerToken,
  newJoinCode,
  newToken,
  sameSecret,
  splitStudentToken,
  studentToken,
} from '../../src/classroom/board/codes.ts';
import { Roster } from '../../src/classroom/board/roster.ts';
import { boardView } from '../../src/classroom/board/state.ts';
import { JOIN_CODE_ALPHABET, joinCode } from '../../src/classroom/protocol.ts';

describe('the board’s secrets', () => {
  it('makes join codes of six characters from the protocol’s alphabet, which the protocol accepts', () => {
    const codes = Array.from({ length: 500 }, newJoinCode);
    for (const code of codes) {
      expect(code).toHaveLength(6);
      expect([...code].every((c) => JOIN_CODE_ALPHABET.includes(c))).toBe(true);
      expect(joinCode.parse(code.toLowerCase())).toBe(code);
    }
    // Random, not a sequence: 500 draws from 31^6 codes practically never repeat, and use the whole alphabet.
    expect(new Set(codes).size).toBe(500);
    expect(new Set(codes.join('')).size).toBe(JOIN_CODE_ALPHABET.length);
  });

  it('makes long URL-safe tokens that do not repeat, and compares secrets exactly', () => {
    const tokens = Array.from({ length: 200 }, newToken);
    expect(new Set(tokens).size).toBe(200);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const [a, b] = tokens as [string, string];
    expect(sameSecret(a, a)).toBe(true);
    expect(sameSecret(a, b)).toBe(false);
    expect(sameSecret(a.slice(0, -1), a)).toBe(false);
    expect(sameSecret('', a)).toBe(false);
  });

  it('carries the student id in a student token, and reads a Bearer header', () => {
    expect(splitStudentToken(studentToken('st-1a2b', 'secret'))).toEqual({
      studentId: 'st-1a2b',
      secret: 'secret',
    });
    for (const bad of ['', 'nodot', '.secret', 'st-1.']) expect(splitStudentToken(bad)).toBeUndefined();
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    for (const bad of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b'])
      expect(bearerToken(bad)).toBeUndefined();
  });

  it('knows a student only by their own token', () => {
    const roster = new Roster();
    roster.reserveName('Ada');
    roster.add({ id: 'st-a', name: 'Ada', secret: 'sa', cloud: undefined }, 0);
    roster.reserveName('Bo');
    roster.add({ id: 'st-b', name: 'Bo', secret: 'sb', cloud: undefined }, 0);
    expect(roster.studentOf('st-a.sa')).toBe('st-a');
    expect(roster.studentOf('st-b.sa')).toBeUndefined();
    expect(roster.studentOf('st-c.sa')).toBeUndefined();
    expect(roster.studentOf(undefined)).toBeUndefined();
    expect(roster.reserveName(' ADA ')).toBe(false);
  });
});

describe('the class feed', () => {
  it('pushes a view on connect, then coalesces a burst of changes into at most one push per interval', async () => {
    const roster = new Roster();
    const view = () =>
      boardView({ room: 'r', joinCode: 'ABCDEF', headroom: null }, roster.students(), Date.now(), 60_000);
    const feed = new ClassFeed({ view, roster, now: Date.now, stuckAfterMs: 60_000, minIntervalMs: 100 });
    const pushes: Array<{ at: number; students: number }> = [];
    const stop = feed.subscribe((text) =>
      pushes.push({
        at: performance.now(),
        students: (JSON.parse(text) as { students: unknown[] }).students.length,
      }),
    );
    expect(pushes).toHaveLength(1);
    // Fifty students join within a few ms: a handful of pushes at most, the last holding all fifty.
    const burst = performance.now();
    for (let n = 0; n < 50; n++) {
      roster.reserveName(`S${n}`);
      roster.add({ id: `st-${n}`, name: `S${n}`, secret: 's', cloud: undefined }, Date.now());
      if (n % 10 === 0) await sleep(5);
    }
    const burstMs = performance.now() - burst;
    await sleep(350);
    expect(pushes.length).toBeGreaterThanOrEqual(2);
    // One push at once, then at most one per 100 ms while the burst lasts, and one for its tail.
    expect(pushes.length).toBeLessThanOrEqual(3 + Math.floor(burstMs / 100));
    expect(pushes.at(-1)!.students).toBe(50);
    for (let i = 2; i < pushes.length; i++)
      expect(pushes[i]!.at - pushes[i - 1]!.at).toBeGreaterThanOrEqual(95);
    // After unsubscribing, nothing more arrives.
    stop();
    roster.touch();
    await sleep(150);
    const count = pushes.length;
    expect(pushes).toHaveLength(count);
    feed.close();
  });

  it('wakes when the clock alone makes a student stuck', async () => {
    const roster = new Roster();
    const stuckAfterMs = 150;
    const view = () =>
      boardView(
        { room: 'r', joinCode: 'ABCDEF', headroom: null },
        roster.students(),
        Date.now(),
        stuckAfterMs,
      );
    const feed = new ClassFeed({ view, roster, now: Date.now, stuckAfterMs, minIntervalMs: 10 });
    const stuck: Array<string | null> = [];
    feed.subscribe((text) => {
      const [first] = (JSON.parse(text) as { students: Array<{ stuck: string | null }> }).students;
      stuck.push(first ? first.stuck : 'none');
    });
    roster.reserveName('Ada');
    roster.add({ id: 'st-a', name: 'Ada', secret: 's', cloud: undefined }, Date.now());
    await sleep(500);
    expect(stuck).toEqual(['none', null, 'slow']);
    feed.close();
  });
});
