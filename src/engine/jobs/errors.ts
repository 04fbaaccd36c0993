/**
 * Errors of the job mechanism, and how errors cross the process boundary. A task's error is sent to the
 * parent as {name, message, stack} and rebuilt there: known engine error classes come back as instances of
 * their class (so `instanceof ImageDecodeError` and the CLI's by-name check still work); anything else
 * keeps its name and the worker's stack so it is still reported as a bug.
 */
import { UserError, type UserErrorCode } from '../errors.js';
import { ImageDecodeError } from '../imaging/errors.js';

/**
 * Why a job did not finish: `timeout` (ran past its time bound), `memory` (the worker's resident memory
 * passed its bound), `crashed` (the worker process died: native crash, V8 out-of-memory, killed),
 * `cancelled` (its AbortSignal fired), `queue-full` (too many jobs waiting), `closed` (pool shut down).
 */
export type JobErrorCode = 'timeout' | 'memory' | 'crashed' | 'cancelled' | 'queue-full' | 'closed';

export class JobError extends UserError {
  override name = 'JobError';
  constructor(
    /** Why the job did not finish (its own taxonomy; the user-error code is `cancelled` or `runtime`). */
    readonly reason: JobErrorCode,
    message: string,
    /** For `timeout`: the bound in ms; for `memory`: the bound in MB. */
    readonly limit?: number,
  ) {
    super(reason === 'cancelled' ? 'cancelled' : 'runtime', message);
  }
}

export interface SerializedError {
  name: string;
  message: string;
  /** Set for a UserError: its code, so the parent rebuilds a user error (not a bug) of the same code. */
  code?: UserErrorCode;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof UserError) return { name: e.name, message: e.message, code: e.code };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  // dicom-parser and Emscripten throw strings, numbers and plain objects; keep their text
  const message = typeof e === 'string' ? e : typeof e === 'object' && e !== null && 'exception' in e ? String(e.exception) : String(e);
  return { name: 'NonErrorThrown', message };
}

/** Error classes rebuilt as themselves in the parent; extend when a task can throw another user error. */
const REVIVE: Record<string, (message: string) => Error> = {
  ImageDecodeError: (m) => new ImageDecodeError(m),
  JobError: (m) => new JobError('crashed', m),
};

export function reviveError(s: SerializedError): Error {
  const make = REVIVE[s.name];
  // any other user error (PromptError, ModelPackageError …) comes back as a UserError of its code and name
  const e = make ? make(s.message) : s.code ? new UserError(s.code, s.message) : new Error(s.message);
  if (!make) e.name = s.name;
  if (s.stack) e.stack = `${s.stack}\n    (thrown in a job worker process)`;
  return e;
}
