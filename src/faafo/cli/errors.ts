// One-line, user-facing failures of the faafo CLI. The entry point prints `faafo: <message>` and
// exits with `exitCode`; they are UserErrors (src/shared/user-error.ts), so anything else is a bug
// and gets the "unexpected error" treatment.
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../../shared/user-error.ts';

export class CliError extends UserError {
  constructor(message: string, exitCode: number = EXIT_FAILURE, options?: { cause?: unknown }) {
    super(message, { exitCode, ...options });
    this.name = 'CliError';
  }
}

/** The user typed something we cannot use; the message says what to type instead. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
