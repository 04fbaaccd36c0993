/**
 * User mistakes (missing file, bad model folder, unreadable image, bad prompt …) are errors whose class
 * the CLI recognises: it prints their message as one line and exits 1. Anything else is a bug and keeps
 * its stack trace.
 */
import { InvalidArgumentError } from 'commander';

export class UsageError extends Error {
  override name = 'UsageError';
}

const USER_ERRORS = new Set([
  'UsageError',
  'ModelPackageError',
  'PromptError',
  'RuntimeError',
  'DatasetError',
  'ImageDecodeError',
  'OnnxFormatError',
  'UnsupportedOpError',
  'ExternalDataError',
  'GraphError',
  'ShardError',
  'PlanError',
  'StoreError',
  'AuditError',
  'TaskError',
  'QueueError',
  'ReportError',
]);

export function isUserError(e: unknown): e is Error {
  return e instanceof Error && USER_ERRORS.has(e.name);
}

/** Wraps a command action so user errors become `vlsm-audit: <message>` and exit code 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (isUserError(e)) {
        process.stderr.write(`vlsm-audit: ${e.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw e;
    }
  };
}

/** Option parser; commander reports InvalidArgumentError as one usage line (exit 2). */
export function parsePositiveInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`--${name} must be a positive integer.`);
    return n;
  };
}

export function parseNonNegativeInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`--${name} must be a non-negative integer.`);
    return n;
  };
}
