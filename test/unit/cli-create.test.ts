// `faafo create` as a stream, and the limits of every count typed to `create` and `render`: a
// typo such as `--tasks 999999999` fails at once with one sentence, and a batch within the limit
// draws, sends and prints its tasks a few at a time, so its memory does not grow with its size.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../src/faafo/cli/bounded.ts';
import type { FaafoClient } from '../../src/faafo/cli/client.ts';
import { CREATE_CONCURRENCY, createCommand, planTasks } from '../../src/faafo/cli/commands/create.ts';
import { CREATED_FIELDS, FITTED_TABLE_ROWS } from '../../src/faafo/cli/commands/created-table.ts';
import { renderCommand } from '../../src/faafo/cli/commands/render.ts';
import type { CliContext } from '../../src/faafo/cli/context.ts';
import { CliError, UsageError } from '../../src/faafo/cli/errors.ts';
import { flagOf, MAX_COORDINATE, MAX_TASKS } from '../../src/faafo/cli/limits.ts';
import { renderTable } from '../../src/faafo/cli/tables.ts';
import type { Fractal, NewFractal } from '../../src/faafo/model.ts';
import { EXIT_USAGE } from '../../src/shared/user-error.ts';

/** The UsageError (exit 2) that `run` throws; fails the test if it throws anything else. */
function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(EXIT_USAGE);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

interface Capture {
  text: string;
  isTTY?: boolean;
  write(data: string | Uint8Array): boolean;
}

function capture(log: string[] = [], name = '', isTTY = false): Capture {
  const out: Capture = {
    text: '',
    isTTY,
    write(data) {
      out.text += String(data);
      log.push(`${name}${String(data)}`);
      return true;
    },
  };
  return out;
}

/** What the API answers for a new fractal besides its parameters. */
const NOT_RENDERED_YET = {
  checksum: null,
  url: null,
  duration: null,
  size: null,
  generated_by: null,
  failure: null,
};

/** A stand-in for the API: answers each POST at once (or after `delay`), as the real one would. */
function fakeApi(options: { delay?: () => number; fail?: (n: number) => Error | undefined } = {}) {
  const api = { posted: 0, inFlight: 0, maxInFlight: 0, onPost: (_n: number) => {} };
  const client = {
    async create(task: NewFractal): Promise<Fractal> {
      api.posted += 1;
      const n = api.posted;
      api.onPost(n);
      api.inFlight += 1;
      api.maxInFlight = Math.max(api.maxInFlight, api.inFlight);
      const delay = options.delay?.() ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      api.inFlight -= 1;
      const error = options.fail?.(n);
      if (error) throw error;
      return { ...task, ...NOT_RENDERED_YET, state: 'pending' };
    },
  };
  return { api, client: client as unknown as FaafoClient };
}

function contextWith(client: FaafoClient, stdout: Capture, stderr: Capture = capture()): CliContext {
  return { stdout, stderr, info() {}, debug() {}, client: () => client };
}

