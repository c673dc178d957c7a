// AMQP field-table values as the model sees them (declare arguments, binding arguments, message
// headers): reading them leniently, comparing them, naming them in error texts the way RabbitMQ
// does. The codec decides the JS shape of a decoded value; these helpers accept the plausible
// ones (strings may arrive as Buffers, 64-bit integers as bigints) so the model does not care.

/** "queue 'q' in vhost '/'", RabbitMQ's rabbit_misc:rs/1. */
export const resourceName = (kind: 'queue' | 'exchange', name: string, vhost: string) =>
  `${kind} '${name}' in vhost '${vhost}'`;

/** A field value as text (longstr may be decoded as a Buffer), else undefined. */
export function fieldString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString();
  return undefined;
}

/** A field value as a number (any integer or float width), else undefined. */
export function fieldNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  // Some codecs keep the wire type: { type: 'long', value: 5 }.
  if (value !== null && typeof value === 'object' && 'value' in value) {
    return fieldNumber((value as { value: unknown }).value);
  }
  return undefined;
}

/**
 * Equality of two decoded field values, as RabbitMQ compares them: numbers by value whatever
 * their width, strings and byte arrays by content, tables and arrays element-wise.
 */
export function fieldValuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const na = typeof a === 'number' || typeof a === 'bigint' ? Number(a) : undefined;
  const nb = typeof b === 'number' || typeof b === 'bigint' ? Number(b) : undefined;
  if (na !== undefined || nb !== undefined) return na === nb;
  const sa = fieldString(a);
  const sb = fieldString(b);
  if (sa !== undefined || sb !== undefined) return sa === sb;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => fieldValuesEqual(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    const rb = b as Record<string, unknown>;
    return ka.every(
      (k) => Object.hasOwn(rb, k) && fieldValuesEqual((a as Record<string, unknown>)[k], rb[k]),
    );
  }
  return false;
}

/**
 * A canonical string for a table, for binding identity: key order does not matter, and values
 * that compare equal give the same text.
 */
export function stableKey(value: unknown): string {
  if (value === undefined || value === null) return 'v';
  if (typeof value === 'number' || typeof value === 'bigint') return `n${String(value)}`;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = fieldString(value);
  if (text !== undefined) return `s${JSON.stringify(text)}`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableKey(record[k])}`).join(',')}}`;
  }
  return `?${String(value)}`;
}

/** How RabbitMQ prints a bare value in "inequivalent arg" errors: 'true', 'direct', '10'. */
export function describeField(value: unknown): string {
  if (value === undefined) return 'none';
  const text = fieldString(value);
  if (text !== undefined) return `'${text}'`;
  return `'${String(fieldNumber(value) ?? value)}'`;
}

/**
 * RabbitMQ's name for the wire type the value arrived as. The codec decodes every integer width to
 * a number, so this names the type amqplib (and our encoder) would pick for it: byte, short,
 * signedint or long by magnitude, double for fractions.
 */
export function fieldTypeName(value: unknown): string {
  if (typeof value === 'string') return 'longstr';
  if (typeof value === 'boolean') return 'bool';
  if (value === null || value === undefined) return 'void';
  if (value instanceof Uint8Array) return 'binary';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'bigint') return 'long';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'double';
    if (value >= -128 && value < 128) return 'byte';
    if (value >= -0x8000 && value < 0x8000) return 'short';
    if (value >= -0x80000000 && value < 0x80000000) return 'signedint';
    return 'long';
  }
  if (typeof value === 'object' && '!' in value) return String((value as { '!': unknown })['!']);
  return 'table';
}

/** An argument with its type, as RabbitMQ prints it when the other side is absent. */
export function describeArgument(value: unknown): string {
  if (value === undefined) return 'none';
  const text = fieldString(value) ?? String(fieldNumber(value) ?? value);
  return `the value '${text}' of type '${fieldTypeName(value)}'`;
}
