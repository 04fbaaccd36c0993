/**
 * Test-only runner for model bytes. STYLE keeps onnxruntime-node behind one runtime file; until
 * src/engine/runtime/ort-session.ts lands, the autodiff tests use this small helper instead.
 */
import ort from 'onnxruntime-node';
import type { RunFn, FeedValue } from '../../../src/engine/autodiff/gradcheck.js';

export interface RunnerOptions {
  /** ORT graph optimisation level; the float64 twin must run at 'basic' (fusions lack double kernels). */
  level?: 'disabled' | 'basic' | 'extended' | 'all';
  threads?: number;
}

function toOrt(v: FeedValue): ort.Tensor {
  return new ort.Tensor(v.type, v.data, [...v.dims]);
}

/** Creates a session once and returns a RunFn over it. */
export async function makeRunner(bytes: Uint8Array, opts: RunnerOptions = {}): Promise<RunFn & { release(): Promise<void> }> {
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: opts.level ?? 'basic',
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
  });
  const run = async (feeds: Record<string, FeedValue>, outputs: readonly string[]) => {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = toOrt(v);
    const res = await session.run(f, [...outputs]);
    const out: Record<string, FeedValue> = {};
    for (const name of outputs) {
      const t = res[name];
      out[name] = { type: t.type as FeedValue['type'], data: t.data as FeedValue['data'], dims: [...t.dims] };
    }
    return out;
  };
  return Object.assign(run, { release: () => session.release() });
}
