/**
 * Errors of the job mechanism, and how errors cross the process boundary. A task's error is sent to the
 * parent as {name, message, stack} and rebuilt there: known engine error classes come back as instances of
 * their class (so `instanceof ImageDecodeError` and the CLI's by-name check still work); anything else
 * keeps its name and the worker's stack so it is still reported as a bug.
 */
import { ImageDecodeError } from '../imaging/errors.js';

/**
 * Why a job did not finish: `timeout` (ran past its time bound), `memory` (the worker's resident memory
 * passed its bound), `crashed` (the worker process died: native crash, V8 out-of-memory, killed),
 * `cancelled` (its AbortSignal fired), `queue-full` (too many jobs waiting), `closed` (pool shut down).
 */
export type JobErrorCode = 'timeout' | 'memory' | 'crashed' | 'cancelled' | 'queue-full' | 'closed';

export class JobError extends Error {
  override name = 'JobError';
  constructor(
    readonly code: JobErrorCode,
    message: string,
    /** For `timeout`: the bound in ms; for `memory`: the bound in MB. */
    readonly limit?: number,
  ) {
    super(message);
  }
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
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
  const e = make ? make(s.message) : new Error(s.message);
  if (!make) e.name = s.name;
  if (s.stack) e.stack = `${s.stack}\n    (thrown in a job worker process)`;
  return e;
}
