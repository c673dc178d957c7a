// The CLI's output must look like the original's (the guide's `faafo list` / `faafo show`), and
// `create` must pick parameters the way the original did.
import { describe, expect, it } from 'vitest';
import { apiMessageOf, describeNetworkError, FaafoClient } from '../../src/faafo/cli/client.ts';
import { planTasks } from '../../src/faafo/cli/commands/create.ts';
import { LIST_FIELDS } from '../../src/faafo/cli/commands/list.ts';
import { SHOW_FIELDS } from '../../src/faafo/cli/commands/show.ts';
import { CliError } from '../../src/faafo/cli/errors.ts';
import { formatDuration, formatFloat, listRows, showRows } from '../../src/faafo/cli/format.ts';
import { parseComplex, parseFloatValue, parseInteger } from '../../src/faafo/cli/parse.ts';
import { usageLine } from '../../src/faafo/cli/program.ts';
import { createProgress } from '../../src/faafo/cli/progress.ts';
import {
  DEFAULT_RANGES,
  pickTaskCount,
  randint,
  randomTask,
  type TaskRanges,
  uniform,
} from '../../src/faafo/cli/random-task.ts';
import { justify, renderTable } from '../../src/faafo/cli/tables.ts';
import type { Fractal } from '../../src/faafo/model.ts';

function fractal(overrides: Partial<Fractal>): Fractal {
  return {
    uuid: '00000000-0000-4000-8000-000000000000',
    checksum: null,
    url: null,
    duration: null,
    size: null,
    width: 256,
    height: 256,
    iterations: 128,
    xa: -1,
    xb: 1,
    ya: -0.5,
    yb: 0.5,
    generated_by: null,
    state: 'pending',
    failure: null,
    ...overrides,
  };
}

const done = (uuid: string, width: number, height: number, size: number, extra: Partial<Fractal> = {}) =>
  fractal({ uuid, width, height, size, checksum: `sum-${uuid}`, duration: 1, state: 'done', ...extra });

// The guide's `faafo list`, as PrettyTable 0.7 printed it (the guide's HTML lost the runs of spaces).
const SEED_LIST = `\
+--------------------------------------+------------------+-------------+
|                 UUID                 |    Dimensions    |   Filesize  |
+--------------------------------------+------------------+-------------+
| 410bca6e-baa7-4d82-9ec0-78e409db7ade | 295 x 738 pixels | 26283 bytes |
| 66054419-f721-492f-8964-a5c9291d0524 | 904 x 860 pixels | 78666 bytes |
| d123e9c1-3934-4ffd-8b09-0032ca2b6564 | 952 x 382 pixels | 34239 bytes |
| f51af10a-084d-4314-876a-6d0b9ea9e735 | 877 x 708 pixels | 93679 bytes |
+--------------------------------------+------------------+-------------+`;

// The guide's `faafo show d123e9c1-…` (MySQL FLOAT columns: the coordinates are single precision).
const SEED_SHOW = `\
+--------------+------------------------------------------------------------------+
| Parameter    | Value                                                            |
+--------------+------------------------------------------------------------------+
| uuid         | d123e9c1-3934-4ffd-8b09-0032ca2b6564                             |
| duration     | 1.671410 seconds                                                 |
| dimensions   | 952 x 382 pixels                                                 |
| iterations   | 168                                                              |
| xa           | -2.61217                                                         |
| xb           | 3.98459                                                          |
| ya           | -1.89725                                                         |
| yb           | 2.36849                                                          |
| size         | 34239 bytes                                                      |
| checksum     | d2025a9cf60faca1aada854d4cac900041c6fa762460f86ab39f42ccfe305ffe |
| generated_by | app-worker-2                                                     |
+--------------+------------------------------------------------------------------+`;

