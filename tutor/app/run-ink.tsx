// The tutor in a terminal: renders the Ink app and resolves with the exit code when the lesson
// ends or the learner quits (0), or a check failed and the run stopped (1).
import { render } from 'ink';
import { App } from '../app.tsx';
import type { LessonOptions, LessonOutcome } from '../engine/run-lesson.ts';

export async function runInk(
  options: Omit<LessonOptions, 'learner' | 'emit'>,
  flags: { yes: boolean },
  io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  const ended: { outcome: LessonOutcome | { error: string } } = { outcome: 'quit' };
  const app = render(<App options={options} yes={flags.yes} onEnd={(o) => (ended.outcome = o)} />, {
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  await app.waitUntilExit();
  const end = ended.outcome;
  if (typeof end === 'object') {
    io.stderr.write(`faafo-tutor: ${end.error}\n`);
    return 1;
  }
  return end === 'failed' ? 1 : 0;
}
