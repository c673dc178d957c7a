// A command on one of the lesson's servers, as the learner would type `faafo-tutor ssh NODE -- CMD`:
// the real OpenSSH client, the node's floating IP (or address) and ssh port, the lesson's key. The
// tutor uses it to read `uptime` on the worker and to crash processes in the fault drill; its output
// is what the node printed, never parsed for anything but the figure asked for.
import { execa } from 'execa';
import type { Node } from '../../src/cloud/models.ts';
import { DEFAULT_SSH_USER, lessonKeyFile, sshArgs, sshTarget } from '../../src/lesson/ssh-call.ts';

export interface NodeCommandResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export async function onNode(
  node: Node,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<NodeCommandResult> {
  const target = sshTarget(node);
  if (!target) return { exitCode: undefined, stdout: '', stderr: `${node.name} has no address to ssh to` };
  const key = lessonKeyFile(env);
  const result = await execa(
    'ssh',
    sshArgs({ ...target, user: DEFAULT_SSH_USER, ...(key ? { key } : {}), command }),
    {
      reject: false,
      timeout: timeoutMs,
      stdin: 'ignore',
    },
  );
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The 1-minute load of procps' `uptime` line; undefined when the line has none. */
export function uptimeLoad(line: string): number | undefined {
  const match = /load average: ([\d.]+)/.exec(line);
  return match ? Number(match[1]) : undefined;
}
