// A long-lived set of render threads that share out the rows of ONE image, so a single task uses
// every vCPU. Rows go out in bands on demand (Julia rows differ a lot in cost, so a static split
// would leave threads idle) and are handed on in row order to whoever consumes them: the PNG
// encoder, band by band, so no full-size copy of the image need ever exist (`renderBands`), or one
// full image buffer for the callers that want the pixels (`render`).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BandRequest, BandResult } from './band.ts';
import { type Complex, type RenderParams, validateComplex, validateParams } from './params.ts';

export interface PoolOptions {
  /** How many threads render one image; default: the node's vCPUs. */
  threads?: number;
  /** The thread's module (tests substitute a failing one); default: ./thread.ts (./thread.js built). */
  threadModule?: URL;
}

export interface BandsRender {
  /** How many z = z²+c steps the image took. */
  steps: number;
  /** Seconds until the image's last row was drawn, not counting any wait behind other renders. */
  seconds: number;
}

export interface PoolRender extends BandsRender {
  /** width·height·3 RGB bytes, row 0 first. */
  pixels: Uint8Array;
}

/** Rows [rowStart, rowEnd) of the image, width·3 RGB bytes per row. */
export interface DrawnBand {
  rowStart: number;
  rowEnd: number;
  pixels: Uint8Array;
}

/**
 * Takes the bands in row order, one at a time. The pool reuses a band's bytes once the sink returns
 * (or its promise settles), so a sink copies what it keeps; a sink that throws or rejects fails the
 * render.
 */
export type BandSink = (band: DrawnBand) => void | Promise<void>;

// The thread's module sits beside this one: thread.ts in the sources, thread.js in the build.
const DEFAULT_THREAD_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './thread.ts' : './thread.js',
  import.meta.url,
);

