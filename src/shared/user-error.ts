// A failure the user can act on (a wrong path, a cloud that is not running, an unreachable API):
// every CLI prints it as one line — what happened and what to do — and exits with its code. Every
// part's user-facing errors extend this one class, so an entry point catches them all at once and
// treats anything else as a bug ("unexpected error").

/** Exit code for a mistake in the command line itself (bad option value, unknown command). */
export const EXIT_USAGE = 2;
/** Exit code for a command that was understood but failed. */
export const EXIT_FAILURE = 1;

export class UserError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}
