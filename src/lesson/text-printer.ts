// The step runner's events as the text `faafo-tutor step N` prints: a header naming the cloud,
// `  … ` lines for what the cloud connection found and waited for, one ✓/✗ line per check, and
// `step-N done.` — or one `faafo-tutor: …` line on stderr saying what failed, what to do, and what
// the run had already made. The tests of the CLI's output hold this text byte for byte.
import { describeCloudEvent } from '../cloud/events.ts';
import type { StepEvent } from './events.ts';

export interface StepIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A run's failure's tail: what it made stays in the cloud, and running the step again reuses it. */
function leftBehind(made: ReadonlyArray<{ kind: string; name: string }>): string {
  if (made.length === 0) return '';
  return (
    ` Before that, this run made ${made.map((m) => `${m.kind} ${m.name}`).join(', ')}; ` +
    'they stay in the cloud: run the step again to finish (it reuses them), or step 1 to remove them.'
  );
}

/** A consumer of step events that writes them to `io` as text. */
export function textPrinter(io: StepIo): (event: StepEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'started':
        return;
      case 'connected':
        io.stdout.write(`${event.step.id}: ${event.step.title} (${event.step.file}), using ${event.cloud}\n`);
        return;
      case 'checking':
        io.stdout.write(`Checking the cloud after ${event.step.id}:\n`);
        return;
      case 'check':
        io.stdout.write(
          `  ${event.ok ? '✓' : '✗'} ${event.label}${event.detail ? ` — ${event.detail}` : ''}\n`,
        );
        return;
      case 'done':
        io.stdout.write(`${event.step.id} done.\n`);
        return;
      case 'failed': {
        // Only an error mid-run says what it left: failed checks already show the cloud as it is.
        const left = event.kind === 'error' ? leftBehind(event.made) : '';
        io.stderr.write(`faafo-tutor: ${event.stack ?? event.reason}${left}\n`);
        return;
      }
      default: {
        const line = describeCloudEvent(event);
        if (line) io.stdout.write(`  … ${line}\n`);
      }
    }
  };
}
