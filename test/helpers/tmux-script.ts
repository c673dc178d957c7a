// The script a terminal test hands tmux: the environment exported (quoted for sh), the command run,
// its exit code written to a file the test waits for, and then a pause, so the pane (and what the
// command last drew) stays there to be captured.
import { writeFileSync } from 'node:fs';

const quoted = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

export function writeTmuxScript(
  path: string,
  env: NodeJS.ProcessEnv,
  argv: string[],
  exitFile: string,
): void {
  const exports = Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `export ${k}=${quoted(String(v))}`)
    .join('\n');
  writeFileSync(
    path,
    `${exports}\n${argv.map(quoted).join(' ')}\necho $? > ${quoted(exitFile)}\nsleep 300\n`,
  );
}
