/** Option blocks shared by several commands (same flags, same wording, same parsing everywhere). */
import type { Command } from 'commander';
import { parsePositiveInt } from './errors.js';

/** --model and --data, for the commands that run over a dataset split. */
export function addModelDataFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--model <dir>', 'model package folder')
    .requiredOption('--data <dir>', 'dataset folder with images/, masks/ and splits.json');
}

/** --provider and --threads, for the commands that run ONNX Runtime. */
export function addRuntimeFlags(cmd: Command): Command {
  return cmd
    .option('--provider <p>', 'execution provider: auto, cpu or cuda', 'auto')
    .option('--threads <n>', 'intra-op threads (default: all cores)', parsePositiveInt('threads'));
}
