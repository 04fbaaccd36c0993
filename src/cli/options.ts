/** Option blocks shared by several commands (same flags, same wording, same parsing everywhere). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parsePositiveInt } from './errors.js';

export const PROVIDERS = ['auto', 'cpu', 'cuda'] as const;
export type ProviderFlag = (typeof PROVIDERS)[number];

function parseProvider(v: string): ProviderFlag {
  if (!(PROVIDERS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--provider must be auto, cpu or cuda, got "${v}".`);
  return v as ProviderFlag;
}

/** --provider, as an Option for commands that declare their flags in one chain (serve, gradcheck). */
export function providerOption(): Option {
  return new Option('--provider <p>', 'execution provider: auto, cpu or cuda').default('auto').argParser(parseProvider);
}

/** --threads, as an Option (see providerOption). */
export function threadsOption(): Option {
  return new Option('--threads <n>', 'intra-op threads (default: all cores)').argParser(parsePositiveInt('threads'));
}

/** --model and --data, for the commands that run over a dataset split. */
export function addModelDataFlags(cmd: Command): Command {
  return cmd
    .requiredOption('--model <dir>', 'model package folder')
    .requiredOption('--data <dir>', 'dataset folder with images/, masks/ and splits.json');
}

/** --provider and --threads, for the commands that run ONNX Runtime. */
export function addRuntimeFlags(cmd: Command): Command {
  return cmd.addOption(providerOption()).addOption(threadsOption());
}
