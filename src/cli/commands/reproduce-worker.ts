/**
 * `vlsm-audit reproduce-worker` (hidden): a child process of `reproduce --jobs N` (reproduce-jobs.ts). It
 * takes shards over the IPC channel one at a time, runs runProtocol on each with a model it keeps loaded
 * while the shards are of the same model, writes the metrics to the shard's file and reports progress.
 * Errors go to the parent as a message (the parent names the shard and stops every worker); the worker
 * exits when the parent disconnects.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AttackModel } from '../../engine/attacks/index.js';
import { loadDataset } from '../../engine/data/dataset.js';
import { loadModelPackage, type ModelPackage } from '../../engine/model/index.js';
import { isUserError, parsePositiveInt, UsageError } from '../errors.js';
import { resolvePrompt } from './eval.js';
import { createProtocolModel, runProtocol } from './reproduce.js';
import { encodeMetrics, type FromWorker, type ShardSpec, type ToWorker } from './reproduce-jobs.js';

export function registerReproduceWorker(program: Command): void {
  program
    .command('reproduce-worker', { hidden: true })
    .option('--threads <n>', 'intra-op threads', parsePositiveInt('threads'), 1)
    .action(runWorker);
}

/** One line for the parent: a user error's message; for a bug, its name, message and where it was thrown. */
function describeError(e: unknown): string {
  if (isUserError(e)) return e.message;
  if (!(e instanceof Error)) return String(e);
  const at = e.stack?.split('\n').find((l) => l.trimStart().startsWith('at '));
  return `${e.name}: ${e.message}${at ? ` (${at.trim()})` : ''}`;
}

async function runWorker(o: { threads: number }): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new UsageError('reproduce-worker is started by `vlsm-audit reproduce --jobs N`, not by hand.');
  const post = (m: FromWorker): void => void send(m);
  let loaded: { dir: string; pkg: ModelPackage; model: AttackModel } | undefined;

  async function runShard(s: ShardSpec): Promise<void> {
    if (loaded?.dir !== s.modelDir) {
      await loaded?.model.dispose();
      loaded = undefined;
      const pkg = await loadModelPackage(s.modelDir);
      loaded = { dir: s.modelDir, pkg, model: await createProtocolModel(pkg, o.threads) };
    }
    const ds = loadDataset(s.dataDir);
    const prompt = resolvePrompt(ds, loaded.pkg, undefined);
    const metrics = await runProtocol(loaded.model, ds.dir, s.ids, prompt.forImage, s.rows, s.settings, (done) => post({ type: 'progress', done }));
    writeFileSync(s.out, encodeMetrics(metrics));
    post({ type: 'done' });
  }

  // The parent sends the next shard only after `done`; the chain keeps them in order regardless.
  let chain = Promise.resolve();
  process.on('message', (m: ToWorker) => {
    chain = chain.then(() => runShard(m.shard)).catch((e: unknown) => post({ type: 'error', message: describeError(e) }));
  });
  // The open IPC channel keeps this process alive; once the parent disconnects, free the model and end.
  process.on('disconnect', () => void chain.then(() => loaded?.model.dispose()));
}
