// The load-average arithmetic of src/shared/loadavg.ts against the kernel's formula
// (kernel/sched/loadavg.c): values worked out by hand from calc_load(), the time one busy task takes
// to read 0.90 and 1.00, and the formatting of /proc/loadavg and `uptime`.
import { describe, expect, it } from 'vitest';
import {
  calcLoad,
  EXP_1,
  EXP_5,
  EXP_15,
  FIXED_1,
  formatFixed,
  formatLoadAverage,
  formatProcLoadavg,
  formatUptime,
  IDLE,
  LOAD_FREQ_MS,
  type LoadAverage,
  loadValues,
  sample,
} from '../../src/shared/loadavg.ts';

const run = (from: LoadAverage, runnable: number, samples: number) => {
  let state = from;
  for (let i = 0; i < samples; i++) state = sample(state, runnable);
  return state;
};

/** How many samples until the 1-minute average first satisfies `test`. */
const samplesUntil = (runnable: number, test: (fixed: number) => boolean) => {
  let state = IDLE;
  for (let n = 1; n <= 1000; n++) {
    state = sample(state, runnable);
    if (test(state.fixed[0])) return n;
  }
  throw new Error('never reached');
};

describe('calc_load, as the kernel computes it', () => {
  it('uses the kernel constants', () => {
    expect(FIXED_1).toBe(2048);
    expect([EXP_1, EXP_5, EXP_15]).toEqual([1884, 2014, 2037]);
    expect(LOAD_FREQ_MS).toBe(5000);
    // Each factor is 2048·e^(−5 s / period), rounded.
    expect(Math.round(2048 * Math.exp(-5 / 60))).toBe(EXP_1);
    expect(Math.round(2048 * Math.exp(-5 / 300))).toBe(EXP_5);
    expect(Math.round(2048 * Math.exp(-5 / 900))).toBe(EXP_15);
  });

  it('matches values worked out by hand from one busy task', () => {
    // 1st sample: (0·1884 + 2048·164 + 2047) / 2048 = 337919 / 2048 → 164
    expect(calcLoad(0, EXP_1, FIXED_1)).toBe(164);
    // 2nd: (164·1884 + 335872 + 2047) / 2048 = 646895 / 2048 → 315
    expect(calcLoad(164, EXP_1, FIXED_1)).toBe(315);
    // 5-minute: (0·2014 + 2048·34 + 2047) / 2048 = 71679 / 2048 → 34
    expect(calcLoad(0, EXP_5, FIXED_1)).toBe(34);
    // 15-minute: (2048·11 + 2047) / 2048 → 11
    expect(calcLoad(0, EXP_15, FIXED_1)).toBe(11);
    const seen: string[] = [];
    let state = IDLE;
    for (let i = 0; i < 6; i++) {
      state = sample(state, 1);
      seen.push(state.fixed.join('/'));
    }
    expect(seen).toEqual(['164/34/11', '315/68/22', '454/101/33', '582/134/44', '700/166/55', '808/198/66']);
  });

  it('rounds up only while the load rises: falling, it truncates', () => {
    // Falling from 1.00 with nothing runnable: 2048·1884 / 2048 = 1884 exactly, no round-up added.
    expect(calcLoad(FIXED_1, EXP_1, 0)).toBe(1884);
    // (1000·1884) / 2048 = 919.92 → 919
    expect(calcLoad(1000, EXP_1, 0)).toBe(919);
  });

  it('one busy task shows 0.90 after 27 samples (2 min 15 s) and 1.00 exactly after 68 (5 min 40 s)', () => {
    // /proc/loadavg rounds to the hundredth, so "0.90" shows one sample before the value is ≥ 0.9.
    expect(samplesUntil(1, (f) => formatFixed(f) === '0.90')).toBe(27);
    expect(samplesUntil(1, (f) => f >= 0.9 * FIXED_1)).toBe(28);
    expect(samplesUntil(1, (f) => f === FIXED_1)).toBe(68);
    // After two minutes (24 samples) one task reads 0.87: "≥ 0.9 within two minutes" needs more
    // than one runnable task (e.g. a render thread plus one waiting for the CPU).
    expect(run(IDLE, 1, 24).fixed.map(formatFixed)).toEqual(['0.87', '0.34', '0.13']);
    expect(samplesUntil(2, (f) => f >= 0.9 * FIXED_1)).toBeLessThanOrEqual(24);
    // The float exponential takes 60·ln 10 ≈ 138 s for 0.9: the same curve, to within a sample.
    expect(60 * Math.log(10)).toBeGreaterThan(27 * 5);
    expect(60 * Math.log(10)).toBeLessThan(28 * 5);
  });

  it('reaches 1.00 exactly, where a pure exponential (or truncation alone) never does', () => {
    const steady = run(IDLE, 1, 200);
    expect(steady.fixed[0]).toBe(FIXED_1);
    expect(formatFixed(steady.fixed[0])).toBe('1.00');
    // Float: 1 − e^(−n·5/60) < 1 for every n (iterated in doubles it settles at 0.9999999999999993).
    let float = 0;
    for (let n = 0; n < 200; n++) float = float * Math.exp(-5 / 60) + (1 - Math.exp(-5 / 60));
    expect(float).toBeLessThan(1);
    // The same fixed point without the round-up stalls 12 below 2048 (164·(2048 − l) < 2048).
    let truncated = 0;
    for (let n = 0; n < 500; n++)
      truncated = Math.floor((truncated * EXP_1 + FIXED_1 * (FIXED_1 - EXP_1)) / FIXED_1);
    expect(truncated).toBe(2036);
    // And it stays at 1.00 while the task runs.
    expect(sample(steady, 1).fixed[0]).toBe(FIXED_1);
  });

  it('falls back after the load: 12 idle samples (1 min) take the 1-minute average to about a third', () => {
    const busy = run(IDLE, 1, 24);
    const after = run(busy, 0, 12);
    expect(after.fixed.map(formatFixed)).toEqual(['0.32', '0.27', '0.11']);
    expect(run(run(IDLE, 1, 200), 0, 68).fixed[0]).toBe(0);
  });

  it("takes a fractional runnable count (a node's average over the 5 s) exactly as the kernel takes nr_active", () => {
    // kernel/sched/loadavg.c calc_load in BigInt, so no float rounding can agree with ours by accident.
    const kernel = (load: bigint, exp: bigint, active: bigint) =>
      (load * exp + active * (2048n - exp) + (active >= load ? 2047n : 0n)) / 2048n;
    let theirs = [0n, 0n, 0n];
    let ours = IDLE;
    const demands = [0, 1, 1, 2.5, 3, 0.2, 0, 0, 1, 1, 1, 4, 0.75, 0, 0];
    for (const demand of [...demands, ...demands, ...demands]) {
      const active = BigInt(Math.round(demand * 2048));
      theirs = [EXP_1, EXP_5, EXP_15].map((exp, i) => kernel(theirs[i]!, BigInt(exp), active));
      ours = sample(ours, demand);
      expect(ours.fixed).toEqual(theirs.map(Number));
    }
  });

  it('refuses a runnable count that is not a number ≥ 0', () => {
    expect(() => sample(IDLE, -1)).toThrow(/not a number ≥ 0/);
    expect(() => sample(IDLE, Number.NaN)).toThrow(/not a number ≥ 0/);
  });
});