// A .ts thread module runs through tsx, but tsx registers itself only on the main thread on Node 20,
// so such a thread first registers tsx's ESM hooks, then loads its module. The hooks are resolved
// from here, not from the working directory, so this works wherever faafo is run. The build's .js
// module needs no hooks.
function bootstrap(module: URL): string {
  if (!module.pathname.endsWith('.ts')) return `import(${JSON.stringify(module.href)});`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); });`;
}

// Many bands per thread balance the uneven rows (measured: 16 beats 4, 8 and 32 at 1024²); a 4 MiB
// cap keeps each transferred chunk small.
const BANDS_PER_THREAD = 16;
const MAX_BAND_BYTES = 4 * 1024 * 1024;
// Two bands queued per thread, so a thread never idles waiting for its next request.
const IN_FLIGHT = 2;
// Bands are handed on in row order, so the threads may draw only this many bands (per thread) past
// the first one not yet handed on: it bounds the bands held in memory while one slow band or a
// slow consumer holds up the rest, and leaves each thread a band of slack beyond its queue.
export const BANDS_AHEAD_PER_THREAD = IN_FLIGHT + 1;

function bandRows(width: number, height: number, threads: number): number {
  const byCount = Math.ceil(height / (threads * BANDS_PER_THREAD));
  const bySize = Math.floor(MAX_BAND_BYTES / (width * 3));
  return Math.max(1, Math.min(byCount, bySize));
}

/** The state of the one render in progress. */
interface Job {
  onBand(worker: Worker, band: BandResult): void;
  fail(error: Error): void;
}

export class RenderPool {
  readonly threads: number;
  readonly #threadModule: URL;
  #workers: Worker[] | undefined;
  #job: Job | undefined;
  #jobId = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: PoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${String(threads)}`);
    }
    this.threads = threads;
    this.#threadModule = options.threadModule ?? DEFAULT_THREAD_MODULE;
    // Start now, so the threads' start-up is paid before the first task, not during it.
    this.#workers = this.#spawn();
  }

  /**
   * Renders one image with all the pool's threads into one full image buffer. Renders queue up and
   * run one at a time.
   */
  async render(params: RenderParams, c: Complex): Promise<PoolRender> {
    const rowBytes = params.width * 3;
    let pixels: Uint8Array | undefined;
    const { steps, seconds } = await this.renderBands(params, c, (band) => {
      // Allocated when the render starts, not while it waits in the queue.
      pixels ??= new Uint8Array(params.height * rowBytes);
      pixels.set(band.pixels, band.rowStart * rowBytes);
    });
    // Every image has at least one band, so the buffer exists.
    return { pixels: pixels!, steps, seconds };
  }

  /**
   * Renders one image with all the pool's threads and hands its bands to `sink` in row order, while
   * the threads draw the next ones. Only a few bands per thread exist at a time: a slow sink holds
   * the threads back rather than letting drawn bands pile up. Renders queue up and run one at a time.
   */
  async renderBands(params: RenderParams, c: Complex, sink: BandSink): Promise<BandsRender> {
    const p = validateParams(params);
    const cc = validateComplex(c);
    if (this.#closed) throw new Error('the render pool is closed');
    const run = this.#tail.then(() => this.#run(p, cc, sink));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Stops the threads; a render in progress or queued is rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#job?.fail(new Error('the render pool was closed during a render'));
    await this.#discard();
  }

  #spawn(): Worker[] {
    const workers: Worker[] = [];
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(bootstrap(this.#threadModule), {
        eval: true,
        execArgv: [],
        name: `faafo-render-${i}`,
      });
      // Idle threads must not keep the process alive (a CLI that forgets close() still exits).
      worker.unref();
      worker.on('message', (band: BandResult) => this.#job?.onBand(worker, band));
      worker.on('error', (error) => this.#failed(worker, error));
      worker.on('exit', (code) =>
        this.#failed(worker, new Error(`a render thread exited with code ${code}`)),
      );
      workers.push(worker);
    }
    return workers;
  }

  // A thread that fails (or dies, even while idle) takes the whole set with it: the job in progress
  // is rejected and the next render starts fresh threads.
  #failed(worker: Worker, error: Error): void {
    if (!this.#workers?.includes(worker)) return; // already discarded: an expected exit
    void this.#discard();
    this.#job?.fail(new Error(`render thread failed: ${error.message}`, { cause: error }));
  }

  async #discard(): Promise<void> {
    const workers = this.#workers ?? [];
    this.#workers = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #run(params: RenderParams, c: Complex, sink: BandSink): Promise<BandsRender> {
    if (this.#closed) return Promise.reject(new Error('the render pool is closed'));
    if (!this.#workers) this.#workers = this.#spawn();
    const workers = this.#workers;
    const job = ++this.#jobId;
    const { height } = params;
    const rows = bandRows(params.width, height, workers.length);
    const bandCount = Math.ceil(height / rows);
    const ahead = workers.length * BANDS_AHEAD_PER_THREAD;
    const started = performance.now();
    const queued = new Map<Worker, number>(workers.map((w) => [w, 0]));
    // Drawn bands waiting for their turn, by band index.
    const drawn = new Map<number, BandResult>();
    // Buffers of bands already handed on, sent back with the next requests for reuse.
    const spare: ArrayBuffer[] = [];
    let nextBand = 0;
    let handedOn = 0;
    let arrived = 0;
    let steps = 0;
    let seconds = 0;
    let handing = false;
    let failed = false;

    return new Promise<BandsRender>((resolve, reject) => {
      const finish = (): void => {
        this.#job = undefined;
        for (const w of workers) w.unref();
      };
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        finish();
        reject(error);
      };
      const dispatch = (): void => {
        for (const worker of workers) {
          while (queued.get(worker)! < IN_FLIGHT && nextBand < bandCount && nextBand < handedOn + ahead) {
            const rowStart = nextBand * rows;
            const request: BandRequest = {
              job,
              params,
              c,
              rowStart,
              rowEnd: Math.min(height, rowStart + rows),
            };
            const buffer = spare.pop();
            if (buffer) request.buffer = buffer;
            worker.postMessage(request, buffer ? [buffer] : []);
            queued.set(worker, queued.get(worker)! + 1);
            nextBand++;
          }
        }
      };
      // One hand-over loop at a time, so the sink sees the bands strictly in order.
      const handOn = async (): Promise<void> => {
        if (handing) return;
        handing = true;
        try {
          for (let band = drawn.get(handedOn); band && !failed; band = drawn.get(handedOn)) {
            drawn.delete(handedOn);
            await sink({ rowStart: band.rowStart, rowEnd: band.rowEnd, pixels: band.pixels });
            handedOn++;
            // The band's buffer goes back with a later request: without this, freed band buffers
            // pile up until the main thread's next garbage collection.
            spare.push(band.pixels.buffer);
            dispatch();
          }
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        } finally {
          handing = false;
        }
        if (handedOn === bandCount && !failed) {
          finish();
          resolve({ steps, seconds });
        }
      };
      this.#job = {
        onBand: (worker, band) => {
          if (band.job !== job || failed) return;
          queued.set(worker, queued.get(worker)! - 1);
          steps += band.steps;
          if (++arrived === bandCount) seconds = (performance.now() - started) / 1000;
          drawn.set(band.rowStart / rows, band);
          dispatch();
          void handOn();
        },
        fail,
      };
      for (const w of workers) w.ref();
      dispatch();
    });
  }
}

/** A pool of `threads` render threads (default: the node's vCPUs). */
export function createRenderPool(threads?: number): RenderPool {
  return new RenderPool(threads === undefined ? {} : { threads });
}
