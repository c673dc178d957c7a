// The `faafo` command line: the original's global options and subcommands (create, list, show,
// delete, get) plus ours (render, api, worker), parsed by commander. `runCli` never throws: every
// failure ends as one `faafo: …` line on stderr and an exit code (the stack only with --debug).
import { Command, CommanderError, Option } from 'commander';
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../../shared/user-error.ts';
import { VERSION } from '../../version.ts';
import { loadConfig } from '../config.ts';
import { FaafoClient } from './client.ts';
import { createCommand } from './commands/create.ts';
import { deleteCommand } from './commands/delete.ts';
import { getCommand } from './commands/get.ts';
import { listCommand } from './commands/list.ts';
import { RENDER_DEFAULTS, renderCommand } from './commands/render.ts';
import { apiCommand, type ServerFlags, serverConfig, workerCommand } from './commands/servers.ts';
import { showCommand } from './commands/show.ts';
import type { CliContext, Output } from './context.ts';
import { parseComplex, parseFloatValue, parseInteger, parsePort, parsePositiveInteger } from './parse.ts';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env?: NodeJS.ProcessEnv;
}

interface GlobalOptions {
  endpointUrl?: string;
  configFile?: string;
  verbose?: boolean;
  debug?: boolean;
}

/** The context a command runs with, from the global options (given before or after the subcommand). */
function contextFor(cmd: Command, io: CliIo): CliContext {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const info = (line: string) => {
    if (globals.verbose || globals.debug) io.stderr.write(`faafo: ${line}\n`);
  };
  const debug = (line: string) => {
    if (globals.debug) io.stderr.write(`faafo: ${line}\n`);
  };
  let client: FaafoClient | undefined;
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    info,
    debug,
    client() {
      client ??= new FaafoClient(endpointOf(globals, io.env ?? process.env), { debug });
      return client;
    },
  };
}

/**
 * --endpoint-url, else FAAFO_ENDPOINT_URL, else the config file's endpoint_url, else the default.
 * A setting that cannot be used is a ConfigError: a UserError with the usage exit code.
 */
function endpointOf(globals: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return loadConfig({ flags: { endpointUrl: globals.endpointUrl }, configFile: globals.configFile, env })
    .endpointUrl;
}

const intOption = (flags: string, description: string) =>
  new Option(flags, description).argParser(parseInteger);
const floatOption = (flags: string, description: string) =>
  new Option(flags, description).argParser(parseFloatValue);

function addCreate(program: Command, io: CliIo): void {
  const create = program
    .command('create')
    .description('ask the API for new fractals, with random parameters unless given');
  create
    .addOption(
      new Option('--tasks <n>', 'number of fractals (default: random)').argParser(parsePositiveInteger),
    )
    .addOption(new Option('--min-tasks <n>', 'fewest fractals').argParser(parsePositiveInteger).default(1))
    .addOption(new Option('--max-tasks <n>', 'most fractals').argParser(parsePositiveInteger).default(10));
  const ints: [string, number, number][] = [
    ['width', 256, 1024],
    ['height', 256, 1024],
    ['iterations', 128, 512],
  ];
  for (const [name, min, max] of ints) {
    create
      .addOption(intOption(`--${name} <n>`, `${name} (default: random)`))
      .addOption(intOption(`--min-${name} <n>`, `smallest random ${name}`).default(min))
      .addOption(intOption(`--max-${name} <n>`, `largest random ${name}`).default(max));
  }
  const floats: [string, number, number][] = [
    ['xa', -1.0, -4.0],
    ['xb', 1.0, 4.0],
    ['ya', -0.5, -3],
    ['yb', 0.5, 3],
  ];
  for (const [name, min, max] of floats) {
    create
      .addOption(floatOption(`--${name} <x>`, `${name} (default: random)`))
      .addOption(floatOption(`--min-${name} <x>`, `one end of the random ${name} range`).default(min))
      .addOption(floatOption(`--max-${name} <x>`, `the other end of the random ${name} range`).default(max));
  }
  create.action((options, cmd: Command) => createCommand(contextFor(cmd, io), options));
}

