// Every property name of a value, its prototypes' included: a class keeps its methods on its
// prototype, so `Object.keys(conn)` alone would miss them. Tab completion lists these, and the one-line
// error for `conn.listNode()` finds the name meant among them.

export function propertyNames(value: unknown): string[] {
  const names = new Set<string>();
  for (let o = value; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {
    if (typeof o !== 'object' && typeof o !== 'function') break;
    // Object.prototype (of this realm or the prompt's): hasOwnProperty and the like are noise.
    if (o !== value && Object.getPrototypeOf(o) === null) break;
    for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') names.add(name);
  }
  return [...names].sort();
}
