// A setting the cloud reads from one environment variable that picks one of a few named choices
// (FAAFO_CLOUD_CPU_LIMIT, FAAFO_CLOUD_MEMORY_LIMIT): unset or empty is the default, anything else must
// be one of the names, and a typo is told with the list of them.
import { UserError } from '../../../shared/user-error.ts';

const isOneOf = <T extends string>(value: string, choices: readonly T[]): value is T =>
  (choices as readonly string[]).includes(value);

export function choiceFromEnv<T extends string>(
  env: NodeJS.ProcessEnv,
  variable: string,
  choices: readonly T[],
  unset: T,
): T {
  const value = env[variable];
  if (value === undefined || value === '') return unset;
  if (!isOneOf(value, choices)) {
    throw new UserError(`$${variable} must be one of ${choices.join(', ')}, not '${value}'.`);
  }
  return value;
}
