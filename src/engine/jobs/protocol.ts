/** Messages between the pool (parent) and a worker process; one job at a time per worker. */
import type { SerializedError } from './errors.js';

export interface JobProgress {
  stage: string;
  message: string;
  /** 0…1, or null when unknown. */
  fraction: number | null;
}

export type ToWorker = { type: 'run'; id: number; task: string; args: unknown } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; progress: JobProgress }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: SerializedError }
  /** The task asks for a tighter time bound: finish within `ms` from now (never extends the bound). */
  | { type: 'deadline'; id: number; ms: number }
  | { type: 'memory'; rssMb: number };
