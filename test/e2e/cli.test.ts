// The real `faafo` command (bin/faafo.mjs in a child process, stdin closed) against a real HTTP
// API in this process: fastify from buildApi on a real SQLite file, with a publisher that records
// tasks instead of a broker. Every user mistake must end in exactly one line on stderr, no stack
// trace, and a non-zero exit code.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/faafo/api/server.ts';
import { MAX_TASKS } from '../../src/faafo/cli/limits.ts';
import { defaults } from '../../src/faafo/config.ts';
import { openRepository } from '../../src/faafo/db/open.ts';
import type { FractalRepository } from '../../src/faafo/db/repository.ts';
import { openImageStore } from '../../src/faafo/images/open.ts';
import type { Task } from '../../src/faafo/model.ts';
import { QueueUnavailableError, type TaskPublisher } from '../../src/faafo/queue/publisher.ts';
import { FAAFO_BIN, freePort, ROOT } from '../helpers/faafo-processes.ts';

const PEAK_RSS = join(ROOT, 'test', 'helpers', 'peak-rss.mjs');

class RecordingPublisher implements TaskPublisher {
  tasks: Task[] = [];
  down = false;
  async publish(task: Task): Promise<void> {
    if (this.down) throw new QueueUnavailableError('connection refused');
    this.tasks.push(task);
  }
  async close(): Promise<void> {}
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

let dir: string;
let repo: FractalRepository;
let app: FastifyInstance;
let api: string;
const publisher = new RecordingPublisher();

/** Runs `faafo …` as a user would, with no FAAFO_* settings from the developer's environment. */
function faafo(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FAAFO_')) delete env[key];
  // Not the developer's config file either.
  env.FAAFO_CONFIG_FILE = join(dir, 'faafo.conf');
  Object.assign(env, options.env);
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), FAAFO_BIN, ...args],
      {
        env,
        cwd: options.cwd ?? ROOT,
        encoding: 'buffer',
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({
          code,
          stdout: stdout.toString('utf8'),
          stderr: stderr.toString('utf8'),
          stdoutBytes: stdout,
        });
      },
    );
    child.stdin?.end();
  });
}

