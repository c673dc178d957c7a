// Linux's load average, as kernel/sched/loadavg.c computes it: fixed point with 11 fractional bits,
// every 5 s each average decays toward the current demand by its factor (e^(-5/60), e^(-5/300),
// e^(-5/900) in fixed point), rounding up while demand is at or above the average. The local cloud
// feeds it a node's own demand (demand.ts), so a node's `uptime` reads like a VM's of that size.

export const FSHIFT = 11;
export const FIXED_1 = 1 << FSHIFT;
export const EXP_1 = 1884;
export const EXP_5 = 2014;
export const EXP_15 = 2037;
/** The kernel samples every 5 s (LOAD_FREQ is 5 HZ + 1 tick); so does the local cloud. */
export const LOAD_INTERVAL_MS = 5000;

/** The three averages, in fixed point (FIXED_1 is a load of 1.00). */
export type FixedLoads = readonly [number, number, number];

export const ZERO_LOADS: FixedLoads = [0, 0, 0];

/** calc_load: one decay step of one average toward `active` (both fixed point). */
export function calcLoad(load: number, exp: number, active: number): number {
  let next = load * exp + active * (FIXED_1 - exp);
  if (active >= load) next += FIXED_1 - 1;
  return Math.floor(next / FIXED_1);
}

/** The number of runnable tasks as the kernel counts it: fixed point, never negative. */
export function toFixed(demand: number): number {
  return Math.max(0, Math.round(demand * FIXED_1));
}

/** One 5-second step of all three averages with the demand measured over that interval. */
export function stepLoads(loads: FixedLoads, demand: number): FixedLoads {
  const active = toFixed(demand);
  return [
    calcLoad(loads[0], EXP_1, active),
    calcLoad(loads[1], EXP_5, active),
    calcLoad(loads[2], EXP_15, active),
  ];
}

/** "1.02" as /proc/loadavg prints a fixed-point load (it adds FIXED_1/200 to round to 2 places). */
export function formatLoad(fixed: number): string {
  const rounded = fixed + Math.floor(FIXED_1 / 200);
  const whole = rounded >> FSHIFT;
  const hundredths = ((rounded & (FIXED_1 - 1)) * 100) >> FSHIFT;
  return `${whole}.${String(hundredths).padStart(2, '0')}`;
}

/** The averages as plain numbers rounded to two places, for JSON. */
export function loadNumbers(loads: FixedLoads): [number, number, number] {
  return [Number(formatLoad(loads[0])), Number(formatLoad(loads[1])), Number(formatLoad(loads[2]))];
}

/** A line in /proc/loadavg's format: "0.52 0.31 0.12 1/7 12345" (running/total tasks, last pid). */
export function procLoadavgLine(
  loads: FixedLoads,
  tasks: { running: number; total: number; lastPid: number },
): string {
  return `${loads.map(formatLoad).join(' ')} ${tasks.running}/${tasks.total} ${tasks.lastPid}\n`;
}
