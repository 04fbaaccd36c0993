/**
 * Turning anything a handler throws into the contract's error envelope. Engine errors carry sentences a
 * user can act on and pass through unchanged; anything else is a bug, logged with its stack and reported
 * as `internal` without internals.
 */
import { ImageDecodeError } from '../imaging/errors.js';
import { JobError } from '../jobs/errors.js';
import { ModelPackageError } from '../model/package.js';
import { RuntimeError } from '../runtime/ort-session.js';
import type { ApiErrorBody, ApiErrorCode } from './contract.js';

/** An error a handler raises on purpose; its message is shown to the user as is. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function toErrorBody(call: string, e: unknown, log: (msg: string, err: unknown) => void = defaultLog): ApiErrorBody {
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  if (e instanceof ImageDecodeError) return { code: 'decode-failed', message: e.message };
  if (e instanceof ModelPackageError) return { code: 'model-invalid', message: e.message };
  if (e instanceof RuntimeError) return { code: 'runtime', message: e.message };
  if (e instanceof JobError) return { code: 'runtime', message: e.message };
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (errno === 'ENOENT') return { code: 'not-found', message: `A file needed by ${call} was not found (${(e as Error).message}).` };
  if (errno === 'EACCES' || errno === 'EPERM') return { code: 'forbidden', message: `Permission denied while running ${call} (${(e as Error).message}).` };
  log(`[api] ${call} failed with an unexpected error`, e);
  return { code: 'internal', message: `${call} failed unexpectedly; this is a bug — the details are in the log.` };
}

function defaultLog(msg: string, err: unknown): void {
  console.error(msg, err);
}