describe('formatting as Linux prints it', () => {
  it('rounds to the hundredth like /proc/loadavg (FIXED_1/200 added, then truncated)', () => {
    expect(formatFixed(0)).toBe('0.00');
    expect(formatFixed(FIXED_1)).toBe('1.00');
    // 1834 + 10 = 1844; 1844·100 / 2048 = 90.04 → "0.90"; 1833 → 89.99 → "0.89"
    expect(formatFixed(1834)).toBe('0.90');
    expect(formatFixed(1833)).toBe('0.89');
    expect(formatFixed(2047)).toBe('1.00');
    expect(formatFixed(5 * FIXED_1 + 1024)).toBe('5.50');
  });

  it('prints /proc/loadavg, the uptime tail and the values', () => {
    const state: LoadAverage = { fixed: [1905, 840, 307] };
    expect(formatProcLoadavg(state, { running: 1, total: 123, lastPid: 4567 })).toBe(
      '0.93 0.41 0.15 1/123 4567',
    );
    expect(formatLoadAverage(state)).toBe('load average: 0.93, 0.41, 0.15');
    expect(loadValues(state)).toEqual([0.93, 0.41, 0.15]);
  });

  it('prints a whole line as procps uptime does', () => {
    const state: LoadAverage = { fixed: [1905, 840, 307] };
    const now = new Date(2026, 11, 2, 17, 22, 58);
    expect(formatUptime(state, { now, upSeconds: 7 * 60 + 30, users: 1 })).toBe(
      ' 17:22:58 up 7 min,  1 user,  load average: 0.93, 0.41, 0.15',
    );
    expect(formatUptime(state, { now, upSeconds: 2 * 86400 + 3 * 3600 + 4 * 60, users: 2 })).toBe(
      ' 17:22:58 up 2 days,  3:04,  2 users,  load average: 0.93, 0.41, 0.15',
    );
  });
});
