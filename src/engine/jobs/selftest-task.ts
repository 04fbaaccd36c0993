/**
 * A task that misbehaves on request, so the pool's bounds can be tested against a real worker process
 * (tests/engine/jobs/pool.test.ts) rather than a mock.
 */
import type { TaskContext } from './tasks.js';

export type SelftestArgs =
  | { kind: 'echo'; value: unknown }
  | { kind: 'sleep'; ms: number }
  /** Synchronous busy loop: the worker cannot answer anything meanwhile (like a slow WASM decode). */
  | { kind: 'spin'; ms: number }
  /** Allocate and touch `mb` megabytes, `stepMb` at a time. */
  | { kind: 'allocate'; mb: number; stepMb?: number }
  | { kind: 'throw'; name: string; message: string }
  | { kind: 'throw-string'; message: string }
  | { kind: 'exit'; code: number }
  | { kind: 'progress'; steps: number; ms: number }
  /** Tightens the time bound to `limitMs`, then spins for `ms`. */
  | { kind: 'deadline'; limitMs: number; ms: number }
  /** Counts how many jobs this worker process has run (tests worker reuse and discard). */
  | { kind: 'count' };

let runs = 0;
const held: Uint8Array[] = [];

export async function selftestTask(args: SelftestArgs, ctx: TaskContext): Promise<unknown> {
  runs++;
  switch (args.kind) {
    case 'echo':
      return args.value;
    case 'sleep':
      await new Promise((r) => setTimeout(r, args.ms));
      return null;
    case 'spin': {
      const end = Date.now() + args.ms;
      while (Date.now() < end) {
        /* busy */
      }
      return null;
    }
    case 'allocate': {
      const step = args.stepMb ?? 64;
      for (let mb = 0; mb < args.mb; mb += step) {
        held.push(new Uint8Array(step * 1024 * 1024).fill(1));
        await new Promise((r) => setTimeout(r, 5));
      }
      return held.length;
    }
    case 'throw': {
      const e = new Error(args.message);
      e.name = args.name;
      throw e;
    }
    case 'throw-string':
      throw args.message;
    case 'exit':
      process.exit(args.code);
    // falls through (never reached)
    case 'progress':
      for (let i = 1; i <= args.steps; i++) {
        if (ctx.signal.aborted) throw new Error('cancelled');
        await new Promise((r) => setTimeout(r, args.ms));
        ctx.progress('step', `step ${i} of ${args.steps}`, i / args.steps);
      }
      return args.steps;
    case 'deadline': {
      ctx.limitTime(args.limitMs);
      const end = Date.now() + args.ms;
      while (Date.now() < end) {
        /* busy */
      }
      return null;
    }
    case 'count':
      return runs;
  }
}
