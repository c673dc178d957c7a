// `faafo show UUID`: one fractal as the original's Parameter | Value table (left-aligned).

import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { showRows } from '../format.ts';
import { renderTable } from '../tables.ts';

export const SHOW_FIELDS = ['Parameter', 'Value'] as const;

export function notFound(uuid: string): CliError {
  return new CliError(`Fractal ${uuid} not found. See the known ones with: faafo list`);
}

export async function showCommand(ctx: CliContext, uuid: string): Promise<void> {
  ctx.info(`showing fractal ${uuid}`);
  const fractal = await ctx.client().get(uuid);
  if (!fractal) throw notFound(uuid);
  ctx.stdout.write(`${renderTable({ fields: SHOW_FIELDS, rows: showRows(fractal), align: ['l', 'l'] })}\n`);
}
