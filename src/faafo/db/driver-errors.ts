// What the network drivers (mysql.ts, postgres.ts) share about their errors: reading the fields a
// driver error may carry, and turning one into a message fit for a 503 (no password in it).
import { redactText } from '../../shared/redact.ts';

export interface DriverError {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  severity?: unknown;
  message?: unknown;
  errors?: unknown;
}

export function asDriverError(error: unknown): DriverError {
  return typeof error === 'object' && error !== null ? (error as DriverError) : {};
}

/** The driver's message; Node's AggregateError (dual-stack connect) has an empty one. */
function messageOf(error: unknown): string {
  const e = asDriverError(error);
  const parts = [typeof e.message === 'string' ? e.message : ''];
  if (Array.isArray(e.errors))
    parts.push(...e.errors.map((inner) => String(asDriverError(inner).message ?? inner)));
  const text = parts.filter(Boolean).join('; ');
  return text || (e.code ? String(e.code) : String(error));
}

/** The driver's message with URL passwords, and the connection's own password, masked. */
export function redactedDetail(error: unknown, password: string): string {
  const detail = redactText(messageOf(error));
  // Belt and braces: a driver message should never echo the password, but make sure.
  return password.length >= 3 ? detail.split(password).join('***') : detail;
}
