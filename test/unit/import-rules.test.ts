// The import rules of .dependency-cruiser.mjs at work. On the fixture tree under
// test/fixtures/import-rules/ (our folder names, one deliberate violation per rule) each rule must report
// exactly its violation and the cruise must exit non-zero, which is what fails CI on a forbidden import.
// On the real tree, `npm run lint:imports` (the command .ci/run runs) must find no violation at all.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/import-rules');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.mjs');

// The parts of dependency-cruiser's JSON report (--output-type json) that these tests read.
const CruiseReport = z.object({
  modules: z.array(z.object({ source: z.string() })),
  summary: z.object({
    violations: z.array(
      z.object({
        from: z.string(),
        to: z.string(),
        dependencyTypes: z.array(z.string()).optional(),
        rule: z.object({ name: z.string(), severity: z.string() }),
      }),
    ),
    ruleSetUsed: z.object({ forbidden: z.array(z.object({ name: z.string() })) }),
  }),
});
type CruiseReport = z.infer<typeof CruiseReport>;

/** Runs a command to completion and returns its exit status and output. */
function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Reads a JSON report, or says what the cruise printed instead. */
function parseReport({ stdout, stderr }: { stdout: string; stderr: string }): CruiseReport {
  try {
    return CruiseReport.parse(JSON.parse(stdout));
  } catch (error) {
    throw new Error(`dependency-cruiser did not print a JSON report (${String(error)}). It wrote: ${stderr}`);
  }
}

/** The fixture's cruise: the same command as `npm run lint:imports`, started inside the fixture tree. */
function cruiseFixture(outputType: 'json' | 'err') {
  return run(DEPCRUISE, ['--config', CONFIG, '--output-type', outputType, '.'], FIXTURE);
}

const asLines = (report: CruiseReport) =>
  report.summary.violations.map(({ rule, from, to }) => `${rule.name}: ${from} → ${to}`).sort();

// One deliberate violation per rule, each in the fixture file named on its left.
const FIXTURE_VIOLATIONS = [
  'learner-code-reaches-clouds-through-src-cloud: steps/step-1.ts → src/localcloud/paths.ts',
  'cloud-connection-knows-no-local-cloud: src/cloud/connect.ts → src/localcloud/gateway.ts',
  'lab-reaches-clouds-through-src-cloud: src/lab/node-meter.ts → src/localcloud/paths.ts',
  'classroom-starts-a-local-cloud-in-one-place: src/classroom/board/server.ts → src/localcloud/paths.ts',
  'local-cloud-starts-faafo-as-processes: src/localcloud/gateway.ts → src/faafo/config.ts',
  'faafo-reaches-brokers-through-amqplib: src/faafo/queue.ts → src/broker/server.ts',
  'faafo-knows-nothing-of-the-rest: src/faafo/config.ts → src/cloud/models.ts',
  'broker-imports-nothing-of-the-app: src/broker/server.ts → src/lesson/printer.ts',
  'shared-imports-nothing-else-of-ours: src/shared/redact.ts → src/localcloud/paths.ts',
  'product-code-imports-no-tests-or-benches: src/lesson/run-step.ts → test/helpers/cloud.ts',
  'lesson-data-and-tutor-engine-know-no-ui: tutor/engine/run-lesson.ts → tutor/hooks/use-lesson.ts',
  'no-import-cycles: src/broker/channel.ts → src/broker/connection.ts',
  'no-unresolvable-imports: src/lesson/choose.ts → ./missing.ts',
];

describe('import rules on the fixture tree', () => {
  let report: CruiseReport;
  beforeAll(() => {
    report = parseReport(cruiseFixture('json'));
  });

  it('reports exactly the one deliberate violation of each rule', () => {
    expect(asLines(report)).toEqual([...FIXTURE_VIOLATIONS].sort());
  });

  it('has a deliberate violation for every rule of the configuration, so a new rule needs one too', () => {
    const rules = report.summary.ruleSetUsed.forbidden.map((rule) => rule.name).sort();
    const shown = FIXTURE_VIOLATIONS.map((line) => line.slice(0, line.indexOf(':'))).sort();
    expect(shown).toEqual(rules);
    expect(report.summary.violations.every((violation) => violation.rule.severity === 'error')).toBe(true);
  });

  it('counts a type-only import for the layer rules', () => {
    const cloud = report.summary.violations.find(
      (v) => v.rule.name === 'cloud-connection-knows-no-local-cloud',
    );
    expect(cloud?.dependencyTypes).toContain('type-only');
  });

  it('fails the run (non-zero exit) on a forbidden import, as CI needs', () => {
    const { status, stdout } = cruiseFixture('err');
    expect(status).not.toBe(0);
    expect(stdout).toContain('cloud-connection-knows-no-local-cloud: src/cloud/connect.ts');
  });
});

describe('import rules on the real tree', () => {
  let report: CruiseReport;
  beforeAll(() => {
    report = parseReport(
      run('npm', ['run', '--silent', 'lint:imports', '--', '--output-type', 'json'], ROOT),
    );
  });

  it('cruises our code, without the fixture tree', () => {
    const sources = report.modules.map((module) => module.source);
    for (const part of ['src/cloud/', 'src/localcloud/', 'src/faafo/', 'src/broker/', 'steps/', 'test/']) {
      expect(sources.some((source) => source.startsWith(part))).toBe(true);
    }
    expect(sources.filter((source) => source.startsWith('test/fixtures/import-rules/'))).toEqual([]);
  });

  it('finds no violation', () => {
    expect(asLines(report)).toEqual([]);
  });
});
