// `faafo get UUID [-o FILE]`: downloads the fractal's PNG (the original left this command as a
// stub). `-o -` writes the PNG to stdout, and the report goes to stderr.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliContext } from '../context.ts';
import { writeOutputFile } from '../output-file.ts';
import { notFound } from './show.ts';

export interface GetOptions {
  output?: string;
}

export async function getCommand(ctx: CliContext, uuid: string, options: GetOptions = {}): Promise<void> {
  ctx.info(`downloading fractal ${uuid}`);
  const png = await ctx.client().image(uuid);
  if (!png) throw notFound(uuid);
  if (options.output === '-') {
    ctx.stdout.write(png);
    ctx.stderr.write(`Saved ${uuid} (${png.length} bytes) to stdout\n`);
    return;
  }
  const file = await targetFile(options.output, uuid);
  await writeOutputFile(file, png);
  ctx.stdout.write(`Saved ${uuid} (${png.length} bytes) to ${file}\n`);
}

/** `<uuid>.png` in the working directory, or inside -o when -o names a directory. */
async function targetFile(output: string | undefined, uuid: string): Promise<string> {
  const name = `${uuid}.png`;
  if (output === undefined) return name;
  const isDir = await stat(output).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return isDir ? join(output, name) : output;
}
