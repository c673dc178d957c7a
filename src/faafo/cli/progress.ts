// Progress for long `faafo create` runs. On a terminal one line is rewritten in place
// ("created 37/500"); in a pipe or a log file, where "\r" would pile up, a line is printed at
// every tenth of the way instead. Short runs print nothing: they finish before anyone looks.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** One more item finished. */
  tick(): void;
  /** Removes the live line (terminal) so the command's own output starts on a clean line. */
  done(): void;
  /**
   * Removes the live line (terminal) so that a line of output can be printed; the next tick draws
   * it again. For a batch whose rows are printed while it runs.
   */
  interrupt(): void;
}

/** Below this many items no live line is drawn on a terminal. */
export const PROGRESS_MIN_ITEMS = 20;
/** In a pipe or a log, ten lines are only worth it for a long run. */
export const PROGRESS_MIN_ITEMS_PLAIN = 100;
/** A terminal line is redrawn at most this often. */
const REDRAW_MS = 100;

export function createProgress(
  total: number,
  label: string,
  stream: ProgressStream,
  now: () => number = Date.now,
): Progress {
  if (total < (stream.isTTY ? PROGRESS_MIN_ITEMS : PROGRESS_MIN_ITEMS_PLAIN)) {
    return { tick() {}, done() {}, interrupt() {} };
  }
  let count = 0;
  if (stream.isTTY) {
    let drawnAt = Number.NEGATIVE_INFINITY;
    // Whether the live line is on screen (interrupt() takes it away until the next tick).
    let shown = false;
    const draw = () => {
      drawnAt = now();
      shown = true;
      stream.write(`\r\x1b[2K${label} ${count}/${total}`);
    };
    return {
      tick() {
        count += 1;
        if (!shown || count === total || now() - drawnAt >= REDRAW_MS) draw();
      },
      done() {
        stream.write('\r\x1b[2K');
      },
      interrupt() {
        if (shown) stream.write('\r\x1b[2K');
        shown = false;
      },
    };
  }
  let printedTenths = 0;
  return {
    tick() {
      count += 1;
      const tenths = Math.floor((count * 10) / total);
      if (tenths > printedTenths) {
        printedTenths = tenths;
        stream.write(`${label} ${count}/${total}\n`);
      }
    },
    done() {},
    interrupt() {},
  };
}
