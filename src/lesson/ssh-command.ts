// `faafo-tutor ssh NODE [-- CMD]`: the guide's `ssh -i demokey.pem USER@FLOATING_IP CMD` without
// looking anything up. It finds the server through the cloud API (the same on a real cloud and on
// the local one), takes its floating IP (else its address) and its ssh port (22, or where the local
// cloud moved it: the server's `local-cloud:ports` metadata), and the lesson's key (the prelude's
// demokey.pem), then runs the real OpenSSH client with those, as an argument list. What goes wrong
// before the node's shell answers — no such node, a stopped node, a refused key, a closed port — is
// one line that says what to do.
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { execa } from 'execa';
import { type CloudFallback, connect } from '../cloud/connect.ts';
import type { Node } from '../cloud/models.ts';
import { UserError } from '../shared/user-error.ts';
import {
  DEFAULT_SSH_USER,
  explainSshLine,
  lessonKeyFile,
  type SshCall,
  sshArgs,
  sshTarget,
} from './ssh-call.ts';
import type { StepIo } from './text-printer.ts';

interface SshFlags {
  cloud?: string;
  identity?: string;
  login: string;
}

async function findNode(name: string, flags: SshFlags, fallback: CloudFallback): Promise<Node> {
  const conn = await connect({ ...(flags.cloud ? { cloud: flags.cloud } : {}), fallback });
  const matches = (await conn.listNodes()).filter((n) => n.name === name);
  if (matches.length === 0)
    throw new UserError(
      `There is no server named ${name}; \`openstack server list\` shows the servers there are.`,
    );
  if (matches.length > 1)
    throw new UserError(
      `${matches.length} servers are named ${name}; delete the extra ones or rename them first.`,
    );
  const node = matches[0]!;
  if (node.state !== 'running')
    throw new UserError(
      `${name} is ${node.status}, not running; start it (openstack server start ${name}) and try again.`,
    );
  return node;
}

/** Runs ssh with our stdin/stdout; its stderr is passed on, except the lines we explain. */
async function runSsh(call: SshCall, node: Node, io: StepIo): Promise<number> {
  const child = execa('ssh', sshArgs(call), {
    stdin: 'inherit',
    stdout: 'inherit',
    stderr: 'pipe',
    reject: false,
  });
  const explained: string[] = [];
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    const why = explainSshLine(line, node, call);
    if (why) explained.push(why);
    else io.stderr.write(`${line}\n`);
  });
  const result = await child;
  if ((result as { code?: string }).code === 'ENOENT' || (result.failed && result.exitCode === undefined)) {
    throw new UserError(
      'The OpenSSH client (ssh) is not installed; install it (apt-get install openssh-client) and try again.',
    );
  }
  if (result.exitCode === 255 && explained[0]) throw new UserError(explained[0]);
  return result.exitCode ?? 1;
}

/** No cloud configured: the local cloud, if it runs (loaded only then, as in cli.ts). */
const runningLocalCloud: CloudFallback = async (context) =>
  (await import('../localcloud/connect-fallback.ts')).runningLocalCloud(context);

export function sshCommand(io: StepIo, fallback: CloudFallback = runningLocalCloud): Command {
  return new Command('ssh')
    .description("log in to a server of the lesson (or run CMD on it) with the real ssh and the lesson's key")
    .argument('<node>', 'the server name, e.g. app-worker-1')
    .argument('[command...]', 'a command to run on it, after `--` (default: a login shell)')
    .option(
      '--cloud <name>',
      'a cloud of your clouds.yaml (default: $OS_CLOUD, else the OS_* variables, else the local cloud)',
    )
    .option('-i, --identity <file>', "the private key (default: the lesson's demokey.pem)")
    .option('-l, --login <user>', 'the user to log in as', DEFAULT_SSH_USER)
    .action(async (name: string, command: string[], flags: SshFlags) => {
      const node = await findNode(name, flags, fallback);
      const target = sshTarget(node);
      if (!target) throw new UserError(`${name} has no address yet; wait until it is ACTIVE and try again.`);
      const key = flags.identity ?? lessonKeyFile();
      if (flags.identity && !existsSync(flags.identity))
        throw new UserError(
          `There is no key file ${flags.identity}; pass the private key of ${node.keyName ?? 'its key pair'}.`,
        );
      process.exitCode = await runSsh(
        { ...target, user: flags.login, ...(key ? { key } : {}), command },
        node,
        io,
      );
    });
}
