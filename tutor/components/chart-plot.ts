// From timestamped samples to the lines of an asciichart plot that fits a width and a fixed height,
// with an x-axis in seconds and an optional dashed reference line. LoadChart and BacklogChart draw
// through it; the plotting itself is asciichart's.
//
// Samples arrive when the meters read them, at their own times, several series at once; asciichart
// wants one number per column. So the time from the first sample to the last (or to `spanMs`, for a
// chart that fills from the left as a run goes) is cut into as many columns as fit, and each column
// takes each series' latest sample at that time (a series starts at its first sample's value).
//
// Two details of asciichart shape the arithmetic here: its row of a value is round(value × ratio),
// so values are plotted shifted to start at 0 and the labels shifted back (the rows are then exactly
// `height` + 1 and the extreme labels are exactly the data's extremes); and the label takes one cell
// whatever its length, so a row is label, axis, one character per column.
import * as asciichart from 'asciichart';

/** One reading: when (ms since the epoch) and what. */
export interface Sample {
  at: number;
  value: number;
}

export interface PlotSeries {
  samples: readonly Sample[];
  /** An asciichart colour (an SGR sequence), e.g. asciichart.cyan. */
  color?: string;
}

export interface PlotOptions {
  /** The whole line's width: labels, axis and columns. */
  width: number;
  /** Rows between the lowest and the highest label (the plot is height + 1 lines). */
  height: number;
  decimals: number;
  /** A value drawn across the chart as a dashed line (a load of 1.0: at capacity). */
  reference?: number;
  /** Lowest value the axis must show (0 for a queue depth). */
  floor?: number;
  /** The time the x-axis spans, when longer than the samples so far. */
  spanMs?: number;
}

/** The reference line's colour, also how it is found again in asciichart's output to be dashed. */
const REFERENCE_COLOR = asciichart.darkgray;
const DASH = '╌';
/**
 * asciichart's own symbols but for the first: it marks the row of value 0 with ┼, and as the values
 * are plotted shifted (see above) that row is the top one; ┤ everywhere keeps the axis plain.
 */
const SYMBOLS: [string, string, string, string, string, string, string, string, string, string] = [
  '┤',
  '┤',
  '╶',
  '╴',
  '─',
  '╰',
  '╭',
  '╮',
  '╯',
  '│',
];

/** Smallest tick interval (seconds) leaving at least this many columns between x-axis labels. */
const TICK_SPACING = 8;
const TICK_STEPS_S = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** The series' value at each column time: its latest sample at or before it, else its first. */
function resample(samples: readonly Sample[], times: readonly number[]): number[] {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const values: number[] = [];
  let next = 0;
  for (const time of times) {
    while (next < sorted.length && sorted[next]!.at <= time) next++;
    values.push(sorted[Math.max(0, next - 1)]!.value);
  }
  return values;
}

/** The x-axis (└──┴──) and its labels in seconds, under columns starting at `left`. */
function timeAxis(left: number, columns: number, msPerColumn: number, width: number): string[] {
  const secondsPerColumn = msPerColumn / 1000;
  const step =
    TICK_STEPS_S.find((s) => secondsPerColumn === 0 || s / secondsPerColumn >= TICK_SPACING) ??
    TICK_STEPS_S.at(-1)!;
  const axis = [...`${' '.repeat(left)}└${'─'.repeat(Math.max(0, columns - 1))}`];
  const labels = [...' '.repeat(width)];
  let freeFrom = 0;
  for (let seconds = 0; ; seconds += step) {
    const column = secondsPerColumn === 0 ? 0 : Math.round(seconds / secondsPerColumn);
    if (column > columns - 1) break;
    const at = left + column;
    if (column > 0) axis[at] = '┴';
    const label = `${seconds}s`;
    // A label starts under its tick, or ends at the right edge when it would run past it.
    const start = Math.min(at, width - label.length);
    if (start >= freeFrom) {
      labels.splice(start, label.length, ...label);
      freeFrom = start + label.length + 1;
    }
    if (secondsPerColumn === 0) break;
  }
  return [axis.join(''), labels.join('').trimEnd()];
}

/**
 * The chart's lines (height + 3: the plot, the x-axis, its labels), or undefined when no series has
 * a sample yet.
 */
export function plotLines(series: readonly PlotSeries[], options: PlotOptions): string[] | undefined {
  // A reading that failed (NaN, a meter's "unavailable") is a gap, not a zero: it is left out.
  const drawn = series
    .map((s) => ({ ...s, samples: s.samples.filter((sample) => Number.isFinite(sample.value)) }))
    .filter((s) => s.samples.length > 0);
  if (drawn.length === 0) return undefined;
  const all = drawn.flatMap((s) => s.samples);
  const values = all.map((s) => s.value);
  const extra = [options.reference, options.floor].filter((v): v is number => v !== undefined);
  const min = Math.min(...values, ...extra);
  let max = Math.max(...values, ...extra);
  if (max === min) max = min + 1; // a flat series still gets rows, and a label above it
  const label = (value: number) => value.toFixed(options.decimals);
  const labelWidth = Math.max(label(min).length, label(max).length);

  const first = Math.min(...all.map((s) => s.at));
  const last = Math.max(...all.map((s) => s.at));
  // A row is the label and a space (one cell for asciichart), the axis, a character per column, and
  // asciichart's one blank cell at the end.
  const columnsThatFit = Math.max(2, options.width - labelWidth - 2);
  const span = Math.max(options.spanMs ?? 0, last - first);
  const msPerColumn = span / (columnsThatFit - 1);
  // Columns up to the last sample; with a span longer than the data, the chart is still filling in.
  const used = msPerColumn === 0 ? 1 : Math.min(columnsThatFit, Math.floor((last - first) / msPerColumn) + 1);
  const times = Array.from({ length: used }, (_, i) => first + i * msPerColumn);

  const plotted: number[][] = [];
  const colors: (string | undefined)[] = [];
  if (options.reference !== undefined) {
    plotted.push(new Array(columnsThatFit).fill(options.reference - min));
    colors.push(REFERENCE_COLOR);
  }
  for (const s of drawn) {
    plotted.push(resample(s.samples, times).map((v) => v - min));
    colors.push(s.color);
  }
  const chart = asciichart.plot(plotted, {
    min: 0,
    max: max - min,
    height: options.height,
    offset: 2,
    colors,
    format: (x) => `${label(x + min).padStart(labelWidth)} `,
    symbols: SYMBOLS,
  });
  const dashed = chart.replaceAll(
    `${REFERENCE_COLOR}─${asciichart.reset}`,
    `${REFERENCE_COLOR}${DASH}${asciichart.reset}`,
  );
  return [...dashed.split('\n'), ...timeAxis(labelWidth + 1, columnsThatFit, msPerColumn, options.width)];
}
