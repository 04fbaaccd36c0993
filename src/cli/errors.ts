/**
 * How the CLI reports mistakes. Every user mistake is an engine `UserError` (src/engine/errors.ts —
 * the same type the API maps to its error codes): its message is printed as one line
 * `vlsm-audit: <sentence>` and the exit code is 1 — bad option values included. Exit code 2 is kept for
 * a command line commander cannot parse (unknown command or option, missing required option), printed
 * in the same style. Anything else is a bug and keeps its stack trace.
 */
import { InvalidArgumentError } from 'commander';
import { isUserError, UserError } from '../engine/errors.js';

export { isUserError };

/** A bad flag value or combination of flags. */
export class UsageError extends UserError {
  override name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-args', message, options);
  }
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

/**
 * commander's own error text in the CLI's style. A value our parser rejected ("error: option '--steps
 * <n>' argument '0' is invalid. --steps must be …") becomes just our sentence; the rest lose "error: ".
 */
export function formatCommanderError(text: string): string {
  const line = text.trim();
  const invalid = /^error: option '[^']*' argument '.*' is invalid\. (.*)$/s.exec(line);
  const msg = invalid ? invalid[1] : line.replace(/^error: /, '');
  return `vlsm-audit: ${msg}${/[.?!)]$/.test(msg) ? '' : '.'}\n`;
}

/** Option parser; commander reports an InvalidArgumentError through formatCommanderError (exit 1). */
export function parsePositiveInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`--${name} must be a positive integer, got "${v}".`);
    return n;
  };
}

export function parseNonNegativeInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`--${name} must be a non-negative integer, got "${v}".`);
    return n;
  };
}
