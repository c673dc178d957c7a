// Path segments that name a fractal. Anything that is not uuid-shaped cannot name one, so it is a
// plain 404 without a database round trip.
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The uuid in its stored (lower-case) spelling, or undefined when the text is not a uuid. */
export function lookupUuid(text: string): string | undefined {
  return UUID_SHAPE.test(text) ? text.toLowerCase() : undefined;
}
