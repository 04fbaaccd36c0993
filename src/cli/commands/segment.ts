/** `vlsm-audit segment`: one image + one prompt → mask PNG (and Dice/IoU against a given mask). */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { encodeMaskPng, loadMask } from '../../engine/imaging/index.js';
import { loadImageJob } from '../../engine/jobs/index.js';
import { dice, iou } from '../../engine/metrics/index.js';
import { createSegmenter, loadModelPackage } from '../../engine/model/index.js';
import { action, parseNonNegativeInt, UsageError } from '../errors.js';
import { addRuntimeFlags } from '../options.js';
import { prepareOutFile } from '../validate.js';

interface SegmentOptions {
  model: string;
  image: string;
  prompt: string;
  mask?: string;
  out?: string;
  json?: boolean;
  frame?: number;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: number;
}

export function registerSegment(program: Command): void {
  const cmd = program
    .command('segment')
    .description('segment one image (PNG, JPEG or DICOM) with a text prompt')
    .requiredOption('--model <dir>', 'model package folder (model.onnx, tokenizer.json, vlsm.json)')
    .requiredOption('--image <file>', 'image file: PNG, JPEG or DICOM')
    .requiredOption('--prompt <text>', 'what to segment, e.g. "polyp"')
    .option('--mask <file>', 'ground-truth mask PNG; adds Dice and IoU')
    .option('--out <file>', 'write the predicted mask as a 0/255 PNG')
    .option('--frame <n>', 'frame of a multi-frame DICOM (0-based)', parseNonNegativeInt('frame'));
  addRuntimeFlags(cmd)
    .option('--json', 'print one JSON object {dice, iou, provider, ms}')
    .action(action(runSegment));
}

async function runSegment(o: SegmentOptions): Promise<void> {
  if (!['auto', 'cpu', 'cuda'].includes(o.provider)) throw new UsageError(`--provider must be auto, cpu or cuda, got "${o.provider}".`);
  if (o.out) prepareOutFile(o.out, '--out', 'mask.png');
  const pkg = await loadModelPackage(o.model);
  // decoded in a job worker: a hostile file is bounded in time and memory (src/engine/jobs)
  const image = await loadImageJob(o.image, { frame: o.frame });
  const gt = o.mask ? await loadMask(o.mask) : undefined;
  if (gt && (gt.width !== image.width || gt.height !== image.height)) {
    throw new UsageError(`Mask ${o.mask} is ${gt.width}×${gt.height} but image ${o.image} is ${image.width}×${image.height}.`);
  }
  const seg = await createSegmenter(pkg, { provider: o.provider, threads: o.threads });
  try {
    const [res] = await seg.segment([image], [o.prompt]);
    if (o.out) writeFileSync(o.out, encodeMaskPng(res.mask));
    const area = res.mask.data.reduce((a, v) => a + v, 0) / res.mask.data.length;
    const result: Record<string, unknown> = {};
    if (gt) {
      result.dice = dice(res.mask, gt);
      result.iou = iou(res.mask, gt);
    }
    Object.assign(result, { provider: seg.provider, ms: round(res.ms, 1), area: round(area, 6), width: image.width, height: image.height });
    if (o.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `${pkg.manifest.name} on ${o.image} ("${o.prompt}"): ${(area * 100).toFixed(2)}% of the image segmented` +
          (gt ? `, Dice ${(result.dice as number).toFixed(4)}, IoU ${(result.iou as number).toFixed(4)}` : '') +
          ` [${seg.provider}, ${res.ms.toFixed(0)} ms]${o.out ? `; mask written to ${o.out}` : ''}\n`,
      );
    }
  } finally {
    await seg.dispose();
  }
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