// The same lines exactly as they appear in the seed text, whitespace collapsed.
const SEED_LIST_COLLAPSED = [
  '+--------------------------------------+------------------+-------------+',
  '| UUID | Dimensions | Filesize |',
  '+--------------------------------------+------------------+-------------+',
  '| 410bca6e-baa7-4d82-9ec0-78e409db7ade | 295 x 738 pixels | 26283 bytes |',
  '| 66054419-f721-492f-8964-a5c9291d0524 | 904 x 860 pixels | 78666 bytes |',
  '| d123e9c1-3934-4ffd-8b09-0032ca2b6564 | 952 x 382 pixels | 34239 bytes |',
  '| f51af10a-084d-4314-876a-6d0b9ea9e735 | 877 x 708 pixels | 93679 bytes |',
  '+--------------------------------------+------------------+-------------+',
];

const collapse = (table: string) => table.split('\n').map((line) => line.replace(/ +/g, ' '));

const seedFractals = [
  done('410bca6e-baa7-4d82-9ec0-78e409db7ade', 295, 738, 26283),
  done('66054419-f721-492f-8964-a5c9291d0524', 904, 860, 78666),
  done('d123e9c1-3934-4ffd-8b09-0032ca2b6564', 952, 382, 34239),
  done('f51af10a-084d-4314-876a-6d0b9ea9e735', 877, 708, 93679),
];

// What the guide's fractal looks like in our API: doubles (SQLite), not MySQL's single precision.
const seedShown = done('d123e9c1-3934-4ffd-8b09-0032ca2b6564', 952, 382, 34239, {
  duration: 1.67141,
  iterations: 168,
  xa: -2.612174987792969,
  xb: 3.984591007232666,
  ya: -1.897249937057495,
  yb: 2.368489980697632,
  checksum: 'd2025a9cf60faca1aada854d4cac900041c6fa762460f86ab39f42ccfe305ffe',
  generated_by: 'app-worker-2',
});

describe('tables (PrettyTable 0.7 layout)', () => {
  it('reproduces the guide’s `faafo list` exactly', () => {
    const table = renderTable({ fields: LIST_FIELDS, rows: listRows(seedFractals) });
    expect(table).toBe(SEED_LIST);
    expect(collapse(table)).toEqual(SEED_LIST_COLLAPSED);
  });

  it('reproduces the guide’s `faafo show` exactly, left-aligned', () => {
    const table = renderTable({ fields: SHOW_FIELDS, rows: showRows(seedShown), align: ['l', 'l'] });
    expect(table).toBe(SEED_SHOW);
  });

  it('centres like str.center: odd extra space right for odd text, left for even text', () => {
    expect(justify('abc', 6, 'c')).toBe('abc'.padStart(4).padEnd(6)); // ' abc  '
    expect(justify('ab', 5, 'c')).toBe('  ab ');
    expect(justify('ab', 6, 'c')).toBe('  ab  ');
    expect(justify('ab', 5, 'l')).toBe('ab   ');
    expect(justify('ab', 5, 'r')).toBe('   ab');
  });

  it('prints an empty list as the header with the bottom rule (as PrettyTable did)', () => {
    expect(renderTable({ fields: LIST_FIELDS, rows: [] })).toBe(
      [
        '+------+------------+----------+',
        '| UUID | Dimensions | Filesize |',
        '+------+------------+----------+',
        '+------+------------+----------+',
      ].join('\n'),
    );
  });

  it('shows a pending fractal in the list with 0 bytes, as the original (`size or 0`)', () => {
    expect(listRows([fractal({ width: 300, height: 200 })])).toEqual([
      ['00000000-0000-4000-8000-000000000000', '300 x 200 pixels', '0 bytes'],
    ]);
  });

  it('handles many rows without overflowing the stack', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), 'x', 'y']);
    expect(renderTable({ fields: LIST_FIELDS, rows }).split('\n')).toHaveLength(200_004);
  });
});

describe('show rows', () => {
  it('shows a pending fractal with - for what is not known yet, and its state', () => {
    const rows = showRows(fractal({}));
    expect(rows.map(([k]) => k)).toEqual([
      'uuid',
      'duration',
      'dimensions',
      'iterations',
      'xa',
      'xb',
      'ya',
      'yb',
      'size',
      'checksum',
      'generated_by',
      'state',
    ]);
    expect(Object.fromEntries(rows)).toMatchObject({
      duration: '-',
      size: '-',
      checksum: '-',
      generated_by: '-',
      state: 'pending',
      xa: '-1',
      ya: '-0.5',
    });
  });

  it('shows why a fractal failed', () => {
    const rows = Object.fromEntries(showRows(fractal({ state: 'failed', failure: 'out of memory' })));
    expect(rows.state).toBe('failed');
    expect(rows.failure).toBe('out of memory');
  });

  it('has no state row for a done fractal (the original table)', () => {
    expect(showRows(seedShown)).toHaveLength(11);
  });
});

