// `faafo-tutor`: the lesson's entry point (bin/faafo-tutor.mjs runs this, built or through tsx). With no
// command it says plainly what exists; `faafo-tutor broker` runs the embedded AMQP broker,
// `faafo-tutor pgserve` the database server of the local cloud's database node and
// `faafo-tutor cloud` the local OpenStack, `faafo-tutor classroom serve` a teacher's board for a
// workshop. With no command (options only), it runs the walkthrough (tutor/cli.ts); with nothing at
// all and no terminal, it prints the overview instead of starting a cloud for nobody.
import { Command, CommanderError } from 'commander';
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../shared/user-error.ts';
import { VERSION } from '../version.ts';

const overview = [
  `faafo-tutor ${VERSION} — learn how cloud applications scale out.`,
  '',
  'Run `npx faafo-tutor` in a terminal for the walkthrough (`--quick` for workshop-sized loads,',
  '`--yes --plain` to run it unattended, `--reset` to start over). The parts on their own:',
  "  npx faafo-tutor steps      the lesson's steps; `faafo-tutor step prelude`, then `step 1` … `step 7` run them",
  '  npx faafo-tutor repl       the lesson at a TypeScript prompt: `await steps.prelude()`, `await conn.listNodes()`',
  '  npx faafo-tutor cloud up   a local OpenStack-compatible cloud; `cloud env` prints its OS_* settings',
  "  npx faafo-tutor classroom serve   a workshop: the teacher's board, which students join with a code",
  '    (--shared-cloud: a cloud for the room on this host; `classroom close --shared-cloud` removes it)',
  '  npx faafo-tutor --join URL CODE --name NAME   a student joins it: the walkthrough, seen on the board',
  "  npx faafo-tutor ssh NODE   log in to a server (or `ssh NODE -- uptime`) with the lesson's key",
  '  npx faafo-tutor broker     the embedded AMQP broker (RabbitMQ stand-in) on 127.0.0.1:5672',
  '  npx faafo-tutor pgserve    PGlite served as a PostgreSQL (MySQL stand-in) on 127.0.0.1:5432',
  '  npx faafo api       the REST API and web gallery (http://127.0.0.1:8080)',
  '  npx faafo worker    a worker that renders fractals from the task queue',
  '  npx faafo create    ask for fractals; faafo list / show / get / delete to look at them',
  '  npx faafo render    render one fractal straight to a PNG file, no services needed',
  '',
  'See README.md for details.',
];

const io = { stdout: process.stdout, stderr: process.stderr };
// `faafo-tutor steps | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

/** commander's "error: …" as one line, pointing at the help. */
function usageLine(text: string, command: string): string {
  const message = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s+/g, ' ');
  return `${message}${/[.?!)]$/.test(message) ? '' : '.'} See '${command} --help'.`;
}

/** Help and output to our streams; a usage error as one line naming the (sub)command. */
function oneLineErrors(command: Command, name: string): Command {
  return command.exitOverride().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
    outputError: (text, write) => write(`${name}: ${usageLine(text, name)}\n`),
  });
}

interface WalkthroughFlags {
  cloud?: string;
  quick?: boolean;
  yes?: boolean;
  chapter?: string;
  reset?: boolean;
  plain?: boolean;
  join?: string[];
  name?: string;
}

/** `--join URL CODE` and `--name NAME`, checked together: one usage line when either is wrong. */
function joinFlags(flags: WalkthroughFlags): { url: string; code: string; name: string } | undefined {
  const usage = (text: string) => new UserError(text, { exitCode: EXIT_USAGE });
  if (flags.join === undefined) {
    if (flags.name !== undefined)
      throw usage('--name goes with --join URL CODE (the board the teacher showed).');
    return undefined;
  }
  if (flags.join.length !== 2)
    throw usage(
      `--join takes the board's address and the join code, as the teacher showed them: --join http://192.168.1.20:8700 K7M2QX --name "Ada L." (got ${flags.join.length} value${flags.join.length === 1 ? '' : 's'}).`,
    );
  if (flags.name === undefined)
    throw usage('--join needs --name NAME: how the teacher sees you on the board.');
  const [url, code] = flags.join as [string, string];
  return { url, code, name: flags.name };
}

const program = oneLineErrors(
  new Command('faafo-tutor')
    .description('Learn how cloud applications scale out: the OpenStack First App lesson, in TypeScript.')
    .version(VERSION, '--version', 'print the version number')
    // The walkthrough's options before any command only: `step 5 --cloud X` and `notebook --yes`
    // are the commands' own, not the walkthrough's.
    .enablePositionalOptions()
    .option(
      '--cloud <name>',
      'a cloud of your clouds.yaml (default: $OS_CLOUD, else the OS_* variables, else the local cloud)',
    )
    .option('--quick', 'workshop-sized loads (a smaller batch and flood)')
    .option('--yes', 'ask nothing: run every chapter and stop (exit 1) at the first failed check')
    .option('--chapter <n>', 'start at chapter N (1 … 8) whatever the saved progress says')
    .option('--reset', 'forget the progress and remove what the lesson made (step 1), then start over')
    .option('--plain', 'print lines instead of the full-screen app (the default without a terminal)')
    .option(
      '--join <url-and-code...>',
      "join a workshop: the teacher's board address and join code (the board sees chapters, checks and figures only)",
    )
    .option('--name <name>', 'your name on the teacher’s board (with --join)')
    .addHelpText('after', `\n${overview.join('\n')}\n`)
    .action(async (flags: WalkthroughFlags) => {
      const { runTutor } = await import('../../tutor/cli.ts');
      const { startingLocalCloud } = await import('../lesson/cli.ts');
      if (flags.chapter !== undefined && !/^\d+$/.test(flags.chapter))
        throw new UserError(`--chapter takes a chapter number (1 … 8); '${flags.chapter}' is not one.`, {
          exitCode: EXIT_USAGE,
        });
      const chapter = flags.chapter === undefined ? undefined : Number(flags.chapter);
      const join = joinFlags(flags);
      const code = await runTutor(
        {
          ...(flags.cloud ? { cloud: flags.cloud } : {}),
          quick: flags.quick ?? false,
          yes: flags.yes ?? false,
          ...(chapter === undefined ? {} : { chapter }),
          reset: flags.reset ?? false,
          plain: flags.plain ?? false,
          ...(join ? { join } : {}),
        },
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
        startingLocalCloud,
      );
      // A learner who quits mid-chapter leaves the engine waiting on the cloud: end the process now
      // (the progress up to the last finished chapter or step is saved).
      process.exit(code);
    }),
  'faafo-tutor',
);