/** A user's mistake: one line on stderr, no stack trace, non-zero exit. Returns that line. */
function expectOneLineError(result: Result, pattern?: RegExp): string {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(result.stderr.endsWith('\n')).toBe(true);
  const line = lines[0]!;
  expect(line).toMatch(/^faafo: /);
  if (pattern) expect(line).toMatch(pattern);
  return line;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;

function testPng(width: number, height: number): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 31) % 256;
  return PNG.sync.write(image);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faafo-cli-'));
  writeFileSync(join(dir, 'faafo.conf'), '# no settings: the defaults and the flags apply\n');
  repo = await openRepository(`sqlite:///${join(dir, 'faafo.db')}`);
  const config = { ...defaults({}, 'test-node'), maxWidth: 4000 };
  app = buildApi({ config, repo, images: openImageStore('database', repo, join(dir, 'images')), publisher });
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  api = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
  await repo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('faafo against a real API', () => {
  const created: string[] = [];

  it('list on an empty API prints the header-only table', async () => {
    const list = await faafo(['list', '--endpoint-url', api]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toBe('');
    expect(list.stdout).toBe(
      [
        '+------+------------+----------+',
        '| UUID | Dimensions | Filesize |',
        '+------+------------+----------+',
        '+------+------------+----------+',
        '',
      ].join('\n'),
    );
  });

  it('create --tasks 3 with fixed parameters, --endpoint-url after the subcommand', async () => {
    const before = publisher.tasks.length;
    const result = await faafo([
      'create',
      '--endpoint-url',
      api,
      '--tasks',
      '3',
      '--width',
      '64',
      '--height',
      '48',
      '--iterations',
      '100',
      '--xa',
      '-1.5',
      '--xb',
      '1.5',
      '--ya',
      '-0.75',
      '--yb',
      '0.75',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const uuids = result.stdout.match(UUID) ?? [];
    expect(new Set(uuids).size).toBe(3);
    expect(result.stdout).toMatch(/\|\s+UUID\s+\|\s+Dimensions\s+\|\s+Iterations\s+\|/);
    expect(result.stdout).toContain('| 64 x 48 pixels |');
    expect(result.stdout).toContain(
      'Created 3 fractal(s); they are queued for rendering. Watch them with: faafo list\n',
    );
    const tasks = publisher.tasks.slice(before);
    expect(tasks.map((t) => t.uuid).sort()).toEqual([...uuids].sort());
    for (const t of tasks) {
      expect(t).toMatchObject({
        width: 64,
        height: 48,
        iterations: 100,
        xa: -1.5,
        xb: 1.5,
        ya: -0.75,
        yb: 0.75,
      });
    }
    created.push(...uuids);
  });

  it('create with --endpoint-url before the subcommand (the guide’s form), random parameters', async () => {
    const before = publisher.tasks.length;
    const result = await faafo(['--endpoint-url', api, 'create', '--tasks', '1', '--max-width', '300']);
    expect(result.code, result.stderr).toBe(0);
    const [uuid] = result.stdout.match(UUID) ?? [];
    expect(uuid).toBeDefined();
    const [task] = publisher.tasks.slice(before);
    expect(task?.uuid).toBe(uuid);
    expect(task!.width).toBeGreaterThanOrEqual(256);
    expect(task!.width).toBeLessThanOrEqual(300);
    expect(task!.xa).toBeGreaterThanOrEqual(-4);
    expect(task!.xa).toBeLessThanOrEqual(-1);
    created.push(uuid!);
  });

  it('takes the endpoint from FAAFO_ENDPOINT_URL too', async () => {
    const result = await faafo(['create', '--tasks', '1', '--width', '40', '--height', '30'], {
      env: { FAAFO_ENDPOINT_URL: `${api}/` },
    });
    expect(result.code, result.stderr).toBe(0);
    created.push(...(result.stdout.match(UUID) ?? []));
    expect(created).toHaveLength(5);
  });

  it('and from endpoint_url in --config-file', async () => {
    const conf = join(dir, 'client.conf');
    writeFileSync(conf, `[DEFAULT]\nendpoint_url = ${api}\n`);
    const result = await faafo(['list', '--config-file', conf]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.match(UUID)).toHaveLength(5);
  });

  it('list shows every fractal in the seed’s table, pending ones with 0 bytes', async () => {
    const list = await faafo(['list', '--endpoint-url', api]);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(created.length + 4);
    expect(lines[1]).toBe('|                 UUID                 |    Dimensions    | Filesize |');
    for (const uuid of created) expect(list.stdout).toContain(`| ${uuid} |`);
    expect(list.stdout).toContain('|  64 x 48 pixels  | 0 bytes  |');
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });

  it('lists more than one page of the API', async () => {
    // Over 100 fractals: the client must follow total_pages.
    for (let i = 0; i < 101; i++) {
      await repo.create({
        uuid: crypto.randomUUID(),
        width: 10,
        height: 10,
        iterations: 20,
        xa: -1,
        xb: 1,
        ya: -1,
        yb: 1,
      });
    }
    const list = await faafo(['list', '--endpoint-url', api]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.match(UUID)).toHaveLength(created.length + 101);
    for (const f of (await repo.list({ page: 1, perPage: 1000 })).items) {
      if (!created.includes(f.uuid)) await repo.delete(f.uuid);
    }
  });

  const png = testPng(64, 48);

  it('show prints a done fractal as the seed’s Parameter | Value table', async () => {
    const uuid = created[0]!;
    const response = await fetch(`${api}/v1/fractal/${uuid}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        uuid,
        duration: 1.67141,
        image: png.toString('base64'),
        checksum: createHash('sha256').update(png).digest('hex'),
        size: png.length,
        generated_by: 'app-worker-2',
      }),
    });
    expect(response.status).toBe(200);

    const show = await faafo(['show', uuid, '--endpoint-url', api]);
    expect(show.code, show.stderr).toBe(0);
    const checksum = createHash('sha256').update(png).digest('hex');
    const pad = (text: string) => text.padEnd(64);
    expect(show.stdout).toBe(
      [
        `+--------------+${'-'.repeat(66)}+`,
        `| Parameter    | ${pad('Value')} |`,
        `+--------------+${'-'.repeat(66)}+`,
        `| uuid         | ${pad(uuid)} |`,
        `| duration     | ${pad('1.671410 seconds')} |`,
        `| dimensions   | ${pad('64 x 48 pixels')} |`,
        `| iterations   | ${pad('100')} |`,
        `| xa           | ${pad('-1.5')} |`,
        `| xb           | ${pad('1.5')} |`,
        `| ya           | ${pad('-0.75')} |`,
        `| yb           | ${pad('0.75')} |`,
        `| size         | ${pad(`${png.length} bytes`)} |`,
        `| checksum     | ${pad(checksum)} |`,
        `| generated_by | ${pad('app-worker-2')} |`,
        `+--------------+${'-'.repeat(66)}+`,
        '',
      ].join('\n'),
    );
  });

  it('show prints a pending fractal (where the original crashed) with its state', async () => {
    const show = await faafo(['--endpoint-url', api, 'show', created[1]!]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/\| duration\s+\| -\s+\|/);
    expect(show.stdout).toMatch(/\| size\s+\| -\s+\|/);
    expect(show.stdout).toMatch(/\| state\s+\| pending\s+\|/);
  });

  it('get -o saves exactly the bytes GET /fractal serves, leaving no temporary file', async () => {
    const uuid = created[0]!;
    const out = join(dir, 'out');
    mkdirSync(out);
    const file = join(out, 'fractal.png');
    const get = await faafo(['get', uuid, '-o', file, '--endpoint-url', api]);
    expect(get.code, get.stderr).toBe(0);
    const served = Buffer.from(await (await fetch(`${api}/fractal/${uuid}`)).arrayBuffer());
    expect(readFileSync(file).equals(served)).toBe(true);
    expect(get.stdout).toBe(`Saved ${uuid} (${served.length} bytes) to ${file}\n`);
    expect(readdirSync(out)).toEqual(['fractal.png']);

    // Default name: <uuid>.png in the working directory.
    const here = await faafo(['get', uuid, '--endpoint-url', api], { cwd: out });
    expect(here.code, here.stderr).toBe(0);
    expect(readFileSync(join(out, `${uuid}.png`)).equals(served)).toBe(true);

    // -o - writes the PNG to stdout.
    const piped = await faafo(['get', uuid, '-o', '-', '--endpoint-url', api]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdoutBytes.equals(served)).toBe(true);
  });

  it('get of a pending fractal shows the API’s message and writes nothing', async () => {
    const out = join(dir, 'pending');
    mkdirSync(out);
    const get = await faafo(['get', created[1]!, '--endpoint-url', api], { cwd: out });
    expectOneLineError(get, /still pending/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('delete removes a fractal; a second delete says it is not found', async () => {
    const uuid = created[2]!;
    const first = await faafo(['delete', uuid, '--endpoint-url', api]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`Deleted fractal ${uuid}.\n`);
    const second = await faafo(['delete', uuid, '--endpoint-url', api]);
    expectOneLineError(second, new RegExp(`Fractal ${uuid} not found\\.`));
    expect(second.code).toBe(1);
  });

  it(`the largest batch (${MAX_TASKS}) creates exactly that many; the CLI's peak RSS stays under 280 MB`, async () => {
    const tasks = MAX_TASKS;
    const before = publisher.tasks.length;
    const stored = (await repo.list({ page: 1, perPage: 1 })).total;
    const rssFile = join(dir, 'peak-rss');
    const result = await faafo(['create', '--tasks', String(tasks), '--endpoint-url', api], {
      nodeArgs: ['--import', PEAK_RSS],
      env: { PEAK_RSS_FILE: rssFile },
      timeoutMs: 240_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const published = publisher.tasks.slice(before);
    expect(published).toHaveLength(tasks);
    expect((await repo.list({ page: 1, perPage: 1 })).total).toBe(stored + tasks);
    const printed = result.stdout.match(UUID) ?? [];
    expect(printed).toHaveLength(tasks);
    expect(new Set(printed)).toEqual(new Set(published.map((t) => t.uuid)));
    expect(result.stdout).toContain(`Created ${tasks} fractal(s); they are queued for rendering.`);
    // Progress in a pipe: a line at every tenth.
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(10);
    const peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
    console.log(`faafo create --tasks ${tasks}: peak RSS ${peakMb.toFixed(0)} MB`);
    // Measured here: about 200 MB (tsx's start-up alone is about 95 MB, and V8 lets its heap grow
    // before it collects); the code that held every task and result peaked at 367 MB.
    expect(peakMb).toBeLessThan(280);
  }, 300_000);
});

describe('faafo render', () => {
  it('writes a PNG of the requested size and reports the timings', async () => {
    const file = join(dir, 'render.png');
    const result = await faafo([
      'render',
      '--width',
      '80',
      '--height',
      '60',
      '--iterations',
      '64',
      '--xa',
      '-1.5',
      '--xb',
      '1.5',
      '--ya',
      '-1',
      '--yb',
      '1',
      '--c',
      '-0.8,0.156',
      '--threads',
      '2',
      '-o',
      file,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^render \d+\.\d{3} s, png \d+\.\d{3} s\n$/);
    const image = PNG.sync.read(readFileSync(file));
    expect([image.width, image.height]).toEqual([80, 60]);
  });
});

describe('user mistakes: one line on stderr, no stack trace, exit ≠ 0', () => {
  it('an endpoint nobody listens on', async () => {
    const port = await freePort();
    const result = await faafo(['list', '--endpoint-url', `http://127.0.0.1:${port}`]);
    expectOneLineError(
      result,
      new RegExp(
        `^faafo: Cannot reach the faafo API at http://127\\.0\\.0\\.1:${port}: connection refused\\. Is 'faafo api' running, and is --endpoint-url right\\?$`,
      ),
    );
    const create = await faafo(['--endpoint-url', `http://127.0.0.1:${port}`, 'create', '--tasks', '20']);
    expectOneLineError(create, /Cannot reach the faafo API/);
  });

  it('an unknown uuid', async () => {
    const result = await faafo(['show', '00000000-0000-4000-8000-000000000000', '--endpoint-url', api]);
    expectOneLineError(result, /Fractal 00000000-0000-4000-8000-000000000000 not found\./);
    expect(result.code).toBe(1);
    expectOneLineError(await faafo(['get', 'nope', '--endpoint-url', api]), /Fractal nope not found\./);
  });

  it('--width abc', async () => {
    const result = await faafo(['create', '--width', 'abc', '--endpoint-url', api]);
    expectOneLineError(result, /--width.*'abc' is invalid\. It must be a whole number/);
    expect(result.code).toBe(2);
  });

  it('--width 0: the API’s 400 message is shown', async () => {
    const result = await faafo(['create', '--tasks', '1', '--width', '0', '--endpoint-url', api]);
    expectOneLineError(result, /width.*(HTTP 400)/);
    const several = await faafo(['create', '--tasks', '3', '--width', '0', '--endpoint-url', api]);
    expectOneLineError(
      several,
      /None of the 3 fractals could be created; the first error: .*width.*\(HTTP 400\)\.$/,
    );
  });

  it('--tasks 999999999: one line at once, nothing sent (it used to run out of memory)', async () => {
    const before = publisher.tasks.length;
    const started = Date.now();
    const result = await faafo(['create', '--tasks', '999999999', '--endpoint-url', api]);
    const seconds = (Date.now() - started) / 1000;
    expectOneLineError(
      result,
      /^faafo: --tasks 999999999 is more than the 50000 fractals faafo create asks for in one run; run it several times for a larger batch\.$/,
    );
    expect(result.code).toBe(2);
    // Start-up through tsx is most of it; the old code ran for two minutes before V8 gave up.
    expect(seconds).toBeLessThan(5);
    expect(publisher.tasks.length).toBe(before);
  });

  it('every other count beyond its limit: one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['create', '--max-tasks', '50001'], /--max-tasks 50001 is more than the 50000 fractals/],
      [
        ['create', '--width', '100001'],
        /--width 100001 is more than the 100000 pixels any faafo API accepts/,
      ],
      [
        ['create', '--max-iterations', '1000001'],
        /--max-iterations 1000001 is more than the 1000000 iterations/,
      ],
      [['create', '--xa', '2000000'], /--xa 2000000 is outside the range from -1000000 to 1000000/],
      [
        ['render', '--width', '10001', '-o', join(dir, 'never.png')],
        /--width 10001 is more than the 10000 pixels a side/,
      ],
      [
        ['render', '--threads', '257', '-o', join(dir, 'never.png')],
        /--threads 257 is more than the 256 threads/,
      ],
      // The servers' own limits (config.ts), in the same one line.
      [
        ['worker', '--prefetch', '5000'],
        /Invalid setting prefetch: must be at most 1000; choose a smaller value\./,
      ],
      [
        ['api', '--max-width', '200000'],
        /Invalid setting max-width: must be at most 100000; choose a smaller value\./,
      ],
    ];
    const before = publisher.tasks.length;
    for (const [args, pattern] of cases) {
      const result = await faafo([...args, '--endpoint-url', api]);
      expectOneLineError(result, pattern);
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect(publisher.tasks.length).toBe(before);
    expect(readdirSync(dir)).not.toContain('never.png');
  });

  it('the queue is down: the API’s 503 message is shown', async () => {
    publisher.down = true;
    try {
      const result = await faafo(['create', '--tasks', '1', '--endpoint-url', api]);
      expectOneLineError(result, /HTTP 503/);
    } finally {
      publisher.down = false;
    }
  });

  it('an unknown subcommand, a missing argument, an unknown option', async () => {
    const unknown = await faafo(['frobnicate']);
    expectOneLineError(unknown, /unknown command 'frobnicate'/);
    expect(unknown.code).toBe(2);
    expectOneLineError(await faafo(['show']), /missing required argument 'uuid'/);
    expectOneLineError(await faafo(['list', '--colour']), /unknown option '--colour'/);
  });

  it('--c abc', async () => {
    const result = await faafo(['render', '--c', 'abc', '-o', join(dir, 'never.png')]);
    expectOneLineError(result, /--c.*'abc' is invalid\. It must be two numbers separated by a comma/);
    expect(result.code).toBe(2);
  });

  it('an endpoint that is not a URL', async () => {
    const result = await faafo(['--endpoint-url', 'localhost:8080', 'list']);
    expectOneLineError(result, /endpoint-url/);
    // A setting the user gave wrong is a usage mistake (ConfigError is a UserError with exit code 2).
    expect(result.code).toBe(2);
  });

  it('render -o into a directory that does not exist', async () => {
    const result = await faafo([
      'render',
      '--width',
      '8',
      '--height',
      '8',
      '-o',
      join(dir, 'no', 'such', 'x.png'),
    ]);
    expectOneLineError(result, /does not exist/);
  });
});
