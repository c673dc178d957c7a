// `faafo-tutor repl [--cloud NAME]`: connect to the lesson's cloud the way the steps do (--cloud or
// OS_CLOUD, else the OS_* variables, else the local cloud, started when it is not running), then the
// prompt. Failing to connect is one line and exit 1, before any prompt; once the prompt is there,
// only .exit or Ctrl-D end it (exit 0).
import { join } from 'node:path';
import { Command } from 'commander';
import { type CloudFallback, connect } from '../cloud/connect.ts';
import { describeCloudEvent } from '../cloud/events.ts';
import { dataDir } from '../faafo/config.ts';
import { PACKAGE_ROOT } from '../shared/package-root.ts';
import { VERSION } from '../version.ts';
import { AMBIENT_TYPES, PRELOADED_TYPES, preloadedValues } from './context.ts';
import { type ReplIo, startRepl } from './start.ts';
import { createTypeCheck } from './type-check.ts';

/** Where the prompt's history is kept: beside the rest of the user's faafo-tutor data. */
export const historyFile = (env: NodeJS.ProcessEnv): string => join(dataDir(env), 'repl_history');

export function replCommand(
  io: ReplIo,
  fallback: CloudFallback,
  env: NodeJS.ProcessEnv = process.env,
): Command {
  return new Command('repl')
    .description('the lesson at a TypeScript prompt: conn, steps, check, lab and faafo preloaded')
    .option(
      '--cloud <name>',
      'a cloud of your clouds.yaml (default: $OS_CLOUD, else the OS_* variables, else the local cloud)',
    )
    .action(async (flags: { cloud?: string }) => {
      const write = (text: string) => io.output.write(text);
      const conn = await connect({
        ...(flags.cloud ? { cloud: flags.cloud } : {}),
        env,
        fallback,
        report: (event) => {
          const line = describeCloudEvent(event);
          if (line) write(`  … ${line}\n`);
        },
      });
      const typeCheck = createTypeCheck(PACKAGE_ROOT, PRELOADED_TYPES, AMBIENT_TYPES);
      const target = { ...(flags.cloud ? { cloud: flags.cloud } : {}), env, fallback };
      await startRepl(
        {
          version: VERSION,
          cloud: conn.label,
          preloaded: preloadedValues(conn, target, write),
          historyFile: historyFile(env),
          ...(typeCheck ? { typeCheck } : {}),
        },
        io,
      );
    });
}
