// The tutor in a terminal: renders the Ink app and resolves with the exit code when the lesson
// ends or the learner quits (0), or a check failed and the run stopped (1). In a classroom the
// session's tap sees every event and its trouble lines become the app's notes (printed into Ink's
// screen they would tear its frame).
import { render } from 'ink';
import { App } from '../app.tsx';
import type { ClassroomSession } from '../classroom.ts';
import type { LessonOptions, LessonOutcome } from '../engine/run-lesson.ts';
import { tapConsole } from './console-tap.ts';

export async function runInk(
  options: Omit<LessonOptions, 'learner' | 'emit'>,
  flags: { yes: boolean },
  io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
  classroom?: ClassroomSession,
): Promise<number> {
  const ended: { outcome: LessonOutcome | { error: string } } = { outcome: 'quit' };
  // The steps' console lines, printed into the terminal, push Ink's frame around (a real terminal
  // once showed only those lines): while the app owns the screen they go to the app instead.
  const tap = tapConsole();
  const app = render(
    <App
      options={options}
      yes={flags.yes}
      stepOutput={tap}
      onEnd={(o) => (ended.outcome = o)}
      {...(classroom ? { classroom } : {})}
    />,
    {
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      patchConsole: false,
    },
  );
  try {
    await app.waitUntilExit();
  } finally {
    tap.restore();
  }
  const end = ended.outcome;
  if (typeof end === 'object') {
    io.stderr.write(`faafo-tutor: ${end.error}\n`);
    return 1;
  }
  return end === 'failed' ? 1 : 0;
}
