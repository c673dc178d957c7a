// What the notebooks import — the cloud connection (src/cloud), the classroom client (src/classroom/client), the lesson's steps with their
// manifest (steps/), the lab's instruments (src/lab) and the notebook library (src/notebook) — loads from CommonJS: tslab compiles a
// notebook's cells and the .ts files they import to CommonJS and require()s them. Each check runs in a child process whose .ts files are
// compiled to CommonJS by TypeScript, file by file (test/helpers/commonjs-typescript.cjs), with
// require() of ES modules switched off, so import.meta, top-level await or an ESM-only package
// anywhere in that graph fails the load. The fixtures show the harness fails on each of the three.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const HOOK = join(ROOT, 'test/helpers/commonjs-typescript.cjs');
const run = promisify(execFile);

/** Runs `script` in a CommonJS child (cwd: the package root); its stdout, or the error's first line. */
async function inCommonJs(script: string): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--no-experimental-require-module', '--require', HOOK, '-e', script],
      { cwd: ROOT, timeout: 60_000 },
    );
    return { ok: true, out: stdout };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    const line = stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr;
    return { ok: false, out: line };
  }
}

describe('the notebooks’ imports, loaded as CommonJS', () => {
  it('src/cloud and every step of the manifest load, expose connect and the steps, and pull in nothing of src/localcloud', async () => {
    const script = `
      const cloud = require('./src/cloud/index.ts');
      for (const f of ['config', 'connect', 'driver', 'errors', 'events', 'models', 'verify'])
        require('./src/cloud/' + f + '.ts');
      const { LESSON, findStep } = require('./steps/lesson.ts');
      const steps = {};
      for (const step of LESSON) steps[step.id] = typeof require('./' + step.file).default;
      const { getFloatingIp } = require('./steps/step-3.ts');
      const { runStepEvents } = require('./src/lesson/run-step.ts');
      const loaded = Object.keys(require.cache).map((f) => f.slice(process.cwd().length + 1));
      console.log(JSON.stringify({
        cloud: Object.keys(cloud).sort(),
        connect: typeof cloud.connect,
        steps,
        step5: findStep('5').id,
        getFloatingIp: typeof getFloatingIp,
        runStepEvents: typeof runStepEvents,
        localcloud: loaded.filter((f) => f.startsWith('src/localcloud/')),
        stepFiles: loaded.filter((f) => f.startsWith('steps/')).length,
      }));
    `;
    const result = await inCommonJs(script);
    expect(result.ok, result.out).toBe(true);
    const seen = JSON.parse(result.out) as Record<string, unknown>;
    expect(seen.connect).toBe('function');
    expect(seen.cloud).toEqual(expect.arrayContaining(['CloudError', 'connect', 'verify']));
    expect(seen.steps).toEqual({
      prelude: 'function',
      'step-1': 'function',
      'step-2': 'function',
      'step-3': 'function',
      'step-4': 'function',
      'step-5': 'function',
      'step-6': 'function',
      'step-7': 'function',
    });
    expect(seen.step5).toBe('step-5');
    expect(seen.getFloatingIp).toBe('function');
    expect(seen.runStepEvents).toBe('function');
    expect(seen.localcloud).toEqual([]);
    // The manifest, the eight steps and their helpers really went through require().
    expect(seen.stepFiles).toBeGreaterThanOrEqual(11);
  }, 60_000);

  it('the lab (src/lab) loads, computes and writes a run record, and pulls in nothing of src/localcloud', async () => {
    const script = `
      const lab = require('./src/lab/index.ts');
      for (const f of ['batch', 'collect', 'figures', 'flood', 'fractals-meter', 'host-cpu', 'latency', 'node-loop', 'node-meter', 'poll', 'queue-meter', 'run-meters', 'run-record', 'scenario', 'seeded-random', 'targets', 'topology'])
        require('./src/lab/' + f + '.ts');
      let load = lab.IDLE;
      for (let i = 0; i < 200; i++) load = lab.sample(load, 1);
      const { mkdtempSync } = require('node:fs');
      const { join } = require('node:path');
      const file = join(mkdtempSync(join(require('node:os').tmpdir(), 'lab-cjs-')), 'run.json');
      const record = lab.writeRunRecord(file, {
        version: 1, label: 'before', startedAt: new Date(0).toISOString(), finishedAt: new Date(1000).toISOString(),
        generator: { kind: 'batch', scale: 0.25, side: 2500, tasks: 5 },
        topology: { cloud: 'the local cloud', nodes: [{ name: 'app-worker-1', flavor: 'm1.tiny' }] },
        figures: { drainMs: 1000 },
      });
      const loaded = Object.keys(require.cache).map((f) => f.slice(process.cwd().length + 1));
      console.log(JSON.stringify({
        uptime: lab.formatLoadAverage(load),
        meters: ['queueMeter', 'fractalsMeter', 'latencyMeter', 'nodeMeter'].map((m) => typeof lab[m]),
        generators: [typeof lab.flood, typeof lab.createBatch],
        scenario: [typeof lab.buildTopology, typeof lab.measureBatch, typeof lab.measureFlood],
        readBack: JSON.stringify(lab.readRunRecord(file)) === JSON.stringify(record),
        localcloud: loaded.filter((f) => f.startsWith('src/localcloud/')),
        labFiles: loaded.filter((f) => f.startsWith('src/lab/')).length,
        loadavg: loaded.includes('src/shared/loadavg.ts'),
      }));
    `;
    const result = await inCommonJs(script);
    expect(result.ok, result.out).toBe(true);
    const seen = JSON.parse(result.out) as Record<string, unknown>;
    // 200 samples of one busy task (16 min 40 s), as the ES-module tests compute them too.
    expect(seen.uptime).toBe('load average: 1.00, 0.98, 0.69');
    expect(seen.meters).toEqual(['function', 'function', 'function', 'function']);
    expect(seen.generators).toEqual(['function', 'function']);
    expect(seen.readBack).toBe(true);
    expect(seen.localcloud).toEqual([]);
    expect(seen.scenario).toEqual(['function', 'function', 'function']);
    expect(seen.labFiles).toBe(18);
    expect(seen.loadavg).toBe(true);
  }, 60_000);

  it('the notebook library (src/notebook) loads, draws its tables and charts, and pulls in nothing of src/localcloud', async () => {
    const script = `
      const notebook = require('./src/notebook/index.ts');
      const { reaches, reachSvg } = require('./src/notebook/groups-diagram.ts');
      const { chartOf, loadChartSvg, topologyOf } = require('./src/notebook/load-chart.ts');
      let mixed;
      try { topologyOf(['app-controller', 'app-services']); } catch (error) { mixed = error.message; }
      const { htmlTable } = require('./src/notebook/display.ts');
      const groups = [
        { id: 'a', name: 'api', description: '', rules: [{ id: '1', protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0', sourceGroupId: null }] },
        { id: 's', name: 'services', description: '', rules: [{ id: '2', protocol: 'tcp', fromPort: 3306, toPort: 3306, cidr: null, sourceGroupId: 'a' }] },
      ];
      const chart = chartOf('t', 's', { nodes: { w: [{ at: 0, node: 'w', loadavg: [1, 0, 0], cpuUse: null, vcpus: 1, cpuTimeNs: 0, memoryKiB: null, memoryRssKiB: null, hostCores: null }] }, queue: [], fractals: [{ at: 1000, total: 2, pending: 2, done: 0, failed: 0, finishedPerMinute: null }], host: [] });
      const loaded = Object.keys(require.cache).map((f) => f.slice(process.cwd().length + 1));
      console.log(JSON.stringify({
        exports: ['openLesson', 'findNode', 'getFloatingIp', 'INSTALLER_URL', 'createFractals', 'CellFailure'].map((n) => typeof notebook[n]),
        reaches: reaches(groups),
        svg: reachSvg(['api', 'services'], reaches(groups)).startsWith('<svg'),
        chart: loadChartSvg(chart).includes('data-chart="node-load"'),
        backlog: chart.backlog.name,
        topologies: [topologyOf(['app-controller', 'app-worker-1']), topologyOf(['app-services', 'app-api-1'])],
        mixed,
        table: htmlTable('c', ['a'], [['<b>']]).includes('&#60;b&#62;'),
        oneLine: require('node:util').inspect(new notebook.CellFailure('Step 5 failed: do this.')),
        localcloud: loaded.filter((f) => f.startsWith('src/localcloud/')),
      }));
    `;
    const result = await inCommonJs(script);
    expect(result.ok, result.out).toBe(true);
    const seen = JSON.parse(result.out) as Record<string, unknown>;
    expect(seen.exports).toEqual(['function', 'function', 'function', 'string', 'function', 'function']);
    expect(seen.reaches).toEqual([
      { from: 'anywhere', to: 'api', ports: '80' },
      { from: 'api', to: 'services', ports: '3306' },
    ]);
    expect(seen.svg).toBe(true);
    expect(seen.chart).toBe(true);
    expect(seen.backlog).toBe('pending fractals');
    expect(seen.topologies).toEqual(['one-worker', 'scaled-out']);
    expect(seen.mixed).toMatch(/^The cloud holds both topologies .*: run step 1 and the prelude/);
    expect(seen.table).toBe(true);
    expect(seen.oneLine).toBe('Step 5 failed: do this.');
    expect(seen.localcloud).toEqual([]);
  }, 60_000);

  it('the classroom client (src/classroom/client) and the notebooks’ step mapping load and report to an unreachable board', async () => {
    const script = `
      const { joinBoard, fetchStudentCloud } = require('./src/classroom/client/join.ts');
      const { createReporter } = require('./src/classroom/client/reporter.ts');
      const { saveStudentCloud } = require('./src/classroom/client/student-cloud.ts');
      const { stepProgress } = require('./src/notebook/classroom.ts');
      const server = require('node:net').createServer();
      server.listen(0, '127.0.0.1', () => {
        const port = server.address().port;
        server.close(async () => {
          const url = 'http://127.0.0.1:' + port;
          const trouble = [];
          const reporter = createReporter({ url, token: 't', onTrouble: (l) => trouble.push(l), firstRetryMs: 20 });
          const map = stepProgress();
          for (const e of [{ type: 'started', step: { id: 'step-1', title: 's', file: 'f' }, checkOnly: true }, { type: 'check', ok: true, label: 'ok' }])
            for (const p of map(e)) reporter.send(p);
          const started = Date.now();
          await new Promise((r) => setTimeout(r, 300));
          await reporter.close(300);
          let joined;
          try { await joinBoard(url, 'ABC234', 'Ada'); } catch (error) { joined = error.message; }
          const loaded = Object.keys(require.cache).map((f) => f.slice(process.cwd().length + 1));
          console.log(JSON.stringify({
            functions: [typeof fetchStudentCloud, typeof saveStudentCloud],
            trouble, closeMs: Date.now() - started, joined,
            localcloud: loaded.filter((f) => f.startsWith('src/localcloud/')),
          }));
        });
      });
    `;
    const result = await inCommonJs(script);
    expect(result.ok, result.out).toBe(true);
    const seen = JSON.parse(result.out) as {
      functions: string[];
      trouble: string[];
      closeMs: number;
      joined: string;
      localcloud: string[];
    };
    expect(seen.functions).toEqual(['function', 'function']);
    expect(seen.trouble).toHaveLength(1);
    expect(seen.trouble[0]).toMatch(
      /^The board at http:\/\/127\.0\.0\.1:\d+ stopped answering \(ECONNREFUSED\); the lesson goes on/,
    );
    expect(seen.closeMs).toBeLessThan(1500);
    expect(seen.joined).toMatch(/does not answer \(ECONNREFUSED\)\. Check the address the teacher showed\.$/);
    expect(seen.localcloud).toEqual([]);
  }, 60_000);

  it('without a fallback and with no cloud configured, connect() says how to configure one', async () => {
    const script = `
      const { connect } = require('./src/cloud/connect.ts');
      connect({ env: {}, cwd: process.cwd() }).then(
        () => console.log(JSON.stringify({ connected: true })),
        (error) => console.log(JSON.stringify({ name: error.name, message: error.message })),
      );
    `;
    const result = await inCommonJs(script);
    expect(result.ok, result.out).toBe(true);
    const error = JSON.parse(result.out) as { name: string; message: string };
    expect(error.name).toBe('CloudConfigError');
    expect(error.message).toMatch(/^No cloud is configured: set OS_CLOUD/);
    expect(error.message).toContain('OS_* variables');
    expect(error.message).toContain('faafo-tutor cloud up');
    expect(error.message).not.toContain('\n');
  }, 60_000);

  it.each([
    ['import.meta', 'uses-import-meta.ts', /import\.meta/],
    ['top-level await', 'top-level-await.ts', /await/],
    ['an ESM-only package', 'esm-only-package.ts', /ERR_REQUIRE_ESM|require\(\) of ES Module/],
  ])(
    'the harness refuses a module with %s, as a notebook would',
    async (_, fixture, why) => {
      const result = await inCommonJs(`require('./test/fixtures/commonjs/${fixture}')`);
      expect(result.ok).toBe(false);
      expect(result.out).toMatch(why);
    },
    60_000,
  );
});
