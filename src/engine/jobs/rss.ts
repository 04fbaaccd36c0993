/**
 * Resident memory of another process, read by the parent so a worker stuck inside a synchronous WASM
 * decode (which cannot report anything itself) is still measured. Linux: /proc/<pid>/status (VmRSS,
 * VmHWM). Elsewhere `undefined`: the pool then relies on the worker's own reports between tasks and on
 * V8's --max-old-space-size (see pool.ts).
 */
import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** Resident set now, MB. */
  rssMb: number;
  /** Peak resident set so far, MB. */
  peakMb: number;
}

function field(status: string, name: string): number | undefined {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
}

export function readProcessMemory(pid: number): ProcessMemory | undefined {
  if (process.platform !== 'linux') return undefined;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // already gone
  }
  const rssMb = field(status, 'VmRSS');
  if (rssMb === undefined) return undefined;
  return { rssMb, peakMb: field(status, 'VmHWM') ?? rssMb };
}
