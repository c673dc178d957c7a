// `faafo list`: every fractal, in the original's table (UUID | Dimensions | Filesize, centred).
import type { CliContext } from '../context.ts';
import { listRows } from '../format.ts';
import { renderTable } from '../tables.ts';

export const LIST_FIELDS = ['UUID', 'Dimensions', 'Filesize'] as const;

export async function listCommand(ctx: CliContext): Promise<void> {
  ctx.info('listing all fractals');
  const fractals = await ctx.client().listAll();
  ctx.stdout.write(`${renderTable({ fields: LIST_FIELDS, rows: listRows(fractals) })}\n`);
}