describe('number formatting', () => {
  it('prints coordinates like %g: 6 significant digits, trailing zeros dropped', () => {
    expect(formatFloat(-2.612174987792969)).toBe('-2.61217');
    expect(formatFloat(2.7832)).toBe('2.7832');
    expect(formatFloat(2.783200001)).toBe('2.7832');
    expect(formatFloat(-1)).toBe('-1');
    expect(formatFloat(0)).toBe('0');
    expect(formatFloat(9.999999)).toBe('10');
    expect(formatFloat(0.0001)).toBe('0.0001');
    expect(formatFloat(0.00001234)).toBe('1.234e-05');
    expect(formatFloat(1234567)).toBe('1.23457e+06');
    expect(formatFloat(123456)).toBe('123456');
  });

  it('prints durations with %f', () => {
    expect(formatDuration(1.67141)).toBe('1.671410 seconds');
    expect(formatDuration(5.29387)).toBe('5.293870 seconds');
    expect(formatDuration(null)).toBe('-');
  });
});

/** A random source that replays the given values. */
function replay(...values: number[]): () => number {
  let i = 0;
  return () => {
    const v = values[i++ % values.length];
    if (v === undefined) throw new Error('no values');
    return v;
  };
}

describe('random tasks (the original get_random_task)', () => {
  it('randint includes both ends; uniform works with min > max', () => {
    expect(randint(256, 1024, () => 0)).toBe(256);
    expect(randint(256, 1024, () => 0.999999999)).toBe(1024);
    expect(uniform(-1, -4, () => 0)).toBe(-1);
    expect(uniform(-1, -4, () => 0.5)).toBe(-2.5);
  });

  it('draws every parameter inside the original defaults', () => {
    for (let n = 0; n < 2000; n++) {
      const t = randomTask(DEFAULT_RANGES);
      expect(t.width).toBeGreaterThanOrEqual(256);
      expect(t.width).toBeLessThanOrEqual(1024);
      expect(Number.isInteger(t.width) && Number.isInteger(t.height) && Number.isInteger(t.iterations)).toBe(
        true,
      );
      expect(t.height).toBeGreaterThanOrEqual(256);
      expect(t.height).toBeLessThanOrEqual(1024);
      expect(t.iterations).toBeGreaterThanOrEqual(128);
      expect(t.iterations).toBeLessThanOrEqual(512);
      expect(t.xa).toBeGreaterThanOrEqual(-4);
      expect(t.xa).toBeLessThanOrEqual(-1);
      expect(t.xb).toBeGreaterThanOrEqual(1);
      expect(t.xb).toBeLessThanOrEqual(4);
      expect(t.ya).toBeGreaterThanOrEqual(-3);
      expect(t.ya).toBeLessThanOrEqual(-0.5);
      expect(t.yb).toBeGreaterThanOrEqual(0.5);
      expect(t.yb).toBeLessThanOrEqual(3);
    }
  });

  it('reaches both ends of the integer ranges with a pinned random source', () => {
    expect(
      randomTask(
        DEFAULT_RANGES,
        () => 0,
        () => 'u',
      ),
    ).toEqual({
      uuid: 'u',
      width: 256,
      height: 256,
      iterations: 128,
      xa: -1,
      xb: 1,
      ya: -0.5,
      yb: 0.5,
    });
    const top = randomTask(
      DEFAULT_RANGES,
      () => 1 - Number.EPSILON,
      () => 'u',
    );
    expect([top.width, top.height, top.iterations]).toEqual([1024, 1024, 512]);
    expect(top.xa).toBeCloseTo(-4);
  });

  it('lets a fixed value override the range', () => {
    const ranges: TaskRanges = {
      ...DEFAULT_RANGES,
      width: { ...DEFAULT_RANGES.width, fixed: 9999 },
      xa: { ...DEFAULT_RANGES.xa, fixed: 0 },
    };
    const t = randomTask(ranges, replay(0.5));
    expect(t.width).toBe(9999);
    expect(t.xa).toBe(0);
    expect(t.height).toBe(640);
  });

  it('gives each task a fresh uuid v4', () => {
    const tasks = [...planTasks({ tasks: 5 })];
    expect(tasks).toHaveLength(5);
    expect(new Set(tasks.map((t) => t.uuid)).size).toBe(5);
    for (const t of tasks)
      expect(t.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('picks 1..10 tasks unless --tasks is given', () => {
    expect(pickTaskCount({ min: 1, max: 10 }, () => 0)).toBe(1);
    expect(pickTaskCount({ min: 1, max: 10 }, () => 0.99)).toBe(10);
    expect(pickTaskCount({ fixed: 500, min: 1, max: 10 }, () => 0)).toBe(500);
    expect([...planTasks({ width: 300, height: 200, iterations: 150 }, () => 0)]).toHaveLength(1);
  });

  it('refuses a min above the max with the option names (the original raised ValueError)', () => {
    expect(() => planTasks({ minWidth: 900, maxWidth: 100 })).toThrow(
      /--min-width \(900\) is larger than --max-width/,
    );
    expect(() => planTasks({ minTasks: 5, maxTasks: 2 })).toThrow(CliError);
    // A fixed value makes the range irrelevant.
    expect([...planTasks({ tasks: 1, width: 300, minWidth: 900, maxWidth: 100 })][0]?.width).toBe(300);
  });
});

describe('option parsing', () => {
  it('accepts numbers and rejects anything else with a sentence', () => {
    expect(parseInteger('512')).toBe(512);
    expect(parseInteger('-3')).toBe(-3);
    expect(() => parseInteger('abc')).toThrow(/whole number/);
    expect(() => parseInteger('1.5')).toThrow(/whole number/);
    expect(() => parseInteger('')).toThrow();
    expect(parseFloatValue('-2.5')).toBe(-2.5);
    expect(parseFloatValue('1e-3')).toBe(0.001);
    expect(parseFloatValue('.5')).toBe(0.5);
    expect(() => parseFloatValue('abc')).toThrow(/number/);
    expect(() => parseFloatValue('inf')).toThrow();
    expect(() => parseFloatValue('0x10')).toThrow();
    expect(parseComplex('-0.8,0.156')).toEqual({ re: -0.8, im: 0.156 });
    expect(() => parseComplex('abc')).toThrow(/two numbers separated by a comma/);
    expect(() => parseComplex('1,2,3')).toThrow();
    expect(() => parseComplex('1,x')).toThrow();
  });

  it('turns commander errors into one line that points at the help', () => {
    expect(usageLine("error: unknown command 'foo'\n")).toBe("unknown command 'foo'. See 'faafo --help'.");
    expect(usageLine("error: unknown command 'lsit'\n(Did you mean list?)")).toBe(
      "unknown command 'lsit' (Did you mean list?) See 'faafo --help'.",
    );
  });
});

describe('progress', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } };
  };

  it('prints nothing for a few tasks', () => {
    const { chunks, stream } = sink(false);
    const p = createProgress(5, 'created', stream);
    for (let i = 0; i < 5; i++) p.tick();
    p.done();
    expect(chunks).toEqual([]);
  });

  it('prints a line every 10% when not on a terminal', () => {
    const { chunks, stream } = sink(false);
    const p = createProgress(500, 'created', stream);
    for (let i = 0; i < 500; i++) p.tick();
    p.done();
    expect(chunks).toHaveLength(10);
    expect(chunks[0]).toBe('created 50/500\n');
    expect(chunks.at(-1)).toBe('created 500/500\n');
  });

  it('rewrites one line on a terminal and clears it at the end', () => {
    const { chunks, stream } = sink(true);
    let now = 0;
    const p = createProgress(100, 'created', stream, () => now);
    for (let i = 0; i < 100; i++) {
      now += 10;
      p.tick();
    }
    p.done();
    expect(chunks.length).toBeLessThan(20);
    expect(chunks.at(-2)).toBe('\r\x1b[2Kcreated 100/100');
    expect(chunks.at(-1)).toBe('\r\x1b[2K');
  });

  it('steps aside on a terminal for a printed row, and is back at the next tick', () => {
    const { chunks, stream } = sink(true);
    const p = createProgress(100, 'created', stream, () => 0);
    p.interrupt(); // nothing drawn yet: nothing to clear
    expect(chunks).toEqual([]);
    p.tick();
    p.interrupt();
    p.interrupt();
    p.tick();
    expect(chunks).toEqual(['\r\x1b[2Kcreated 1/100', '\r\x1b[2K', '\r\x1b[2Kcreated 2/100']);
    const plain = sink(false);
    const q = createProgress(500, 'created', plain.stream);
    q.tick();
    q.interrupt();
    expect(plain.chunks).toEqual([]);
  });
});

