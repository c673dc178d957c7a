// The notebooks' "no cloud configured" fallback: the learner's local cloud, started when it is not
// running — through the `faafo-tutor cloud up` and `cloud env` commands, run as processes. The
// step runner's own fallback (src/localcloud/connect-fallback.ts) imports the local cloud's code,
// which uses import.meta and cannot load from CommonJS; a notebook only needs the credentials.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { resolveCloud } from '../cloud/config.ts';
import type { CloudFallback } from '../cloud/connect.ts';
import { CloudError } from '../cloud/errors.ts';

const run = promisify(execFile);

/** The package root: the first folder up from `from` whose package.json is faafo-tutor's. */
export function packageRootFrom(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'faafo-tutor') return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** `export NAME='value'` lines (what `faafo-tutor cloud env` prints) as variables. */
export function parseEnvScript(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of script.split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const raw = match[2]!;
    vars[match[1]!] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll(`'\\''`, "'") : raw;
  }
  return vars;
}

/** A fallback that runs `faafo-tutor` from the package found above `from` (this module's folder). */
export function localCloudByCommand(from: string): CloudFallback {
  return async ({ env, report }) => {
    const root = packageRootFrom(from);
    if (!root) throw new CloudError(`Could not find the faafo-tutor package above ${from}; reinstall it.`);
    const tutor = (args: string[]) =>
      run(process.execPath, [join(root, 'bin', 'faafo-tutor.mjs'), ...args], { env, timeout: 120_000 });
    try {
      const status = await tutor(['cloud', 'env']).catch(() => undefined);
      if (!status) {
        report({
          type: 'cloud-starting',
          cloud: 'the local cloud',
          dataDir: env.FAAFO_CLOUD_DIR || 'its default folder',
        });
        await tutor(['cloud', 'up']);
      }
      const { stdout } = status ?? (await tutor(['cloud', 'env']));
      const { auth } = resolveCloud({ env: parseEnvScript(stdout), cwd: root });
      if (!auth) throw new Error('`faafo-tutor cloud env` printed no credentials');
      return { auth, label: 'the local cloud' };
    } catch (error) {
      const why = ((error as { stderr?: string }).stderr || (error as Error).message)
        .trim()
        .split('\n')
        .pop();
      throw new CloudError(
        `Could not start or find the local cloud: ${why}. Try \`npx faafo-tutor cloud up\`.`,
      );
    }
  };
}
