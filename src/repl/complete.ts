// Tab completion at the prompt for `conn.li` → `conn.listNodes`: the members of what the prompt holds,
// read from the value itself and its prototypes (a class keeps its methods there), so every method of
// the cloud connection, the steps, the lab and the app's helpers completes. Anything else (a bare name,
// a string) goes to Node's own completer.
import { propertyNames } from './property-names.ts';

export type Completion = [string[], string];

/** The completions of `a.b.c` at the end of `line`, or undefined when the line does not end so. */
export function completeMember(line: string, context: Record<string, unknown>): Completion | undefined {
  const match = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.([\w$]*)$/.exec(line);
  if (!match) return undefined;
  const [, path, partial] = match as unknown as [string, string, string];
  const [head, ...rest] = path.split('.');
  if (!Object.hasOwn(context, head!)) return undefined;
  let value: unknown = context[head!];
  for (const key of rest) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === null || value === undefined) return undefined;
  const names = propertyNames(value).filter((n) => n.startsWith(partial) && /^[A-Za-z_$][\w$]*$/.test(n));
  return [names.map((n) => `${path}.${n}`), `${path}.${partial}`];
}
