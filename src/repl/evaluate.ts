// The prompt's eval: compile the input (./compile.ts), check its types (./type-check.ts), run it in the prompt's context, wait for it
// (every input is async), and hand the value to the writer — or print the failure as one line
// (./error-line.ts) and give the REPL nothing to print, so the prompt simply comes back. An input that
// stops mid-statement is Recoverable: Node's REPL then reads the next line and calls again with both.
// Ctrl-C while an input runs stops waiting for it (what it started in the cloud goes on).
import { Recoverable } from 'node:repl';
import vm from 'node:vm';
import { compileInput } from './compile.ts';
import { errorLine } from './error-line.ts';
import type { TypeCheck } from './type-check.ts';

/** Node's REPLEval without its `this` (nothing here needs the server). */
export type PromptEval = (
  input: string,
  context: vm.Context,
  file: string,
  done: (error: Error | null, result?: unknown) => void,
) => void;

export interface Evaluator {
  evaluate: PromptEval;
  /** Stops waiting for the input that runs; false when none does. */
  interrupt(): boolean;
  /** The last input stopped mid-statement and waits for more (at the end of piped input, it never runs). */
  unfinished(): boolean;
}

export function createEvaluator(write: (text: string) => void, typeCheck?: TypeCheck): Evaluator {
  let stopWaiting: (() => void) | undefined;
  let waitingForMore = false;
  const evaluate: PromptEval = (input, context, _file, done) => {
    const compiled = compileInput(input);
    waitingForMore = compiled.kind === 'incomplete';
    if (compiled.kind === 'incomplete')
      return done(new Recoverable(new SyntaxError('unfinished input')), undefined);
    if (compiled.kind === 'error') {
      write(`SyntaxError: ${compiled.message}\n`);
      return done(null, undefined);
    }
    const typeError = typeCheck?.check(compiled.source);
    if (typeError) {
      write(`TypeScript: ${typeError}\n`);
      return done(null, undefined);
    }
    // It runs: what it declares is there for the next inputs, whether it then succeeds or not.
    typeCheck?.remember(compiled.source);
    let settled = false;
    const settle = (failure: unknown, value?: unknown, failed = false) => {
      if (settled) return;
      settled = true;
      stopWaiting = undefined;
      if (failed) write(`${errorLine(failure, context as Record<string, unknown>)}\n`);
      done(null, failed ? undefined : value);
    };
    stopWaiting = () => {
      write('Interrupted: the prompt stopped waiting (what the input started goes on in the cloud).\n');
      settle(null, undefined);
    };
    // Started on the next turn, so a synchronous throw (a runtime SyntaxError) takes the same path.
    Promise.resolve()
      .then(
        () => new vm.Script(compiled.code, { filename: 'repl' }).runInContext(context) as Promise<unknown>,
      )
      .then(
        (value) => settle(null, value),
        (error) => settle(error, undefined, true),
      );
  };
  return {
    evaluate,
    unfinished: () => waitingForMore,
    interrupt: () => {
      if (!stopWaiting) return false;
      stopWaiting();
      return true;
    },
  };
}
