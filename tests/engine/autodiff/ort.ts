/** SessionFactory for the autodiff tests over the project's runtime seam (src/engine/runtime). */
import { createSession } from '../../../src/engine/runtime/ort-session.js';
import type { RunFn } from '../../../src/engine/autodiff/gradcheck.js';

export interface RunnerOptions {
  /** ORT graph optimisation level; the float64 twin must run at 'basic' (fusions lack double kernels). */
  level?: 'disabled' | 'basic' | 'extended' | 'all';
  threads?: number;
}

export async function makeRunner(bytes: Uint8Array, opts: RunnerOptions = {}): Promise<RunFn> {
  const s = await createSession(bytes, { provider: 'cpu', optimization: opts.level ?? 'basic', threads: opts.threads ?? 1 }, 'autodiff test model');
  return (feeds, outputs) => s.run(feeds, outputs) as ReturnType<RunFn>;
}
