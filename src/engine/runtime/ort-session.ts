/**
 * The runtime seam: the only file that imports onnxruntime-node. Everything else (inference, autodiff
 * checks, attacks, benches) uses this small interface, so the CPU/CUDA choice lives in one place.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors.js';

export type Provider = 'cpu' | 'cuda';

/** Typed map from element type to array type, as onnxruntime-common does. */
export interface DataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  bool: Uint8Array;
}
export type ElementType = keyof DataTypeMap;

export interface TensorValue<T extends ElementType = ElementType> {
  type: T;
  data: DataTypeMap[T];
  dims: readonly number[];
}

export interface SessionOptions {
  /**
   * 'auto' (default) uses CUDA when onnxruntime-node was installed with its CUDA provider
   * (`ONNXRUNTIME_NODE_INSTALL=cuda12`) and falls back to CPU otherwise; 'cuda' fails if it is missing.
   */
  provider?: 'auto' | Provider;
  /** CPU: intra-op threads (default: all cores). CUDA: threads for the few ops left on the CPU. */
  threads?: number;
  /** Graph optimisation. 'basic' is needed for float64 twin graphs (fused kernels have no double version). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface Session {
  readonly provider: Provider;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, TensorValue>, outputs?: readonly string[]): Promise<Record<string, TensorValue>>;
  release(): Promise<void>;
}

/** Thrown when ONNX Runtime rejects a model; the message names the model and ORT's reason. */
export class RuntimeError extends UserError {
  override name = 'RuntimeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

let cudaAvailable: boolean | undefined;
/** True when the CUDA provider library is installed next to onnxruntime-node's binding. */
export function isCudaAvailable(): boolean {
  if (cudaAvailable !== undefined) return cudaAvailable;
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const bin = join(root, 'bin');
    const stack = existsSync(bin) ? [bin] : [];
    cudaAvailable = false;
    while (stack.length > 0 && !cudaAvailable) {
      const dir = stack.pop()!;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) stack.push(join(dir, e.name));
        else if (/providers_cuda/.test(e.name)) cudaAvailable = true;
      }
    }
  } catch {
    cudaAvailable = false;
  }
  return cudaAvailable;
}

export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}, label = 'model'): Promise<Session> {
  const wanted = opts.provider ?? 'auto';
  if (wanted === 'cuda' && !isCudaAvailable()) {
    throw new RuntimeError(
      'The CUDA execution provider is not installed; run npm run setup:gpu on a machine with an NVIDIA GPU (docs/gpu.md), or use --provider cpu.',
    );
  }
  const provider: Provider = wanted === 'cpu' ? 'cpu' : isCudaAvailable() ? 'cuda' : 'cpu';
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    graphOptimizationLevel: opts.optimization ?? 'all',
    logSeverityLevel: 3,
    ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
  };
  let session: ort.InferenceSession;
  try {
    session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options);
  } catch (e) {
    // 'auto' with the provider installed but CUDA unusable (no driver, missing CUDA 13/cuDNN 9 libraries):
    // run on the CPU, say so once, and report provider 'cpu' with every result.
    if (provider === 'cuda' && wanted === 'auto') {
      process.emitWarning(`CUDA is installed but could not start (${firstLine((e as Error).message)}); running ${label} on the CPU.`);
      return createSession(model, { ...opts, provider: 'cpu' }, label);
    }
    throw new RuntimeError(`ONNX Runtime could not load ${label}${provider === 'cuda' ? ' on CUDA' : ''}: ${firstLine((e as Error).message)}`);
  }
  return wrap(session, provider, label);
}

function wrap(session: ort.InferenceSession, provider: Provider, label: string): Session {
  return {
    provider,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      let res: ort.InferenceSession.OnnxValueMapType;
      try {
        res = outputs ? await session.run(ortFeeds, outputs as string[]) : await session.run(ortFeeds);
      } catch (e) {
        throw new RuntimeError(`${label}: inference failed: ${firstLine((e as Error).message)}`);
      }
      const out: Record<string, TensorValue> = {};
      for (const [name, v] of Object.entries(res)) {
        const t = v as ort.Tensor;
        out[name] = { type: t.type as ElementType, data: t.data as DataTypeMap[ElementType], dims: t.dims };
      }
      return out;
    },
    async release() {
      await session.release();
    },
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}
