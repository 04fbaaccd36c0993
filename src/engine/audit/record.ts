/**
 * A finished task → store rows: one CellRecord per cell and, lazily, its example as PNGs (encoded only
 * when the store keeps it among the worst cells). The one place that maps results to the schema, used by
 * the local runner and by the queue coordinator alike.
 */
import { toInterleaved } from '../attacks/index.js';
import { encodeMaskPng, encodePng } from '../imaging/index.js';
import type { Task } from './cells.js';
import type { RawExample, TaskResult } from './execute.js';
import type { AuditStore, CellRecord, ExampleRecord } from './store.js';

function pngs(e: RawExample): ExampleRecord {
  const C = e.channels as 1 | 3;
  const raster = (planar8: Uint8Array, channels: 1 | 3 = C) => ({ width: e.width, height: e.height, channels, data: toInterleaved(Float32Array.from(planar8, (v) => v / 255), channels, e.width, e.height), levels: 255, source: { format: 'png' as const } });
  let max = 0;
  for (let i = 0; i < e.clean.length; i++) max = Math.max(max, Math.abs(e.adversarial[i] - e.clean[i]));
  // grey 0.5 + δ·A with A = 0.5/max|δ|, as `vlsm-audit attack` writes perturbation.png; the stored domain
  // brings its own panel (one grey plane, Δ in stored units)
  const amplification = e.perturbation ? e.perturbation.amplification : max > 0 ? (0.5 * 255) / max : 1;
  const pert = e.perturbation ? e.perturbation.data : Uint8Array.from(e.clean, (c, i) => Math.round(Math.min(255, Math.max(0, 127.5 + (e.adversarial[i] - c) * amplification))));
  const pertChannels: 1 | 3 = e.perturbation ? 1 : C;
  const mask = (data: Uint8Array) => encodeMaskPng({ width: e.width, height: e.height, data });
  return {
    width: e.width,
    height: e.height,
    channels: e.channels,
    cleanPng: encodePng(raster(e.clean)),
    adversarialPng: encodePng(raster(e.adversarial)),
    perturbationPng: encodePng(raster(pert, pertChannels)),
    amplification,
    referencePng: mask(e.reference),
    cleanMaskPng: mask(e.cleanMask),
    advMaskPng: mask(e.advMask),
  };
}

/** Writes every cell of a finished task, one transaction per cell; returns how many were new. */
export function storeTaskResult(store: AuditStore, task: Task, r: TaskResult, sessionId: string | null, worstExamples: number): number {
  let added = 0;
  const s = task.setting;
  task.cells.forEach((c, i) => {
    const out = r.cells[i];
    if (out.key !== c.key) throw new Error(`Result for cell ${out.key} arrived in the slot of ${c.key}.`);
    const rec: CellRecord = {
      key: c.key,
      auditId: task.auditId,
      ordinal: c.ordinal,
      sessionId,
      worker: r.worker,
      modelSha256: task.modelSha256,
      datasetKey: task.datasetKey,
      dataset: task.dataset,
      imageId: c.imageId,
      imageSha256: c.imageSha256,
      promptSpec: task.promptSpec,
      prompt: c.prompt,
      attack: s.name,
      label: s.label,
      units: s.units,
      eps: s.eps,
      epsText: s.epsText,
      seed: s.seed,
      domain: s.domain,
      params: { budget: s.budget, loss: s.loss, target: s.target, options: s.options, execution: task.execution, batchSize: task.cells.length, ...(out.stored ? { stored: out.stored } : {}) },
      batchKey: c.batchKey,
      provider: r.provider,
      threads: r.threads,
      gradientMode: r.gradientMode,
      iterations: r.iterations,
      ms: r.ms / task.cells.length,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      referenceKind: r.referenceKind,
      metrics: out.metrics,
    };
    if (store.putCell(rec, () => pngs(out.example), worstExamples)) added++;
  });
  return added;
}
