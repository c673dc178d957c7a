// The text printer (src/lesson/text-printer.ts): a step's events as `faafo-tutor step N` prints them,
// byte for byte — the header naming the cloud, `  … ` lines for what the cloud connection found,
// started and waited for (nothing for what it created: the step says that itself), one ✓/✗ line
// per check, `step-N done.`, and on failure one `faafo-tutor: …` line on stderr that names what an
// error left behind (failed checks do not: the ✗ lines show the cloud as it is).
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/lesson/events.ts';
import { textPrinter } from '../../src/lesson/text-printer.ts';

const STEP = { id: 'step-5', title: 'Two API servers with floating IPs', file: 'steps/step-5.ts' };

function print(events: StepEvent[]): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const printer = textPrinter({
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  for (const e of events) printer(e);
  return { stdout, stderr };
}

describe('the text printer', () => {
  it('a run that finds, starts, creates, waits and passes its checks', () => {
    const out = print([
      { type: 'started', step: STEP, checkOnly: false },
      { type: 'cloud-starting', cloud: 'the local cloud', dataDir: '/home/s/.local/share/faafo-tutor/cloud' },
      { type: 'connected', step: STEP, cloud: 'the local cloud' },
      { type: 'waiting', servers: [{ name: 'app-services', status: 'BUILD' }], elapsedS: 0 },
      { type: 'found', kind: 'server', name: 'app-api-1', status: 'SHUTOFF', outcome: 'kept' },
      { type: 'server-starting', name: 'app-api-1' },
      { type: 'found', kind: 'server', name: 'app-api-2', status: 'ERROR', outcome: 'replaced' },
      { type: 'created', kind: 'server', name: 'app-api-2', id: 'id-2' },
      {
        type: 'waiting',
        servers: [
          { name: 'app-api-1', status: 'REBOOT' },
          { name: 'app-api-2', status: 'BUILD' },
        ],
        elapsedS: 12,
      },
      { type: 'found', kind: 'security group', name: 'api', status: '2 rules', outcome: 'kept' },
      { type: 'found', kind: 'security group rule', name: 'TCP 80-80 to api', outcome: 'kept' },
      { type: 'checking', step: STEP },
      { type: 'check', ok: true, label: 'server app-api-1 is running (10.0.0.7)' },
      { type: 'done', step: STEP },
    ]);
    expect(out.stdout).toBe(
      [
        '  … starting the local cloud (data in /home/s/.local/share/faafo-tutor/cloud) …',
        'step-5: Two API servers with floating IPs (steps/step-5.ts), using the local cloud',
        '  … waiting for app-services BUILD (0 s)',
        '  … found server app-api-1 (SHUTOFF): kept',
        '  … starting app-api-1 again',
        '  … found server app-api-2 in ERROR (no fault given): replacing it',
        '  … waiting for app-api-1 REBOOT, app-api-2 BUILD (12 s)',
        '  … found security group api (2 rules): kept',
        '  … found rule TCP 80-80 to api: kept',
        'Checking the cloud after step-5:',
        '  ✓ server app-api-1 is running (10.0.0.7)',
        'step-5 done.',
        '',
      ].join('\n'),
    );
    expect(out.stderr).toBe('');
  });

  it('an error midway: one stderr line with the reason and what the run made', () => {
    const made = [
      { kind: 'security group' as const, name: 'api', id: 'g1' },
      { kind: 'security group rule' as const, name: 'TCP 80-80 to api', id: 'r1' },
    ];
    const out = print([
      { type: 'connected', step: STEP, cloud: 'the local cloud' },
      { type: 'failed', step: STEP, kind: 'error', reason: 'Could not add the rule: Quota exceeded.', made },
    ]);
    expect(out.stderr).toBe(
      'faafo-tutor: Could not add the rule: Quota exceeded. Before that, this run made security group api, ' +
        'security group rule TCP 80-80 to api; they stay in the cloud: run the step again to finish ' +
        '(it reuses them), or step 1 to remove them.\n',
    );
  });

  it('with --debug, the stack in place of the reason', () => {
    const out = print([
      {
        type: 'failed',
        step: STEP,
        kind: 'error',
        reason: 'x is not a function (unexpected: …)',
        stack: 'TypeError: x\n    at y',
        made: [],
      },
    ]);
    expect(out.stderr).toBe('faafo-tutor: TypeError: x\n    at y\n');
  });

  it('failed checks: the ✗ lines with what was seen, then the hint, without the made list', () => {
    const out = print([
      { type: 'checking', step: STEP },
      { type: 'check', ok: false, label: 'server app-api-1 is running', detail: 'it is missing' },
      {
        type: 'failed',
        step: STEP,
        kind: 'checks',
        reason: 'Step 5 did not leave the cloud as the lesson expects. Run step 5 again.',
        made: [{ kind: 'server', name: 'app-api-2', id: 'id-2' }],
      },
    ]);
    expect(out.stdout).toBe(
      'Checking the cloud after step-5:\n  ✗ server app-api-1 is running — it is missing\n',
    );
    expect(out.stderr).toBe(
      'faafo-tutor: Step 5 did not leave the cloud as the lesson expects. Run step 5 again.\n',
    );
  });

  it('no such step: the usage line alone', () => {
    const out = print([
      { type: 'failed', kind: 'no-such-step', reason: "there is no step '9'; …", made: [] },
    ]);
    expect(out).toEqual({ stdout: '', stderr: "faafo-tutor: there is no step '9'; …\n" });
  });
});
