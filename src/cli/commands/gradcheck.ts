/**
 * `vlsm-audit gradcheck`: verifies the autodiff gradient of a model package (or a bare .onnx) against
 * float64 central finite differences and prints the errors; exit code 1 above the tolerance.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { gradcheck, type GradcheckReport, type LossConfig, type RunFn, type SessionFactory } from '../../engine/autodiff/index.js';
import { loadModelPackage } from '../../engine/model/package.js';
import { createSession } from '../../engine/runtime/ort-session.js';
import { action, parsePositiveInt, UsageError } from '../errors.js';
import { providerOption, threadsOption, type ProviderFlag } from '../options.js';

interface GradcheckCliOptions {
  model: string;
  samples: number;
  seed: number;
  loss: string;
  tolerance: number;
  inputShape: string[];
  wrt?: string;
  logits?: string;
  provider: ProviderFlag;
  threads?: number;
  fdStep?: number;
  prompt?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerGradcheck(program: Command): void {
  program
    .command('gradcheck')
    .description('check the autodiff gradient of a model against float64 finite differences')
    .requiredOption('--model <dir|file.onnx>', 'model package folder, or a bare .onnx file')
    .option('--samples <k>', 'coordinates checked by finite differences', parsePositiveInt('samples'), 16)
    .option('--seed <n>', 'seed for inputs and sampled coordinates', parsePositiveInt('seed'), 1)
    .option('--loss <kind>', 'loss: dicece, bce or dice', 'dicece')
    .option('--tolerance <t>', 'largest accepted relative error', (v) => Number(v), 1e-4)
    .option('--input-shape <name=d,d,…>', 'static shape for a dynamic input (repeatable), e.g. pixel_values=1,3,352,352', collect, [])
    .option('--wrt <name>', 'input to differentiate (default: the package’s pixel input, else pixel_values)')
    .option('--logits <name>', 'output the loss reads (default: the package’s logits, else logits)')
    .addOption(providerOption())
    .addOption(threadsOption())
    .option('--fd-step <h>', 'fixed finite-difference step for every coordinate (default: chosen per coordinate from |x|, |∇| and the measured float64 noise)', (v) => Number(v))
    .option('--prompt <text>', 'prompt tokenised with the package’s tokenizer (default: its first default prompt)')
    .option('--json', 'print {"maxRelError","directionalRelError","ops","nodes",…} as one JSON object')
    .action(action(runGradcheck));
}

function parseShapes(specs: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const s of specs) {
    const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(s);
    if (!m) throw new UsageError(`--input-shape must look like name=1,3,224,224, got "${s}".`);
    out[m[1]] = m[2].split(',').map(Number);
  }
  return out;
}

async function runGradcheck(o: GradcheckCliOptions): Promise<void> {
  if (!['dicece', 'bce', 'dice'].includes(o.loss)) throw new UsageError(`--loss must be dicece, bce or dice, got "${o.loss}".`);
  if (!(o.tolerance > 0)) throw new UsageError(`--tolerance must be a positive number.`);
  if (o.fdStep !== undefined && !(o.fdStep > 0 && o.fdStep < 1)) throw new UsageError(`--fd-step must be a number between 0 and 1 (e.g. 1e-4).`);
  let bytes: Uint8Array;
  let shapes: Record<string, number[]> = {};
  let wrt = o.wrt ?? 'pixel_values';
  let logits = o.logits;
  let feeds: Record<string, { type: 'int64'; data: BigInt64Array; dims: readonly number[] }> | undefined;
  if (o.model.endsWith('.onnx')) {
    try {
      bytes = new Uint8Array(readFileSync(o.model));
    } catch {
      throw new UsageError(`Cannot read ${o.model}.`);
    }
  } else {
    const pkg = await loadModelPackage(o.model);
    const { input, io, text } = pkg.manifest;
    bytes = pkg.modelBytes;
    wrt = o.wrt ?? io.pixelValues;
    logits = o.logits ?? io.logits;
    shapes[io.pixelValues] = io.pixelLayout === 'NHWC' ? [1, input.height, input.width, input.channels] : [1, input.channels, input.height, input.width];
    // A real prompt through the package's own tokenizer, so the check runs where attacks run.
    const prompt = o.prompt ?? Object.values(pkg.manifest.prompts)[0]?.default ?? 'polyp';
    const enc = pkg.tokenizer.encode([prompt]);
    shapes[io.inputIds] = [...enc.dims];
    feeds = { [io.inputIds]: { type: 'int64', data: enc.inputIds, dims: enc.dims } };
    if (io.attentionMask) {
      shapes[io.attentionMask] = [...enc.dims];
      feeds[io.attentionMask] = { type: 'int64', data: enc.attentionMask, dims: enc.dims };
    }
  }
  shapes = { ...shapes, ...parseShapes(o.inputShape) };
  const session: SessionFactory = async (model, twin) => {
    // The float64 twin stays on the CPU (CUDA lacks double kernels for several ops); --provider picks
    // where the float32 gradient graph under test runs.
    const s = await createSession(model, { provider: twin ? 'cpu' : o.provider, optimization: twin ? 'basic' : 'all', threads: o.threads }, twin ? 'float64 twin' : 'gradient graph');
    return Object.assign((feeds: Parameters<RunFn>[0], outputs: readonly string[]) => s.run(feeds, outputs) as ReturnType<RunFn>, { release: () => s.release() });
  };
  const loss = { kind: o.loss } as LossConfig;
  // Inputs not fed above (pixels, or everything for a bare .onnx) get seeded values.
  const r = await gradcheck(bytes, { wrt, logits, loss, inputShapes: shapes, feeds, samples: o.samples, seed: o.seed, tolerance: o.tolerance, h: o.fdStep }, session);
  print(r, o);
  if (!r.passed) process.exitCode = 1;
}

function print(r: GradcheckReport, o: GradcheckCliOptions): void {
  const out = {
    maxRelError: r.maxRelError,
    directionalRelError: r.directionalRelError,
    ops: r.ops,
    nodes: { forward: r.nodes.forward, backward: r.nodes.backward, loss: r.nodes.loss },
    float32RelError: r.float32RelError,
    forwardTwinRelDiff: r.forwardTwinRelDiff,
    samples: r.samples,
    tolerance: r.tolerance,
    lossNoise: r.lossNoise,
    fdSteps: r.steps,
    passed: r.passed,
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const e = (v: number) => v.toExponential(2);
  process.stdout.write(
    `${r.passed ? 'PASS' : 'FAIL'} ${o.model}: max relative error ${e(r.maxRelError)} on ${r.samples} coordinates, ` +
      `${e(r.directionalRelError)} along a random direction (tolerance ${e(r.tolerance)})\n` +
      `  finite-difference steps ${e(r.steps.min)}…${e(r.steps.max)}${Number.isNaN(r.lossNoise) ? ' (--fd-step)' : ` (float64 loss noise ${e(r.lossNoise)})`}\n` +
      `  float32 gradient vs float64: ${e(r.float32RelError)}; nodes: ${r.nodes.forward} forward, ${r.nodes.loss} loss, ${r.nodes.backward} backward\n` +
      `  ops on the gradient path: ${r.ops.join(', ')}\n`,
  );
}
