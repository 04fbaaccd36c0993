/**
 * Turning anything a handler throws into the contract's error envelope. Every user mistake is an engine
 * `UserError` (src/engine/errors.ts, the type the CLI uses too) and passes through with its own code and
 * sentence; anything else is a bug, logged with its stack and reported as `internal` without internals.
 */
import { UserError, type UserErrorCode } from '../errors.js';
import type { ApiErrorBody, ApiErrorCode } from './contract.js';

// Every user-error code is one the contract knows (a compile-time check, no second list).
const codeIsApiCode = (c: UserErrorCode): ApiErrorCode => c;

/** An error a handler raises on purpose; its message is shown to the user as is. */
export class ApiError extends UserError {
  override name = 'ApiError';
}

export function toErrorBody(call: string, e: unknown, log: (msg: string, err: unknown) => void = defaultLog): ApiErrorBody {
  if (e instanceof UserError) return { code: codeIsApiCode(e.code), message: e.message };
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  // Node's own text is not passed on: it names the resolved path, which may be a symlink's target.
  if (errno === 'ENOENT') return { code: 'not-found', message: `A file needed by ${call} was not found.` };
  if (errno === 'EACCES' || errno === 'EPERM') return { code: 'forbidden', message: `Permission denied while running ${call}.` };
  log(`[api] ${call} failed with an unexpected error`, e);
  return { code: 'internal', message: `${call} failed unexpectedly; this is a bug — the details are in the log.` };
}

function defaultLog(msg: string, err: unknown): void {
  console.error(msg, err);
}
