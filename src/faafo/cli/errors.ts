// One-line, user-facing failures. The entry point prints `faafo: <message>` and exits with
// `exitCode`; anything that is not a CliError is a bug and gets the "unexpected error" treatment.

/** Exit code for a mistake in the command line itself (bad option value, unknown command). */
export const EXIT_USAGE = 2;
/** Exit code for a command that was understood but failed (unknown uuid, unreachable API). */
export const EXIT_FAILURE = 1;

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_FAILURE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The user typed something we cannot use; the message says what to type instead. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
