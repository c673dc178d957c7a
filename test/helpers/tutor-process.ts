// `faafo-tutor ARGS` as its own process, run to its end with the whole output kept (a lesson prints
// more than execFile's buffer holds): the classroom's end-to-end tests run students' tutors with it.
import { spawn } from 'node:child_process';
import { TUTOR_BIN } from '../../src/shared/bins.ts';

export interface TutorEnded {
  code: number | null;
  out: string;
  err: string;
}

export interface TutorRunOptions {
  env: NodeJS.ProcessEnv;
  /** Past it the tutor is killed and the promise rejects with what it printed. */
  timeoutMs: number;
  /** Written to its standard input, which then ends (default: no input at all). */
  input?: string;
  /** Called once when the output first matches `pattern` (`stop` sends SIGTERM). */
  whenSeen?: { pattern: RegExp; act: (stop: () => void) => Promise<void> };
}

export function tutorToEnd(args: string[], options: TutorRunOptions): Promise<TutorEnded> {
  const { env, timeoutMs, whenSeen, input } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TUTOR_BIN, ...args], {
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(input);
    let out = '';
    let err = '';
    let seen = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`faafo-tutor ${args.join(' ')} did not end in ${timeoutMs} ms:\n${out}${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (whenSeen && !seen && whenSeen.pattern.test(out)) {
        seen = true;
        void whenSeen.act(() => child.kill('SIGTERM'));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
