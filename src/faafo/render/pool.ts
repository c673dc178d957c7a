// A long-lived set of render threads that share out the rows of ONE image, so a single task uses
// every vCPU. Rows go out in bands on demand (Julia rows differ a lot in cost, so a static split
// would leave threads idle); each band comes back by transfer and is copied into the one full
// image buffer, which is the only full copy that exists.
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

export interface PoolRender {
  /** width·height·3 RGB bytes, row 0 first. */
  pixels: Uint8Array;
  /** How many z = z²+c steps the image took. */
  steps: number;
  /** Seconds the threads spent on this image, not counting any wait behind other renders. */
  seconds: number;
}

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

  /** Renders one image with all the pool's threads. Renders queue up and run one at a time. */
  async render(params: RenderParams, c: Complex): Promise<PoolRender> {
    const p = validateParams(params);
    const cc = validateComplex(c);
    if (this.#closed) throw new Error('the render pool is closed');
    const run = this.#tail.then(() => this.#run(p, cc));
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

  #run(params: RenderParams, c: Complex): Promise<PoolRender> {
    if (this.#closed) return Promise.reject(new Error('the render pool is closed'));
    if (!this.#workers) this.#workers = this.#spawn();
    const workers = this.#workers;
    const job = ++this.#jobId;
    const { width, height } = params;
    const rowBytes = width * 3;
    const rows = bandRows(width, height, workers.length);
    const started = performance.now();
    const pixels = new Uint8Array(height * rowBytes);
    let nextRow = 0;
    let pending = 0;
    let steps = 0;

    return new Promise<PoolRender>((resolve, reject) => {
      const finish = (): void => {
        this.#job = undefined;
        for (const w of workers) w.unref();
      };
      const dispatch = (worker: Worker, buffer?: ArrayBuffer): void => {
        if (nextRow >= height) return;
        const rowEnd = Math.min(height, nextRow + rows);
        const request: BandRequest = { job, params, c, rowStart: nextRow, rowEnd };
        if (buffer) request.buffer = buffer;
        worker.postMessage(request, buffer ? [buffer] : []);
        nextRow = rowEnd;
        pending++;
      };
      this.#job = {
        onBand: (worker, band) => {
          if (band.job !== job) return;
          pixels.set(band.pixels, band.rowStart * rowBytes);
          steps += band.steps;
          pending--;
          // The band's buffer goes back with the next request: without this, freed band buffers
          // pile up (about a third of the image) until the main thread's next garbage collection.
          dispatch(worker, band.pixels.buffer);
          if (pending === 0 && nextRow >= height) {
            finish();
            resolve({ pixels, steps, seconds: (performance.now() - started) / 1000 });
          }
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      for (const w of workers) {
        w.ref();
        for (let k = 0; k < IN_FLIGHT; k++) dispatch(w);
      }
    });
  }
}

/** A pool of `threads` render threads (default: the node's vCPUs). */
export function createRenderPool(threads?: number): RenderPool {
  return new RenderPool(threads === undefined ? {} : { threads });
}