function addServer(program: Command, io: CliIo, role: 'api' | 'worker'): void {
  const cmd = program
    .command(role)
    .description(
      role === 'api'
        ? 'run the REST API (faafo-api): stores fractals and queues their tasks'
        : 'run a worker (faafo-worker): renders queued tasks and reports them to the API',
    )
    .option('--database-url <url>', 'SQLAlchemy-style database URL (api)')
    .option('--transport-url <url>', 'AMQP broker URL')
    .option('--listen-address <address>', 'address the API listens on (api)')
    .addOption(new Option('--bind-port <port>', 'port the API listens on (api)').argParser(parsePort))
    .addOption(
      new Option('--prefetch <n>', 'tasks one worker holds at a time (worker)').argParser(
        parsePositiveInteger,
      ),
    )
    .addOption(
      new Option('--image-store <kind>', 'where images are kept (api)').choices(['database', 'disk']),
    )
    .option('--image-dir <dir>', 'directory for --image-store disk (api)')
    .addOption(
      new Option('--render-threads <n>', 'threads per render (worker)').argParser(parsePositiveInteger),
    )
    .addOption(new Option('--max-width <n>', 'largest width accepted (api)').argParser(parsePositiveInteger))
    .addOption(
      new Option('--max-height <n>', 'largest height accepted (api)').argParser(parsePositiveInteger),
    )
    .addOption(
      new Option('--max-iterations <n>', 'most iterations accepted (api)').argParser(parsePositiveInteger),
    );
  cmd.action(async (options: ServerFlags, self: Command) => {
    const ctx = contextFor(self, io);
    const globals = self.optsWithGlobals<GlobalOptions>();
    const config = serverConfig({ ...options, endpointUrl: globals.endpointUrl }, globals.configFile);
    await (role === 'api' ? apiCommand(ctx, config) : workerCommand(ctx, config));
  });
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('faafo')
    .description('The Fractals app (faafo) from the OpenStack First App guide: client and servers.')
    .version(VERSION, '--version', 'print the version number')
    .option(
      '--endpoint-url <url>',
      'the faafo API (env FAAFO_ENDPOINT_URL, or endpoint_url in the config file)',
    )
    .option('--config-file <path>', 'INI file with faafo settings (default /etc/faafo/faafo.conf if present)')
    .option('-v, --verbose', 'say what is being done')
    .option('-d, --debug', 'also show each HTTP request, and stack traces')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // commander's "error: unknown command 'foo'": keep it to one line, with the way out.
      outputError: (text, write) => write(`faafo: ${usageLine(text)}\n`),
    });

  addCreate(program, io);
  program
    .command('list')
    .description('list all fractals')
    .action((_options, cmd: Command) => listCommand(contextFor(cmd, io)));
  program
    .command('show')
    .description("show a fractal's parameters and result")
    .argument('<uuid>', 'the fractal')
    .action((uuid: string, _options, cmd: Command) => showCommand(contextFor(cmd, io), uuid));
  program
    .command('get')
    .description("download a fractal's PNG")
    .argument('<uuid>', 'the fractal')
    .option('-o, --output <file>', "where to save it ('-' for stdout; default <uuid>.png)")
    .action((uuid: string, options: { output?: string }, cmd: Command) =>
      getCommand(contextFor(cmd, io), uuid, options),
    );
  program
    .command('delete')
    .description('delete a fractal and its image')
    .argument('<uuid>', 'the fractal')
    .action((uuid: string, _options, cmd: Command) => deleteCommand(contextFor(cmd, io), uuid));
  program
    .command('render')
    .description('render one fractal straight to a PNG file (no API, queue or database)')
    .requiredOption('-o, --output <file>', 'the PNG file to write')
    .addOption(intOption('--width <n>', 'width in pixels').default(RENDER_DEFAULTS.width))
    .addOption(intOption('--height <n>', 'height in pixels').default(RENDER_DEFAULTS.height))
    .addOption(
      intOption('--iterations <n>', 'iteration budget per pixel').default(RENDER_DEFAULTS.iterations),
    )
    .addOption(floatOption('--xa <x>', 'left edge').default(RENDER_DEFAULTS.xa))
    .addOption(floatOption('--xb <x>', 'right edge').default(RENDER_DEFAULTS.xb))
    .addOption(floatOption('--ya <y>', 'top edge (row 0, as the original)').default(RENDER_DEFAULTS.ya))
    .addOption(floatOption('--yb <y>', 'bottom edge').default(RENDER_DEFAULTS.yb))
    .addOption(
      new Option('--c <re,im>', 'the Julia constant')
        .argParser(parseComplex)
        .default(RENDER_DEFAULTS.c, `${RENDER_DEFAULTS.c.re},${RENDER_DEFAULTS.c.im}`),
    )
    .addOption(new Option('--threads <n>', 'render threads (default: vCPUs)').argParser(parsePositiveInteger))
    .action((options, cmd: Command) => renderCommand(contextFor(cmd, io), options));
  addServer(program, io, 'api');
  addServer(program, io, 'worker');
  // A mistake in `faafo create …` points at `faafo create --help`, where the options are listed.
  for (const command of program.commands) {
    command.configureOutput({
      outputError: (text, write) => write(`faafo: ${usageLine(text, `faafo ${command.name()}`)}\n`),
    });
  }
  return program;
}

/** commander's message without its "error: " prefix, ending with a pointer to the help. */
export function usageLine(text: string, command = 'faafo'): string {
  const message = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s+/g, ' ');
  const stop = /[.?!)]$/.test(message) ? '' : '.';
  return `${message}${stop} See '${command} --help'.`;
}

/** Parses and runs one command line; resolves to the exit code (servers keep running after it). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const debug = argv.includes('--debug') || argv.includes('-d');
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; real parse errors were already printed.
      if (error.exitCode === 0) return 0;
      return error.code === 'commander.help' || error.code === 'commander.helpDisplayed'
        ? error.exitCode
        : EXIT_USAGE;
    }
    if (error instanceof UserError) {
      io.stderr.write(`faafo: ${error.message}\n`);
      if (debug && error.cause instanceof Error) io.stderr.write(`${error.cause.stack ?? error.cause}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `faafo: unexpected error: ${message.replace(/\s+/g, ' ').trim()}${debug ? '' : ' (run again with --debug to see where it happened)'}\n`,
    );
    if (debug && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return EXIT_FAILURE;
  }
}
