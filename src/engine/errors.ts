/**
 * The one error type for user mistakes, shared by the engine, the CLI and the API (issue 14: there were
 * two taxonomies and unmapped classes, so the UI called an unknown prompt word "a bug"). A `UserError`
 * carries a one-sentence message that names the thing and what to do, and a code the API sends as is;
 * the CLI prints the message as `vlsm-audit: …` (exit 1). Anything thrown that is not a UserError is a
 * bug and keeps its stack trace. Each area subclasses it (ImageDecodeError, ModelPackageError,
 * PromptError, RuntimeError …) with the code that fits, so callers never keep a list of class names.
 */

/** What went wrong, as the API reports it (a subset of the contract's `ApiErrorCode`). */
export type UserErrorCode =
  | 'bad-args'
  | 'unknown-call'
  | 'not-found'
  | 'forbidden'
  | 'unsupported'
  | 'decode-failed'
  | 'model-invalid'
  | 'runtime'
  | 'cancelled';

export class UserError extends Error {
  override name = 'UserError';
  readonly code: UserErrorCode;
  constructor(code: UserErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
