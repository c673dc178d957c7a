// How fractal values are written in `faafo list` and `faafo show`, matching the original's output
// (see the guide's tables): "952 x 382 pixels", "34239 bytes", "1.671410 seconds", "-2.61217".
import type { Fractal } from '../model.ts';

/** Shown where the original would have crashed on a None (a pending fractal has no size yet). */
export const MISSING = '-';

/**
 * Python's `'%g' % x` (6 significant digits, trailing zeros dropped). The guide's MySQL columns are
 * single precision and print like this (`-2.61217`, `2.7832`); our doubles are rounded to match.
 */
export function formatFloat(x: number, significant = 6): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '', expText = '0'] = x.toExponential(significant - 1).split('e');
  const exponent = Number(expText);
  if (exponent < -4 || exponent >= significant) {
    const m = stripZeros(mantissa);
    const sign = exponent < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return stripZeros(x.toFixed(Math.max(0, significant - 1 - exponent)));
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** `'%f seconds' % duration`: six decimals, as the original. */
export function formatDuration(seconds: number | null): string {
  return seconds === null ? MISSING : `${seconds.toFixed(6)} seconds`;
}

export function formatDimensions(f: Pick<Fractal, 'width' | 'height'>): string {
  return `${f.width} x ${f.height} pixels`;
}

/** `size or 0`, as the original's list (a pending fractal shows 0 bytes). */
export function formatListSize(size: number | null): string {
  return `${size ?? 0} bytes`;
}

export function formatBytes(size: number | null): string {
  return size === null ? MISSING : `${size} bytes`;
}

/** The rows of `faafo list`: UUID | Dimensions | Filesize. */
export function listRows(fractals: readonly Fractal[]): string[][] {
  return fractals.map((f) => [f.uuid, formatDimensions(f), formatListSize(f.size)]);
}

/**
 * The rows of `faafo show`, in the original's order. Where the original crashed on a pending
 * fractal (None in "%f"), we print `-` and add a state row; a failed fractal also says why.
 */
export function showRows(f: Fractal): string[][] {
  const rows: string[][] = [
    ['uuid', f.uuid],
    ['duration', formatDuration(f.duration)],
    ['dimensions', formatDimensions(f)],
    ['iterations', String(f.iterations)],
    ['xa', formatFloat(f.xa)],
    ['xb', formatFloat(f.xb)],
    ['ya', formatFloat(f.ya)],
    ['yb', formatFloat(f.yb)],
    ['size', formatBytes(f.size)],
    ['checksum', f.checksum ?? MISSING],
    ['generated_by', f.generated_by ?? MISSING],
  ];
  if (f.state !== 'done') rows.push(['state', f.state]);
  if (f.state === 'failed') rows.push(['failure', f.failure ?? 'unknown']);
  return rows;
}
