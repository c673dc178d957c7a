// How the tutor writes a measured figure: a duration in ms, s or min, a load average with two
// decimals, a ratio as ×N. One place, so the latency panel, the before/after table and the
// prediction prompt say the same figure the same way.

/** A missing figure (not measured, no request answered yet). */
export const NO_FIGURE = '–';

const known = (n: number | null | undefined): n is number =>
  n !== null && n !== undefined && Number.isFinite(n);

/** 120 ms, 1.8 s, 2 min 05 s. */
export function formatDuration(ms: number | null | undefined): string {
  if (!known(ms)) return NO_FIGURE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** A load average as uptime prints it: two decimals. */
export function formatLoad(load: number | null | undefined): string {
  return known(load) ? load.toFixed(2) : NO_FIGURE;
}

/** A count or a rate: whole numbers as they are, others with one decimal. */
export function formatNumber(n: number | null | undefined): string {
  if (!known(n)) return NO_FIGURE;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** after ÷ before as ×N (two decimals below 10); none when either is missing or before is 0. */
export function formatRatio(before: number | null | undefined, after: number | null | undefined): string {
  if (!known(before) || !known(after) || before === 0) return NO_FIGURE;
  const ratio = after / before;
  return `×${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}`;
}