describe('limits of what a user types', () => {
  it('--tasks 999999999 fails at once, before a task is drawn', () => {
    let draws = 0;
    const error = usageErrorOf(() =>
      planTasks({ tasks: 999_999_999 }, () => {
        draws += 1;
        return 0.5;
      }),
    );
    expect(error.message).toBe(
      `--tasks 999999999 is more than the ${MAX_TASKS} fractals faafo create asks for in one run; run it several times for a larger batch.`,
    );
    expect(draws).toBe(0);
    expect(usageErrorOf(() => planTasks({ maxTasks: MAX_TASKS + 1 })).message).toMatch(/^--max-tasks /);
    expect(usageErrorOf(() => planTasks({ minTasks: MAX_TASKS + 1 })).message).toMatch(/^--min-tasks /);
  });

  it('the largest batch is planned without drawing a task until it is asked for', () => {
    let draws = 0;
    const plan = planTasks({ tasks: MAX_TASKS }, () => {
      draws += 1;
      return 0.5;
    });
    expect(plan.count).toBe(MAX_TASKS);
    expect(draws).toBe(0);
    const [first] = plan;
    expect(first?.uuid).toMatch(/^[0-9a-f-]{36}$/);
    // One draw per random parameter of that one task: width, height, iterations, xa, xb, ya, yb.
    expect(draws).toBe(7);
  });

  it('sizes up to what any faafo API accepts; the window within ±1000000', () => {
    const cases: [Record<string, number>, RegExp][] = [
      [{ width: 100_001 }, /^--width 100001 is more than the 100000 pixels any faafo API accepts; /],
      [{ maxHeight: 100_001 }, /^--max-height 100001 is more than the 100000 pixels/],
      [{ minIterations: 1_000_001 }, /^--min-iterations 1000001 is more than the 1000000 iterations/],
      [{ xa: MAX_COORDINATE + 1 }, /^--xa 1000001 is outside the range from -1000000 to 1000000/],
      [{ minYb: -MAX_COORDINATE - 1 }, /^--min-yb -1000001 is outside .*the Julia set lies within about ±2/],
    ];
    for (const [options, message] of cases) {
      expect(usageErrorOf(() => planTasks(options)).message).toMatch(message);
    }
    // At the limits themselves: accepted (the API may still refuse what its own settings do not allow).
    const [task] = planTasks({ tasks: 1, width: 100_000, height: 100_000, iterations: 1_000_000, xa: -1e6 });
    expect(task).toMatchObject({ width: 100_000, height: 100_000, iterations: 1_000_000, xa: -1e6 });
  });

  it('render refuses an image it could not hold, and too many threads, before it loads the renderer', async () => {
    const ctx = contextWith(fakeApi().client, capture());
    const render = (extra: Record<string, number>) =>
      renderCommand(ctx, {
        width: 64,
        height: 64,
        iterations: 16,
        xa: -2,
        xb: 2,
        ya: -1.5,
        yb: 1.5,
        c: { re: -0.8, im: 0.156 },
        // A directory that does not exist: a limit must be what fails first.
        output: '/nonexistent-faafo-dir/x.png',
        ...extra,
      });
    await expect(render({ width: 10_001 })).rejects.toThrow(
      /^--width 10001 is more than the 10000 pixels a side faafo render draws; choose a smaller size\.$/,
    );
    await expect(render({ height: 10_001 })).rejects.toThrow(/^--height 10001 is more than/);
    await expect(render({ iterations: 1_000_001 })).rejects.toThrow(/^--iterations 1000001 /);
    await expect(render({ threads: 257 })).rejects.toThrow(
      /^--threads 257 is more than the 256 threads faafo render starts; leave --threads out/,
    );
    await expect(render({ yb: 2e6 })).rejects.toThrow(/^--yb 2000000 is outside/);
    await expect(render({ threads: 257 })).rejects.toBeInstanceOf(UsageError);
  });

  it('names options as they are typed', () => {
    expect(flagOf('tasks')).toBe('--tasks');
    expect(flagOf('minIterations')).toBe('--min-iterations');
  });
});

describe('mapBounded', () => {
  it('pulls from an endless source only as lanes free up, in order, never more than the limit at once', async () => {
    let pulled = 0;
    function* endless() {
      for (let i = 0; ; i++) {
        pulled += 1;
        yield i;
      }
    }
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: number[] = [];
    for await (const outcome of mapBounded(endless(), 4, async (i) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Later jobs often finish first: the outcomes must still come in input order.
      await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
      inFlight -= 1;
      return i * 2;
    })) {
      expect(outcome.ok).toBe(true);
      if (outcome.ok) seen.push(outcome.value);
      if (seen.length === 100) break;
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect(maxInFlight).toBe(4);
    expect(pulled).toBeLessThanOrEqual(100 + 4);
  });

  it('stops pulling once stopOn says the rest is pointless, and hands on what was in flight', async () => {
    let pulled = 0;
    const source = {
      *[Symbol.iterator]() {
        for (let i = 0; i < 1000; i++) {
          pulled += 1;
          yield i;
        }
      },
    };
    const outcomes = [];
    for await (const outcome of mapBounded(
      source,
      3,
      async (i) => {
        if (i >= 5) throw new Error(`down at ${i}`);
        return i;
      },
      { stopOn: () => true },
    )) {
      outcomes.push(outcome);
    }
    expect(outcomes.filter((o) => o.ok)).toHaveLength(5);
    expect(outcomes.find((o) => !o.ok)).toMatchObject({ ok: false, error: new Error('down at 5') });
    expect(pulled).toBeLessThan(10);
  });
});

