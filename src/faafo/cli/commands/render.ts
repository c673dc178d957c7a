// `faafo render`: one Julia-set image straight to a PNG file, with no API, queue or database; for
// trying parameters and for timing the renderer on this machine.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Complex, RenderParams } from '../../render/params.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { checkLimits, RENDER_LIMITS } from '../limits.ts';
import { writeOutputFile } from '../output-file.ts';

export interface RenderOptions extends RenderParams {
  c: Complex;
  threads?: number;
  output: string;
}

/** A view of the whole set with a constant that gives a classic, well-detailed Julia set. */
export const RENDER_DEFAULTS = {
  width: 512,
  height: 512,
  iterations: 256,
  xa: -2,
  xb: 2,
  ya: -1.5,
  yb: 1.5,
  c: { re: -0.8, im: 0.156 },
} as const;

export async function renderCommand(ctx: CliContext, options: RenderOptions): Promise<void> {
  // Before the renderer loads or a buffer is allocated: `--width 99999` fails in a moment.
  checkLimits(options, RENDER_LIMITS);
  // Loaded here, not at start-up: the client commands never pay for the renderer.
  const { renderImage } = await import('../../render/task.ts');
  const { output, threads, c, ...params } = options;
  // Check where the PNG goes before a render that may take minutes, not after.
  await checkDirectory(output);
  ctx.info(
    `rendering ${params.width} x ${params.height} pixels, ${params.iterations} iterations, c = ${c.re}${c.im < 0 ? '' : '+'}${c.im}i`,
  );
  let image: Awaited<ReturnType<typeof renderImage>>;
  try {
    image = await renderImage({ ...params, c }, threads);
  } catch (error) {
    // The renderer checks its inputs with RangeError ("width must be a positive integer, got 0").
    if (error instanceof RangeError) throw new UsageError(`Cannot render that image: ${error.message}.`);
    throw error;
  }
  await writeOutputFile(output, image.png);
  ctx.info(`saved ${image.png.length} bytes to ${output}`);
  ctx.stdout.write(`render ${image.renderSeconds.toFixed(3)} s, png ${image.pngSeconds.toFixed(3)} s\n`);
}

async function checkDirectory(output: string): Promise<void> {
  const dir = dirname(resolve(output));
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir)
    throw new UsageError(
      `Cannot write ${output}: the directory ${dir} does not exist; create it or choose another -o.`,
    );
}
