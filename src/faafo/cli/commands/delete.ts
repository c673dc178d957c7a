// `faafo delete UUID`: removes the fractal and its image. The original logged the result at debug
// level only; we say what happened, and an unknown uuid is an error.
import type { CliContext } from '../context.ts';
import { notFound } from './show.ts';

export async function deleteCommand(ctx: CliContext, uuid: string): Promise<void> {
  ctx.info(`deleting fractal ${uuid}`);
  if (!(await ctx.client().delete(uuid))) throw notFound(uuid);
  ctx.stdout.write(`Deleted fractal ${uuid}.\n`);
}