describe('client errors', () => {
  it('names the network failure in a few words', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    expect(describeNetworkError(refused, 30_000)).toBe('connection refused');
    const dns = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }),
    });
    expect(describeNetworkError(dns, 30_000)).toBe('the host name could not be resolved');
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(describeNetworkError(timeout, 30_000)).toBe('no answer within 30 seconds');
  });

  it("uses the API's message, or the status when there is none", () => {
    const res = { status: 400, statusText: 'Bad Request' };
    expect(apiMessageOf(res, '{"message":"width must be at least 1"}')).toBe('width must be at least 1');
    expect(apiMessageOf(res, '{"validation_errors":{"foo":"unknown field"}}')).toBe('foo: unknown field');
    expect(apiMessageOf(res, '<html>oops</html>')).toBe('the server answered 400 Bad Request');
  });

  it('reports an unreachable API in one line with the fix, and joins URLs without double slashes', async () => {
    const calls: string[] = [];
    const failing = (async (url: string) => {
      calls.push(url);
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    }) as unknown as typeof fetch;
    const client = new FaafoClient('http://user:secret@10.0.0.5:8080//', { fetch: failing });
    await expect(client.get('abc')).rejects.toThrow(
      "Cannot reach the faafo API at http://user:***@10.0.0.5:8080: connection refused. Is 'faafo api' running, and is --endpoint-url right?",
    );
    expect(calls).toEqual(['http://user:secret@10.0.0.5:8080/v1/fractal/abc']);
  });

  it('accepts records from a server without our state field (the original faafo)', async () => {
    const {
      state: _s,
      failure: _f,
      ...original
    } = done('d123e9c1-3934-4ffd-8b09-0032ca2b6564', 952, 382, 34239);
    const answer = (async () => Response.json(original)) as unknown as typeof fetch;
    const got = await new FaafoClient('http://x', { fetch: answer }).get(
      'd123e9c1-3934-4ffd-8b09-0032ca2b6564',
    );
    expect(got?.state).toBe('done');
    expect(got?.failure).toBeNull();
  });

  it("shows the API's 404 message when the fractal exists but its image is on another API node", async () => {
    const record = done('d123e9c1-3934-4ffd-8b09-0032ca2b6564', 952, 382, 34239);
    const message = 'IOError: [Errno 2] No such file or directory: not stored on this API node.';
    const answer = (async (url: string) =>
      url.includes('/v1/fractal/')
        ? Response.json(record)
        : Response.json({ message }, { status: 404 })) as unknown as typeof fetch;
    await expect(new FaafoClient('http://x', { fetch: answer }).image(record.uuid)).rejects.toThrow(
      `Could not download fractal ${record.uuid}: IOError: [Errno 2] No such file or directory: not stored on this API node (HTTP 404).`,
    );
    const unknown = (async () =>
      Response.json({ message: 'Fractal u not found.' }, { status: 404 })) as unknown as typeof fetch;
    expect(await new FaafoClient('http://x', { fetch: unknown }).image('u')).toBeUndefined();
  });

  it('rejects an answer that is not a faafo record', async () => {
    const answer = (async () => new Response('<html></html>', { status: 200 })) as unknown as typeof fetch;
    await expect(new FaafoClient('http://x', { fetch: answer }).get('u')).rejects.toThrow(
      /not a faafo record/,
    );
  });
});
