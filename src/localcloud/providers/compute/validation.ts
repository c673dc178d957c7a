// Request bodies are checked with zod, and a failure is worded as Nova's JSON-schema validator words
// it (nova/api/validation/validators.py): "Invalid input for field/attribute <key>. Value: <value>.
// <jsonschema message>", with Python's spelling of the value, because that is what clients print.
import { z } from 'zod';
import { badRequest } from './context.ts';

/** Python's repr() of a decoded JSON value. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'nan';
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replaceAll(quote, `\\${quote}`);
    return `${quote}${escaped}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** Python's str(): strings bare, everything else as repr. */
const pyStr = (value: unknown) => (typeof value === 'string' ? value : pyRepr(value));

const TYPE_NAMES: Record<string, string> = {
  string: 'string',
  number: 'number',
  int: 'integer',
  boolean: 'boolean',
  object: 'object',
  array: 'array',
  record: 'object',
  null: 'null',
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** jsonschema's sentence for one zod issue; `at` is the path the sentence is about. */
function describe(issue: z.core.$ZodIssue, root: unknown): { at: PropertyKey[]; text: string } {
  const path = [...issue.path];
  const value = valueAt(root, path);
  const missing = value === undefined && path.length > 0;
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    const key = path.pop();
    return { at: path, text: `${pyRepr(String(key))} is a required property` };
  }
  switch (issue.code) {
    case 'invalid_type':
      return {
        at: path,
        text: `${pyRepr(value)} is not of type '${TYPE_NAMES[issue.expected] ?? issue.expected}'`,
      };
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => pyRepr(k)).join(', ');
      const verb = issue.keys.length === 1 ? 'was' : 'were';
      return { at: path, text: `Additional properties are not allowed (${keys} ${verb} unexpected)` };
    }
    case 'too_small':
      if (issue.origin === 'string' || issue.origin === 'array')
        return { at: path, text: `${pyRepr(value)} is too short` };
      return { at: path, text: `${pyRepr(value)} is less than the minimum of ${issue.minimum}` };
    case 'too_big':
      if (issue.origin === 'string' || issue.origin === 'array')
        return { at: path, text: `${pyRepr(value)} is too long` };
      return { at: path, text: `${pyRepr(value)} is greater than the maximum of ${issue.maximum}` };
    case 'invalid_value':
      return { at: path, text: `${pyRepr(value)} is not one of ${pyRepr(issue.values)}` };
    case 'invalid_format':
      if (issue.format === 'regex' && 'pattern' in issue) {
        const pattern = String(issue.pattern).replace(/^\/(.*)\/[a-z]*$/s, '$1');
        return { at: path, text: `${pyRepr(value)} does not match ${pyRepr(pattern)}` };
      }
      return { at: path, text: `${pyRepr(value)} is not a '${issue.format}'` };
    case 'invalid_union':
      return { at: path, text: `${pyRepr(value)} is not valid under any of the given schemas` };
    case 'custom':
      // jsonschema's oneOf (ipv4 | ipv6) failing.
      if (issue.params?.anyOf)
        return { at: path, text: `${pyRepr(value)} is not valid under any of the given schemas` };
      // Nova words some checks on their own (InvalidName), without the field prefix.
      return { at: issue.params?.bare ? [] : path, text: issue.message };
    default:
      return { at: path, text: issue.message };
  }
}

/** Nova's wording of a validation failure. */
export function novaValidationMessage(error: z.core.$ZodError, body: unknown): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid input.';
  const { at, text } = describe(issue, body);
  if (at.length === 0) return text;
  const key = at[at.length - 1];
  return `Invalid input for field/attribute ${String(key)}. Value: ${pyStr(valueAt(body, at))}. ${text}`;
}

/** Parses a request body, or throws Nova's 400 for the first problem. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? null);
  if (result.success) return result.data;
  throw badRequest(novaValidationMessage(result.error, body ?? null));
}

/** A custom check worded like jsonschema's format checker: "'x' is not a 'base64'". */
export const formatMessage = (value: unknown, format: string) => `${pyRepr(value)} is not a '${format}'`;

/** Base64 as Python's b64decode accepts it (whitespace ignored, padding required). */
export function isBase64(text: string): boolean {
  const compact = text.replace(/\s+/g, '');
  return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}

/** Nova's `parameter_types.boolean`: JSON booleans and the strings oslo's bool_from_string knows. */
export const novaBoolean = z.union([
  z.boolean(),
  z.enum(['True', 'true', 'TRUE', 'False', 'false', 'FALSE', '1', '0', 'yes', 'no', 'on', 'off', 'y', 'n']),
]);

export function toBoolean(value: z.output<typeof novaBoolean> | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  return ['true', '1', 'yes', 'on', 'y'].includes(value.toLowerCase());
}

/** Nova's `parameter_types.name` (v2.1): 1–255 printable characters, no surrounding whitespace. */
export const novaName = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => s.trim() === s && !/[\p{Cc}]/u.test(s), {
    message:
      "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
    params: { bare: true },
  });

/** Nova's `positive_integer`: an integer ≥ 1, also as a string of digits. */
export const positiveInteger = z
  .union([z.number().int(), z.string().regex(/^[0-9]+$/)])
  .transform(Number)
  .pipe(z.number().min(1));
