// `faafo-tutor step <N>` and `faafo-tutor steps`: the lesson from the command line, one step per
// process (each finds what the earlier ones made in the cloud, not in memory). With no cloud
// configured, a step starts or finds the local cloud: this is where that fallback is given.
import { Command } from 'commander';
import { LESSON } from '../../steps/lesson.ts';
import type { CloudFallback } from '../cloud/connect.ts';
import { runStep } from './run-step.ts';
import type { StepIo } from './text-printer.ts';

/**
 * Loaded only when no cloud is configured: a real cloud's students never load the local cloud's code.
 * The walkthrough (tutor/) is given the same fallback by the bin.
 */
export const startingLocalCloud: CloudFallback = async (context) =>
  (await import('../localcloud/connect-fallback.ts')).localCloudFallback(context);

interface StepFlags {
  cloud?: string;
  image?: string;
  flavor?: string;
  networkId?: string;
  check?: boolean;
  debug?: boolean;
}

export function stepCommand(io: StepIo): Command {
  return new Command('step')
    .description('run one step of the lesson (prelude, 1 … 7) and check the cloud after it')
    .argument('<step>', `one of: ${LESSON.map((s) => s.id.replace('step-', '')).join(', ')}`)
    .option(
      '--cloud <name>',
      'a cloud of your clouds.yaml (default: $OS_CLOUD, else the OS_* variables, else the local cloud)',
    )
    .option('--image <name>', 'image the servers boot from (default: $FAAFO_IMAGE or ubuntu-22.04)')
    .option('--flavor <name>', 'flavor of the servers (default: $FAAFO_FLAVOR or m1.small)')
    .option(
      '--network-id <id>',
      'network for new servers, on clouds with several (default: $FAAFO_NETWORK_ID)',
    )
    .option('--check', 'only check the cloud against what the step should leave; change nothing')
    .option('--debug', 'show stack traces of unexpected errors')
    .action(async (name: string, flags: StepFlags) => {
      process.exitCode = await runStep(
        name,
        {
          ...(flags.cloud ? { cloud: flags.cloud } : {}),
          ...(flags.image ? { image: flags.image } : {}),
          ...(flags.flavor ? { flavor: flags.flavor } : {}),
          ...(flags.networkId ? { networkId: flags.networkId } : {}),
          checkOnly: flags.check ?? false,
          debug: flags.debug ?? false,
          fallback: startingLocalCloud,
        },
        io,
      );
    });
}

export function stepsCommand(io: StepIo): Command {
  return new Command('steps').description('list the steps of the lesson').action(() => {
    for (const step of LESSON) io.stdout.write(`${step.id.padEnd(8)} ${step.title}  (${step.file})\n`);
  });
}