// Each command's module is loaded only when it is the one asked for (the local cloud's alone takes
// most of a second to load); help and unknown commands load them all.
const argv = process.argv.slice(2);
// Options only (`--yes --quick`): the walkthrough, which needs none of the commands' modules.
const walkthrough =
  argv.length > 0 &&
  argv.every((a) => !['--help', '-h', '--version'].includes(a)) &&
  argv[0]!.startsWith('-');
const wanted = (name: string) =>
  (!walkthrough &&
    ![
      'broker',
      'pgserve',
      'cloud',
      'classroom',
      'ssh',
      'step',
      'steps',
      'notebook',
      'doctor',
      'repl',
    ].includes(argv[0] ?? '')) ||
  argv[0] === name;
const brokerCommand = wanted('broker') ? (await import('../broker/cli.ts')).brokerCommand : undefined;
const pgserveCommand = wanted('pgserve') ? (await import('../pgserve/cli.ts')).pgserveCommand : undefined;
const cloudCommand = wanted('cloud') ? (await import('../localcloud/cli.ts')).cloudCommand : undefined;
const classroom = wanted('classroom') ? await import('../classroom/cli.ts') : undefined;
// A room's own cloud (--shared-cloud, --cloud NAME) and `classroom close` plug into the board's hooks.
const room = classroom ? await import('../classroom/room/cli-options.ts') : undefined;
const lesson = wanted('step') || wanted('steps') ? await import('../lesson/cli.ts') : undefined;
const ssh = wanted('ssh') ? await import('../lesson/ssh-command.ts') : undefined;

if (brokerCommand) program.addCommand(oneLineErrors(brokerCommand(io), 'faafo-tutor broker'));
if (pgserveCommand) program.addCommand(oneLineErrors(pgserveCommand(io), 'faafo-tutor pgserve'));
if (cloudCommand) {
  const cloud = cloudCommand(io);
  for (const command of cloud.commands) oneLineErrors(command, `faafo-tutor cloud ${command.name()}`);
  program.addCommand(oneLineErrors(cloud, 'faafo-tutor cloud'));
}
if (classroom && room) {
  const command = classroom.classroomCommand(io, {
    openRoomCloud: room.openRoomCloud,
    serveOptions: room.addRoomServeOptions,
  });
  room.addCloseCommand(command, io);
  for (const sub of command.commands) oneLineErrors(sub, `faafo-tutor classroom ${sub.name()}`);
  program.addCommand(oneLineErrors(command, 'faafo-tutor classroom'));
}
for (const command of lesson ? [lesson.stepCommand(io), lesson.stepsCommand(io)] : []) {
  program.addCommand(oneLineErrors(command, `faafo-tutor ${command.name()}`));
}
if (ssh) program.addCommand(oneLineErrors(ssh.sshCommand(io), 'faafo-tutor ssh'));
const notebook = wanted('notebook') || wanted('doctor') ? await import('../notebook/cli.ts') : undefined;
if (notebook) program.addCommand(oneLineErrors(notebook.notebookCommand(io), 'faafo-tutor notebook'));
if (notebook) program.addCommand(oneLineErrors(notebook.doctorCommand(io), 'faafo-tutor doctor'));
const repl = wanted('repl') ? await import('../repl/cli.ts') : undefined;
if (repl) {
  // The prompt starts or finds the local cloud when none is configured, as `step N` does.
  const { startingLocalCloud } = await import('../lesson/cli.ts');
  const command = repl.replCommand({ input: process.stdin, output: process.stdout }, startingLocalCloud);
  // Only .exit or Ctrl-D end the prompt (0); what the lesson left running (pollers, sockets) ends with it.
  command.hook('postAction', () => process.exit(0));
  program.addCommand(oneLineErrors(command, 'faafo-tutor repl'));
}

try {
  // Nothing at all and no terminal (a script, a pipe): the overview, not a cloud started for nobody.
  if (argv.length === 0 && !(process.stdin.isTTY && process.stdout.isTTY))
    io.stdout.write(`${overview.join('\n')}\n`);
  else await program.parseAsync(argv, { from: 'user' });
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version "fail" with exit code 0; parse errors were already printed as one line.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else if (error instanceof UserError) {
    // A failure the user can act on, from whichever part: one line, named after the command run.
    const command = ['broker', 'pgserve', 'cloud', 'classroom', 'ssh', 'repl'].includes(argv[0] ?? '')
      ? `faafo-tutor ${argv[0]}`
      : 'faafo-tutor';
    io.stderr.write(`${command}: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`faafo-tutor: unexpected error: ${message.replace(/\s+/g, ' ').trim()}\n`);
    if (process.env.FAAFO_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