describe('faafo create as a stream', () => {
  it('a small batch prints the fitted table of before, in the order the tasks were drawn', async () => {
    const { api, client } = fakeApi({ delay: () => Math.random() * 3 });
    const stdout = capture();
    await createCommand(contextWith(client, stdout), { tasks: 12 });
    expect(api.posted).toBe(12);
    expect(api.maxInFlight).toBeLessThanOrEqual(CREATE_CONCURRENCY);
    const rows = [
      ...stdout.text.matchAll(/^\| ([0-9a-f-]{36}) \| +(\d+ x \d+ pixels) +\| +(\d+) +\|$/gm),
    ].map((m) => [m[1]!, m[2]!, m[3]!]);
    expect(rows).toHaveLength(12);
    expect(stdout.text).toBe(
      `${renderTable({ fields: CREATED_FIELDS, rows })}\nCreated 12 fractal(s); they are queued for rendering. Watch them with: faafo list\n`,
    );
  });

  it('a large batch prints its rows as they are created, in one aligned table', async () => {
    const { api, client } = fakeApi();
    const stdout = capture();
    const total = FITTED_TABLE_ROWS + 50;
    let firstRowAt: number | undefined;
    api.onPost = (n) => {
      // A row is on stdout long before the last POST: nothing waits for the whole batch.
      if (firstRowAt === undefined && stdout.text.includes('pixels')) firstRowAt = n;
    };
    await createCommand(contextWith(client, stdout), { tasks: total });
    expect(api.posted).toBe(total);
    expect(firstRowAt).toBeLessThanOrEqual(2 * CREATE_CONCURRENCY);
    const lines = stdout.text.trimEnd().split('\n');
    const summary = lines.pop();
    expect(summary).toBe(
      `Created ${total} fractal(s); they are queued for rendering. Watch them with: faafo list`,
    );
    expect(lines).toHaveLength(total + 4);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    expect(lines[1]).toMatch(/^\| +UUID +\| +Dimensions +\| +Iterations +\|$/);
    expect(lines.at(-1)).toBe(lines[0]);
  });

  it('on a terminal, clears the live progress line before each row it prints', async () => {
    const log: string[] = [];
    const stdout = capture(log, 'out:', true);
    const stderr = capture(log, 'err:', true);
    await createCommand(contextWith(fakeApi().client, stdout, stderr), { tasks: FITTED_TABLE_ROWS + 1 });
    let live = false;
    for (const entry of log) {
      if (entry.startsWith('err:')) live = !entry.endsWith('\x1b[2K');
      else expect(live, `a row written over the progress line: ${entry}`).toBe(false);
    }
    expect(stderr.text).toContain(`created ${FITTED_TABLE_ROWS + 1}/${FITTED_TABLE_ROWS + 1}`);
  });

  it('reports the first failure after printing what was created', async () => {
    const { client } = fakeApi({ fail: (n) => (n % 3 === 0 ? new Error('the API said no') : undefined) });
    const stdout = capture();
    const total = FITTED_TABLE_ROWS + 2;
    const failed = Math.floor(total / 3);
    await expect(createCommand(contextWith(client, stdout), { tasks: total })).rejects.toThrow(
      new CliError(
        `${failed} of the ${total} fractals could not be created; the first error: the API said no`,
      ),
    );
    expect(stdout.text).toContain(`Created ${total - failed} fractal(s)`);
  });

  it(`keeps its memory flat: ${MAX_TASKS} tasks need no more heap than a few`, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const liveHeap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const { api, client } = fakeApi();
    const discard = { write: () => true };
    const samples: number[] = [];
    api.onPost = (n) => {
      if (n % 5000 === 0) samples.push(liveHeap());
    };
    const before = liveHeap();
    await createCommand(contextWith(client, discard as unknown as Capture), { tasks: MAX_TASKS });
    expect(api.posted).toBe(MAX_TASKS);
    const growth = Math.max(...samples) - before;
    // Holding the tasks, their outcomes and the table's rows took tens of MB here.
    expect(growth, `${(growth / 2 ** 20).toFixed(1)} MB`).toBeLessThan(4 * 2 ** 20);
  }, 60_000);
});
