// Linux's 1/5/15-minute load averages, computed exactly as the kernel does (kernel/sched/loadavg.c):
// fixed-point numbers with 11 fractional bits, one sample of the runnable count every 5 seconds,
// each average decayed by its factor e^(-5s/1min), e^(-5s/5min), e^(-5s/15min) in that fixed point,
// and rounded up while the load is rising. That last detail matters to the lesson: a pure exponential
// average of a constant 1 approaches 1 but never reaches it, while the kernel's round-up makes one
// busy task read "1.00" after a few minutes, as `uptime` on a real one-vCPU VM shows. So the local
// cloud's nodes, the tutor and the tests share this one arithmetic instead of a float approximation.
//
// A plain state and a pure `sample()`: whoever holds the clock (a local-cloud node's sampler, a test)
// calls it every LOAD_FREQ_MS with the number of runnable tasks (running plus waiting for a CPU). The
// kernel counts whole tasks at one instant; a node's sampler measures the average over the 5 s (a
// busy task throttled part of the time is 1, two tasks sharing one vCPU are 2, a task busy 60 % of
// its vCPU is 0.6), so a count may be fractional and is rounded to the fixed point as the kernel's
// nr_active would be.

/** Fractional bits of the fixed point (FSHIFT). */
export const FSHIFT = 11;
/** 1.0 in fixed point (FIXED_1 = 1 << FSHIFT = 2048). */
export const FIXED_1 = 1 << FSHIFT;
/** 2048 · e^(-5/60): the 1-minute decay per 5-second sample. */
export const EXP_1 = 1884;
/** 2048 · e^(-5/300): the 5-minute decay. */
export const EXP_5 = 2014;
/** 2048 · e^(-5/900): the 15-minute decay. */
export const EXP_15 = 2037;
/** The kernel samples every 5 s (LOAD_FREQ = 5·HZ + 1 ticks; the extra tick is ignored here). */
export const LOAD_FREQ_MS = 5000;

/** The three averages in fixed point (avenrun[0..2]): 2048 means a load of 1.00. */
export interface LoadAverage {
  readonly fixed: readonly [number, number, number];
}

export const IDLE: LoadAverage = { fixed: [0, 0, 0] };

/**
 * One step of one average, as the kernel's calc_load(): `load` and `active` in fixed point. Integer
 * arithmetic throughout (the values stay far below 2^53, so JavaScript numbers are exact).
 */
export function calcLoad(load: number, exp: number, active: number): number {
  let newload = load * exp + active * (FIXED_1 - exp);
  // Rounding up while the load rises is what lets a constant load reach its value exactly.
  if (active >= load) newload += FIXED_1 - 1;
  return Math.floor(newload / FIXED_1);
}

/** The averages after one 5-second sample with `runnable` tasks running or waiting for a CPU. */
export function sample(state: LoadAverage, runnable: number): LoadAverage {
  if (!Number.isFinite(runnable) || runnable < 0) {
    throw new RangeError(`A load sample counts runnable tasks: ${runnable} is not a number ≥ 0.`);
  }
  const active = Math.round(runnable * FIXED_1);
  const [one, five, fifteen] = state.fixed;
  return {
    fixed: [calcLoad(one, EXP_1, active), calcLoad(five, EXP_5, active), calcLoad(fifteen, EXP_15, active)],
  };
}

/**
 * A value as /proc/loadavg prints it: the kernel adds FIXED_1/200 (half of 0.01) and then truncates
 * to two decimals (LOAD_INT, LOAD_FRAC), i.e. it rounds to the nearest hundredth.
 */
export function formatFixed(fixed: number): string {
  const rounded = fixed + FIXED_1 / 200;
  const whole = Math.floor(rounded / FIXED_1);
  const hundredths = Math.floor(((Math.floor(rounded) & (FIXED_1 - 1)) * 100) / FIXED_1);
  return `${whole}.${String(hundredths).padStart(2, '0')}`;
}

/** The three averages as numbers (what /proc/loadavg shows, parsed back: 0.93, 0.41, 0.15). */
export function loadValues(state: LoadAverage): [number, number, number] {
  const [one, five, fifteen] = state.fixed.map((f) => Number(formatFixed(f)));
  return [one!, five!, fifteen!];
}

/** The thread counts /proc/loadavg prints after the averages ("2/345 6789"). */
export interface ProcLoadavgTail {
  running: number;
  total: number;
  lastPid: number;
}

/** A line as /proc/loadavg: "0.93 0.41 0.15 1/123 4567". */
export function formatProcLoadavg(state: LoadAverage, tail: ProcLoadavgTail): string {
  const averages = state.fixed.map(formatFixed).join(' ');
  return `${averages} ${tail.running}/${tail.total} ${tail.lastPid}`;
}

/** The end of `uptime`'s line: "load average: 0.93, 0.41, 0.15". */
export function formatLoadAverage(state: LoadAverage): string {
  return `load average: ${state.fixed.map(formatFixed).join(', ')}`;
}

/** What `uptime` needs besides the load. */
export interface UptimeFacts {
  /** The wall-clock time shown first (local time of the node). */
  now: Date;
  /** Seconds since the node booted. */
  upSeconds: number;
  users: number;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A line as procps' `uptime` prints it:
 * " 17:22:58 up 2 days,  3:04,  1 user,  load average: 0.93, 0.41, 0.15".
 */
export function formatUptime(state: LoadAverage, facts: UptimeFacts): string {
  const { now, users } = facts;
  const minutesUp = Math.floor(facts.upSeconds / 60);
  const days = Math.floor(minutesUp / 1440);
  const hours = Math.floor((minutesUp % 1440) / 60);
  const minutes = minutesUp % 60;
  let line = ` ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())} up `;
  if (days > 0) line += `${days} day${days === 1 ? '' : 's'}, `;
  line += hours > 0 ? `${String(hours).padStart(2, ' ')}:${two(minutes)}, ` : `${minutes} min, `;
  line += `${String(users).padStart(2, ' ')} user${users === 1 ? '' : 's'}, `;
  return `${line} ${formatLoadAverage(state)}`;
}
