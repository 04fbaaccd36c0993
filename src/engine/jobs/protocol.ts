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
  | { type: 'memory'; rssMb: number };
