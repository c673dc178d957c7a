// What the `faafo-tutor cloud` commands write to and fail with: the streams (real ones in the
// program, strings in tests) and the one error class the program prints as a plain line.
import { UserError } from '../../shared/user-error.ts';

export interface CloudIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class CloudCliError extends UserError {
  override name = 'CloudCliError';
}
