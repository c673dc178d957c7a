// What step 7 does on the API servers the way the guide does it there over ssh: the faafo CLI
// (`faafo create`, `list`, `show`), and waiting until the fractals it asked for are drawn.
import { FaafoClient } from '../src/faafo/cli/client.ts';
import { runCli } from '../src/faafo/cli/program.ts';
import type { Fractal } from '../src/faafo/model.ts';

/** `faafo --endpoint-url URL …`, printed and run as the guide runs it on app-api-1. */
export async function faafo(url: string, ...args: string[]) {
  console.log(`$ faafo --endpoint-url ${url} ${args.join(' ')}`);
  const out = consoleLines();
  const code = await runCli(['--endpoint-url', url, ...args], { stdout: out, stderr: out });
  out.flush();
  if (code !== 0) throw new Error(`faafo ${args[0]} failed (exit ${code}); see the line above.`);
}

/**
 * The CLI's output as whole lines through console.log, like the step's own lines: under Ink the
 * tutor takes console lines into its frame (tutor/app/console-tap.ts); writes to stdout would tear it.
 */
function consoleLines() {
  let pending = '';
  return {
    write(text: string) {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) console.log(line);
    },
    flush() {
      if (pending) console.log(pending);
      pending = '';
    },
  };
}

/** Until every one of these fractals is drawn (or failed); one progress line per change. */
async function waitForFractals(url: string, uuids: string[], timeoutMs = 180_000): Promise<Fractal[]> {
  const client = new FaafoClient(url);
  const deadline = Date.now() + timeoutMs;
  let said = -1;
  for (;;) {
    const mine = (await client.listAll()).filter((f) => uuids.includes(f.uuid));
    const done = mine.filter((f) => f.state !== 'pending');
    if (done.length !== said) console.log(`  ${done.length} of ${uuids.length} fractals drawn`);
    said = done.length;
    if (done.length === uuids.length) return mine;
    if (Date.now() > deadline)
      throw new Error(`Only ${done.length} of ${uuids.length} fractals were drawn in time.`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `faafo create --tasks N` (smallish fractals), then wait until they are drawn. */
export async function createFractals(url: string, tasks: number): Promise<Fractal[]> {
  const client = new FaafoClient(url);
  const before = new Set((await client.listAll()).map((f) => f.uuid));
  await faafo(
    url,
    'create',
    '--tasks',
    String(tasks),
    '--min-width',
    '256',
    '--max-width',
    '512',
    '--min-height',
    '256',
    '--max-height',
    '512',
  );
  const made = (await client.listAll()).filter((f) => !before.has(f.uuid)).map((f) => f.uuid);
  return waitForFractals(url, made);
}

/** "app-worker-1 ×2, app-worker-2 ×3": who drew how many. */
export const countBy = (fractals: Fractal[]) =>
  [...new Set(fractals.map((f) => f.generated_by ?? '(nobody)'))]
    .sort()
    .map((w) => `${w} ×${fractals.filter((f) => (f.generated_by ?? '(nobody)') === w).length}`)
    .join(', ');
