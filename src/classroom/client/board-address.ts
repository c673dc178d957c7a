// Where a board's routes are, from the address the teacher showed (http://host:port, perhaps with a
// path under a proxy, perhaps with a trailing slash or the teacher's own ?token= pasted along): the
// join and the reporter reach the same routes from it, and every message names it the same way.
import { UserError } from '../../shared/user-error.ts';

export interface BoardAddress {
  /** The address as messages show it (no query, no fragment, no credentials). */
  shown: string;
  /** The absolute URL of a route of the board ('api/join', …). */
  route(path: string): string;
}

export function boardAddress(url: string): BoardAddress {
  let base: URL;
  try {
    base = new URL(url.trim());
  } catch {
    throw new UserError(
      `'${url}' is not a board address; it looks like http://192.168.1.20:8700 — check the address the teacher showed.`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new UserError(
      `The board's address starts with http:// or https://, not ${base.protocol}//; check the address the teacher showed.`,
    );
  base.search = '';
  base.hash = '';
  base.username = '';
  base.password = '';
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  const shown = base.toString().replace(/\/$/, '');
  return { shown, route: (path) => new URL(path.replace(/^\//, ''), base).toString() };
}

/** Why a request reached nothing, in a word or two: ECONNREFUSED, ENOTFOUND, no answer in 5 s. */
export function unreachableReason(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer in ${timeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
