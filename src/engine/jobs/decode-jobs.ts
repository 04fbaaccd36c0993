/**
 * Decoding through the job pool, for callers that must stay responsive or survive hostile files (`serve`,
 * the desktop app, the CLI's single-image commands). One shared pool; its bounds come from the environment:
 *
 *   VLSM_DECODE_MEMORY_MB   resident-memory bound of a decode worker (default 2048)
 *   VLSM_DECODE_TIMEOUT_S   overall time bound of one decode job (default 120); each frame's decode is
 *                           also bounded by its size once its header is read (imaging-tasks.ts)
 *
 * Exceeding them, or a worker crash, becomes an ImageDecodeError naming the file, like any other
 * unreadable image. The pixel budget checked from headers before decoding is in ../imaging/limits.ts.
 */
import { ImageDecodeError } from '../imaging/errors.js';
import type { BinaryMask, RasterImage, VoiWindow } from '../imaging/types.js';
import { JobError } from './errors.js';
import type { OpenedMask, OpenedStudy } from './imaging-tasks.js';
import { JobPool, type RunOptions } from './pool.js';
import type { TaskArgs, TaskName, TaskResult } from './tasks.js';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return v;
}

export function decodeLimits(): { memoryMb: number; timeoutMs: number } {
  return { memoryMb: envNumber('VLSM_DECODE_MEMORY_MB', 2048), timeoutMs: envNumber('VLSM_DECODE_TIMEOUT_S', 120) * 1000 };
}

let shared: JobPool | undefined;

/** The process-wide decode pool (created on first use). */
export function decodePool(): JobPool {
  if (!shared) {
    const { memoryMb, timeoutMs } = decodeLimits();
    shared = new JobPool({ maxWorkers: 2, memoryMb, timeoutMs, idleMs: 10_000 });
  }
  return shared;
}

/** Closes the shared decode pool (tests, app shutdown); the next decode starts a new one. */
export async function closeDecodePool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}

type DecodeOptions = Pick<RunOptions, 'signal' | 'onProgress'>;

async function decodeJob<K extends TaskName>(task: K, args: TaskArgs<K>, path: string, opts: DecodeOptions = {}): Promise<TaskResult<K>> {
  try {
    return await decodePool().run(task, args, { ...opts, label: `decoding ${path}` });
  } catch (e) {
    if (!(e instanceof JobError)) throw e;
    if (e.reason === 'timeout') {
      const s = Math.round((e.limit ?? decodeLimits().timeoutMs) / 100) / 10;
      throw new ImageDecodeError(`${path}: decoding took longer than ${s} s and was stopped; the file is corrupt or too complex for its size`);
    }
    if (e.reason === 'memory') {
      const mb = e.limit ?? decodeLimits().memoryMb;
      throw new ImageDecodeError(`${path}: decoding needed more than ${mb} MB of memory and was stopped; the file is corrupt or too large (limit: VLSM_DECODE_MEMORY_MB)`);
    }
    if (e.reason === 'crashed') throw new ImageDecodeError(`${path}: the decoder crashed on this file; it is corrupt or not supported (${e.message})`);
    throw e;
  }
}

export function openStudyJob(path: string, frame?: number, opts?: DecodeOptions): Promise<OpenedStudy> {
  return decodeJob('study:open', { path, frame }, path, opts);
}

export function loadImageJob(path: string, o: { frame?: number; window?: VoiWindow } = {}, opts?: DecodeOptions): Promise<RasterImage> {
  return decodeJob('image:load', { path, ...o }, path, opts);
}

export function openMaskJob(path: string, opts?: DecodeOptions): Promise<OpenedMask> {
  return decodeJob('mask:open', { path }, path, opts);
}

export function loadMaskJob(path: string, opts?: DecodeOptions): Promise<BinaryMask> {
  return decodeJob('mask:load', { path }, path, opts);
}
