// The prompt itself: Node's REPL with the lesson preloaded (./context.ts), each input compiled from
// TypeScript (./evaluate.ts), results as tables (./print.ts), `conn.` completing to the connection's
// methods (./complete.ts), and history kept in the user's data directory. Only `.exit` and Ctrl-D end
// it: Ctrl-C clears the line (or stops waiting for a running input), and an error anywhere — in an
// input, or later in something an input left running — prints one line and the prompt comes back.
// Without a terminal it reads its input a line at a time, each run to its end before the next
// (./piped-input.ts), and ends at the end of the input.
import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import repl, { type REPLServer } from 'node:repl';
import type { Readable, Writable } from 'node:stream';
import { bannerLines, helpLines } from './banner.ts';
import { completeMember } from './complete.ts';
import { errorLine } from './error-line.ts';
import { createEvaluator } from './evaluate.ts';
import { lineFeeder } from './piped-input.ts';
import { formatResult } from './print.ts';
import type { TypeCheck } from './type-check.ts';

export interface ReplIo {
  input: Readable & { isTTY?: boolean };
  output: Writable & { isTTY?: boolean; columns?: number };
}

export interface StartOptions {
  version: string;
  /** Whose cloud the connection is, as the banner says it: "the local cloud", "cloud 'x' from …". */
  cloud: string;
  /** The names the prompt holds. */
  preloaded: Record<string, unknown>;
  /** Checks each input's types before it runs; none: types are only stripped. */
  typeCheck?: TypeCheck;
  /** Where the history is kept (terminal only); none: no history. */
  historyFile?: string;
}

const LEAVE_HINT = '(To leave, type .exit or press Ctrl-D.)\n';

function defineHelp(server: REPLServer, typesChecked: boolean): void {
  // Node's own commands stay, each with its help line, under ours.
  const commands = () =>
    Object.entries(server.commands)
      .map(([name, command]) => ({ name, help: command?.help ?? '' }))
      .sort((a, b) => a.name.localeCompare(b.name));
  server.defineCommand('help', {
    help: 'List what the prompt holds and its commands',
    action() {
      server.output.write(`${helpLines(commands(), typesChecked).join('\n')}\n`);
      server.displayPrompt();
    },
  });
}

function completeFromContext(server: REPLServer): void {
  const nodes = server.completer.bind(server);
  const completer = (line: string, callback: (error: Error | null, result?: [string[], string]) => void) => {
    const members = completeMember(line, server.context as Record<string, unknown>);
    if (members) callback(null, members);
    else nodes(line, callback as never);
  };
  // The REPL reads its completer from this property at each Tab.
  (server as unknown as { completer: typeof completer }).completer = completer;
}

/** Ctrl-C: never the end of the prompt (Node's REPL leaves on a second one). */
function keepOnInterrupt(server: REPLServer, interrupt: () => boolean): void {
  server.removeAllListeners('SIGINT');
  server.on('SIGINT', () => {
    if (interrupt()) return;
    const typing = server.line.length > 0;
    // readline's own (not in its types): the cursor to a new line, the line typed so far dropped.
    (server as unknown as { clearLine(): void }).clearLine();
    server.clearBufferedCommand();
    if (!typing) server.output.write(LEAVE_HINT);
    server.displayPrompt();
  });
}

/**
 * An error after its input has ended (a promise left running, a timer that throws): one line, then
 * the prompt. Node's REPL catches these through its domain, printing the stack and showing the prompt
 * again; piped, a prompt shown then would hand over the next line while another still runs. So its
 * domain's handler is replaced (the REPL keeps it as `_domain`), and the process-wide events cover
 * what escapes the domain.
 */
function reportStrayErrors(server: REPLServer, terminal: boolean): () => void {
  const report = (error: unknown) => {
    server.output.write(`\n${errorLine(error, server.context as Record<string, unknown>)}\n`);
    // Piped, the prompt comes back when the running line ends.
    if (terminal) {
      server.clearBufferedCommand();
      server.displayPrompt(true);
    }
  };
  const domain = (server as unknown as { _domain?: EventEmitter })._domain;
  domain?.removeAllListeners('error');
  domain?.on('error', report);
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
  return () => {
    process.off('uncaughtException', report);
    process.off('unhandledRejection', report);
  };
}

/** Runs the prompt until .exit, Ctrl-D or the end of piped input. */
export async function startRepl(options: StartOptions, io: ReplIo): Promise<void> {
  const terminal = Boolean(io.input.isTTY && io.output.isTTY);
  const write = (text: string) => io.output.write(text);
  const feeder = terminal ? undefined : lineFeeder(io.input, (line) => write(`${line}\n`));
  const evaluator = createEvaluator(write, options.typeCheck);
  write(`${bannerLines(options.version, options.cloud).join('\n')}\n`);
  const server = repl.start({
    prompt: '> ',
    input: feeder?.input ?? io.input,
    output: io.output,
    terminal,
    eval: evaluator.evaluate,
    writer: (value) => formatResult(value, { width: io.output.columns ?? 80, colors: terminal }),
    ignoreUndefined: true,
    useGlobal: false,
    preview: false,
  });
  Object.assign(server.context, options.preloaded);
  // `.clear` gives the REPL a fresh context: the lesson's names come back in it.
  server.on('reset', (context) => {
    Object.assign(context, options.preloaded);
    options.typeCheck?.forget();
  });
  defineHelp(server, options.typeCheck !== undefined);
  completeFromContext(server);
  keepOnInterrupt(server, evaluator.interrupt);
  const stopReporting = reportStrayErrors(server, terminal);
  if (terminal && options.historyFile) {
    mkdirSync(dirname(options.historyFile), { recursive: true });
    await new Promise<void>((resolve) =>
      server.setupHistory(options.historyFile!, (error) => {
        if (error) write(`(No history this time: ${error.message})\n`);
        resolve();
      }),
    );
  }
  // The first check loads the types (about a second): now, while the learner reads the banner.
  if (options.typeCheck) setImmediate(() => options.typeCheck?.check(''));
  if (feeder) {
    // Each time the prompt is shown, the line before has finished: give the next one.
    const show = server.displayPrompt.bind(server);
    server.displayPrompt = (preserveCursor?: boolean) => {
      show(preserveCursor);
      feeder.next();
    };
    feeder.next();
  }
  await new Promise<void>((resolve) => server.on('exit', resolve));
  stopReporting();
  if (feeder && evaluator.unfinished())
    write('\n(The input ended in the middle of a statement, which did not run: it needs its closing lines.)');
  // The last prompt has no line of its own: end it, so a shell's prompt starts on a fresh line.
  write('\n');
}
